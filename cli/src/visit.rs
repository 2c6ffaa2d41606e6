//! Reaching an operation's typed request builder at run time, through
//! [`HssClient::visit`]: set the parameters from the command line's text,
//! then call it once or stream its pages.

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use hss_client::{
    Error, HssClient, Operation, OperationExt, OperationVisitor, PageOptions, PaginatedExt,
};
use serde_json::Value;

/// A parameter as the command line gives it: the wire name and the text.
pub type Argument = (&'static str, String);

/// Sets every argument on `builder`, parsed into its type.
fn with_arguments<'a, B: OperationExt<'a>>(
    mut builder: B,
    arguments: &[Argument],
) -> Result<B, Error> {
    for (name, value) in arguments {
        builder = builder.with_parameter(name, value)?;
    }
    Ok(builder)
}

/// Calls `operation` once and returns the body as JSON.
pub fn call<'a>(
    client: &'a HssClient,
    operation: Operation,
    arguments: Vec<Argument>,
) -> BoxFuture<'a, Result<Value, Error>> {
    client.visit(operation, Call { arguments })
}

struct Call {
    arguments: Vec<Argument>,
}

impl<'a> OperationVisitor<'a> for Call {
    type Output = BoxFuture<'a, Result<Value, Error>>;

    fn call<B: OperationExt<'a>>(self, builder: B) -> Self::Output {
        Box::pin(async move {
            let response = with_arguments(builder, &self.arguments)?.call().await?;
            serde_json::to_value(&response).map_err(|e| Error::Config(e.to_string()))
        })
    }

    fn unsupported(self, operation: Operation) -> Self::Output {
        Box::pin(async move { Err(not_json(operation)) })
    }
}

/// One page of an export, each record as compact JSON text.
#[derive(Debug)]
#[non_exhaustive]
pub struct JsonPage {
    /// The offset of the page's first record.
    pub offset: i64,
    /// The total the service reported.
    pub total: Option<i64>,
    /// The records; a record that does not match its schema is an
    /// [`Error::Record`] in its place.
    pub items: Vec<Result<String, Error>>,
}

/// Every page of `operation` from `options.start_offset` on, its records
/// as JSON text. An operation that does not page is one error item.
pub fn pages<'a>(
    client: &'a HssClient,
    operation: Operation,
    arguments: Vec<Argument>,
    options: PageOptions,
) -> BoxStream<'a, Result<JsonPage, Error>> {
    client.visit(operation, Pages { arguments, options })
}

struct Pages {
    arguments: Vec<Argument>,
    options: PageOptions,
}

impl<'a> OperationVisitor<'a> for Pages {
    type Output = BoxStream<'a, Result<JsonPage, Error>>;

    fn call<B: OperationExt<'a>>(self, _builder: B) -> Self::Output {
        stream::once(async move {
            Err(Error::Config(format!(
                "{} does not page, so it cannot be exported; call it as `hss {}`",
                B::OPERATION,
                crate::app::command_name(B::OPERATION)
            )))
        })
        .boxed()
    }

    fn paginated<B: PaginatedExt<'a>>(self, builder: B) -> Self::Output {
        let builder = match with_arguments(builder, &self.arguments) {
            Ok(builder) => builder,
            Err(error) => return stream::once(async move { Err(error) }).boxed(),
        };
        builder
            .pages_with(self.options)
            .map(|page| {
                page.map(|page| JsonPage {
                    offset: page.offset,
                    total: page.total,
                    items: page
                        .items
                        .into_iter()
                        .map(|item| {
                            item.and_then(|record| {
                                serde_json::to_string(&record)
                                    .map_err(|e| Error::Config(e.to_string()))
                            })
                        })
                        .collect(),
                })
            })
            .boxed()
    }

    fn unsupported(self, operation: Operation) -> Self::Output {
        stream::once(async move { Err(not_json(operation)) }).boxed()
    }
}

fn not_json(operation: Operation) -> Error {
    Error::Config(format!(
        "{operation}: its success response is not JSON, which this tool cannot print"
    ))
}
