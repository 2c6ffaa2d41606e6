//! Reaching an operation picked at run time, through `hss-client`'s
//! [`Query`]: its parameters set from the command line's text, then called
//! once or paged.

use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use hss_client::{Error, HssClient, JsonRecord, Operation, Page, PageOptions, Query};
use serde_json::Value;

/// A parameter as the command line gives it: the wire name and the text.
pub type Argument = (&'static str, String);

/// The query of `operation` with `arguments`.
pub fn query(operation: Operation, arguments: &[Argument]) -> Query {
    arguments
        .iter()
        .fold(Query::new(operation), |query, (name, value)| {
            query.with(*name, value.clone())
        })
}

/// Calls `operation` once and returns the body as JSON.
pub fn call(
    client: &HssClient,
    operation: Operation,
    arguments: Vec<Argument>,
) -> BoxFuture<'static, Result<Value, Error>> {
    let client = client.clone();
    let query = query(operation, &arguments);
    Box::pin(async move { query.call(&client).await })
}

/// Every page of `operation` as `options` say, its records as JSON text;
/// the stream owns its client, so it can run in a task of its own. An
/// operation that does not page is one error item.
pub fn pages(
    client: &HssClient,
    operation: Operation,
    arguments: &[Argument],
    options: PageOptions,
) -> BoxStream<'static, Result<Page<JsonRecord>, Error>> {
    let stream = query(operation, arguments).pages(client.clone(), options);
    if operation.pagination().is_some() {
        return stream;
    }
    futures::stream::once(async move {
        Err(Error::Config(format!(
            "{operation} does not page, so it cannot be exported; call it as `hss {}`",
            crate::names::command_name(operation)
        )))
    })
    .boxed()
}
