//! [`Query`]: an operation picked at run time, with its parameters as text
//! (as a command line gives them), and the calls and streams made from it.
//!
//! The typed builders borrow their client; a [`Query`] and an
//! [`HssClient`] (cheap to clone: clones share the connection pool and the
//! request budget) make streams that own everything they need
//! (`'static`), so they can run in a task of their own and be resumed from
//! a saved [`Cursor`](crate::Cursor). Records come with their key
//! and version, decoded into their type, and are written as JSON when
//! asked ([`JsonRecord::to_json`]), so that a consumer in another task
//! encodes them while the next page is on its way.

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};

use crate::client::HssClient;
use crate::error::Error;
use crate::ext::{OperationExt, OperationVisitor, PaginatedExt};
use crate::paging::driver::FetchPage;
use crate::paging::options::PageOptions;
use crate::paging::pager::{Entry, Fetched, Page};
use crate::record::RecordKey;
use crate::spec::Operation;

/// An operation and its parameters, by wire name, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Query {
    /// The operation.
    pub operation: Operation,
    /// Its parameters: wire name and value as text, parsed into the
    /// parameter's type when the request is built.
    pub arguments: Vec<(String, String)>,
}

/// One record of a [`Query`]'s pages.
#[derive(Debug)]
#[non_exhaustive]
pub struct JsonRecord {
    /// Its identity.
    pub key: RecordKey,
    /// Its version (the `x-record-version` field as JSON text), when the
    /// spec names one.
    pub version: Option<String>,
    /// The record, decoded into its type.
    record: Box<dyn Encode>,
}

impl JsonRecord {
    /// The record as compact JSON, its keys spelled as the spec names
    /// them.
    pub fn to_json(&self) -> Result<String, Error> {
        let mut out = Vec::new();
        self.write_json(&mut out)?;
        String::from_utf8(out)
            .map_err(|e| Error::Config(format!("a record's JSON is not UTF-8: {e}")))
    }

    /// The record as a JSON value, its keys spelled as the spec names
    /// them.
    pub fn to_value(&self) -> Result<serde_json::Value, Error> {
        self.record
            .value()
            .map_err(|e| Error::Config(format!("cannot encode a record as JSON: {e}")))
    }

    /// Appends the record as compact JSON to `out` (to reuse one buffer
    /// for many records).
    pub fn write_json(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.record
            .encode(out)
            .map_err(|e| Error::Config(format!("cannot encode a record as JSON: {e}")))
    }
}

/// A decoded record of any type, encoded as JSON on demand.
trait Encode: Send + Sync + std::fmt::Debug {
    fn encode(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
    fn value(&self) -> serde_json::Result<serde_json::Value>;
}

impl<T: serde::Serialize + Send + Sync + std::fmt::Debug> Encode for T {
    fn encode(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }

    fn value(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }
}

impl Query {
    /// `operation` with no parameters set (the client's presets apply).
    pub fn new(operation: Operation) -> Self {
        Query {
            operation,
            arguments: Vec::new(),
        }
    }

    /// Sets a parameter (by wire name) from text.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.arguments.push((name.into(), value.into()));
        self
    }

    /// Calls the operation once; its body as JSON.
    pub fn call<'a>(
        &'a self,
        client: &'a HssClient,
    ) -> BoxFuture<'a, Result<serde_json::Value, Error>> {
        client.visit(
            self.operation,
            Call {
                arguments: &self.arguments,
            },
        )
    }

    /// Every page of the operation, fetched as `options` say, as a stream
    /// that owns its client.
    pub fn pages(
        &self,
        client: HssClient,
        options: PageOptions,
    ) -> BoxStream<'static, Result<Page<JsonRecord>, Error>> {
        let operation = self.operation;
        if operation.pagination().is_none() {
            return stream::once(async move {
                Err(Error::Pagination {
                    operation: operation.to_string(),
                    message: "the operation does not page".into(),
                })
            })
            .boxed();
        }
        let query = self.clone();
        let versions = options.versions;
        let fetch: FetchPage<'static, JsonRecord> = Box::new(move |offset, limit| {
            let client = client.clone();
            let query = query.clone();
            Box::pin(async move {
                client
                    .visit(
                        query.operation,
                        FetchJson {
                            arguments: &query.arguments,
                            offset,
                            limit,
                            versions,
                        },
                    )
                    .await
            })
        });
        crate::paging::pages(operation, &options, fetch)
    }
}

/// Sets every argument on `builder`, parsed into its type.
fn with_arguments<'a, B: OperationExt<'a>>(
    mut builder: B,
    arguments: &[(String, String)],
) -> Result<B, Error> {
    for (name, value) in arguments {
        builder = builder.with_parameter(name, value)?;
    }
    Ok(builder)
}

struct Call<'q> {
    arguments: &'q [(String, String)],
}

impl<'a> OperationVisitor<'a> for Call<'a> {
    type Output = BoxFuture<'a, Result<serde_json::Value, Error>>;

    fn call<B: OperationExt<'a>>(self, builder: B) -> Self::Output {
        Box::pin(async move {
            let response = with_arguments(builder, self.arguments)?.call().await?;
            serde_json::to_value(&response).map_err(|e| Error::Config(e.to_string()))
        })
    }

    fn unsupported(self, operation: Operation) -> Self::Output {
        Box::pin(async move { Err(not_json(operation)) })
    }
}

struct FetchJson<'q> {
    arguments: &'q [(String, String)],
    offset: i64,
    limit: i64,
    versions: bool,
}

impl<'a> OperationVisitor<'a> for FetchJson<'a> {
    type Output = BoxFuture<'a, Result<Fetched<JsonRecord>, Error>>;

    fn call<B: OperationExt<'a>>(self, _builder: B) -> Self::Output {
        Box::pin(async move {
            Err(Error::Pagination {
                operation: B::OPERATION.to_string(),
                message: "the operation does not page".into(),
            })
        })
    }

    fn paginated<B: PaginatedExt<'a>>(self, builder: B) -> Self::Output {
        Box::pin(async move {
            let builder =
                with_arguments(builder, self.arguments)?.with_page(self.offset, self.limit);
            let fetched = crate::ext::fetch_page(builder, self.offset, self.versions).await?;
            Ok(Fetched {
                total: fetched.total,
                throttled: fetched.throttled,
                entries: fetched
                    .entries
                    .into_iter()
                    .map(|entry| Entry {
                        key: entry.key,
                        stamp: entry.stamp,
                        item: entry.item.map(|item| JsonRecord {
                            key: B::record_key(&item),
                            version: B::record_version(&item),
                            record: Box::new(item),
                        }),
                    })
                    .collect(),
            })
        })
    }

    fn unsupported(self, operation: Operation) -> Self::Output {
        Box::pin(async move { Err(not_json(operation)) })
    }
}

fn not_json(operation: Operation) -> Error {
    Error::Config(format!(
        "{operation}: its success response is not JSON, which this client cannot decode"
    ))
}
