//! The builder extensions: `.call()`, `.stream()`, `.stream_with()` and
//! `.pages_with()` for the generated request builders ([`OperationExt`],
//! [`PaginatedExt`]; the generated `crate::presets` module implements both
//! for every builder), and [`OperationVisitor`] for code that picks an
//! operation at run time.
//!
//! A call builds its request with the builder and runs it through the
//! request pipeline (`crate::runtime::pipeline`: validate, budget, sign,
//! send, read, classify, retry), then decodes the body into the typed
//! response. A stream fetches each page the same way and hands it to the
//! one paging assembly ([`crate::paging::pages`]).

use std::fmt::Display;
use std::str::FromStr;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};

use progenitor_client::ClientInfo;

use crate::GeneratedError;
use crate::error::Error;
use crate::paging::driver::FetchPage;
use crate::paging::options::PageOptions;
use crate::paging::pager::{Entry, Fetched, Page};
use crate::record::{RecordKey, version_stamp};
use crate::runtime::pipeline::{CallReport, Success, Undecoded};
use crate::spec::Operation;
use crate::spec::check::{allowed, shown};

pub(crate) mod sealed {
    /// Only the generated request builders implement the extension traits.
    pub trait Sealed {}
}

/// Adds `.call()` to every generated request builder.
pub trait OperationExt<'a>: sealed::Sealed + Sized + Send + 'a {
    /// The decoded response body.
    type Response: Send + serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug + 'a;
    /// The operation this builder sends.
    const OPERATION: Operation;

    #[doc(hidden)]
    // progenitor's error type, as its builders give it.
    #[allow(clippy::result_large_err)]
    fn build_request(
        self,
    ) -> Result<(&'a crate::generated::Client, reqwest::Request), GeneratedError>;

    #[doc(hidden)]
    fn invalid_parameter(&self) -> Option<(&'static str, &str)>;

    /// Sets the parameter with the wire name `name` from text, as a command
    /// line would: the text is parsed into the parameter's type. An unknown
    /// name or a value that does not parse is an [`Error::InvalidInput`].
    fn with_parameter(self, name: &str, value: &str) -> Result<Self, Error>;

    /// Sends the request (with validation, budget, signing and retries)
    /// and returns the decoded body, or an [`Error`] naming the operation
    /// and attempt.
    fn call(self) -> BoxFuture<'a, Result<Self::Response, Error>> {
        Box::pin(async move {
            let operation = Self::OPERATION;
            let success = send::<Self, Self::Response>(self).await?;
            success.decoded.map_err(|undecoded| {
                decode_error(operation, &success.body, &undecoded, success.report)
            })
        })
    }
}

/// Validates, builds and sends a builder's request; the successful body,
/// decoded into `T`.
async fn send<'a, B: OperationExt<'a>, T: serde::de::DeserializeOwned>(
    builder: B,
) -> Result<Success<T>, Error> {
    let operation = B::OPERATION;
    if let Some((rust_name, message)) = builder.invalid_parameter() {
        return Err(builder_error(operation, rust_name, message));
    }
    let (client, request) = builder
        .build_request()
        .map_err(|error| request_error(operation, error))?;
    crate::runtime::pipeline::call(client.inner(), client.client(), request, operation).await
}

/// The error for a success body that does not decode.
fn decode_error(
    operation: Operation,
    body: &[u8],
    undecoded: &Undecoded,
    report: CallReport,
) -> Error {
    Error::Decode {
        operation: operation.to_string(),
        attempt: report.attempts,
        status: 200,
        message: undecoded.error.to_string(),
        body_excerpt: crate::error::excerpt(body),
    }
}

/// The error for a request the builder could not build.
#[allow(clippy::result_large_err, clippy::needless_pass_by_value)]
fn request_error(operation: Operation, error: GeneratedError) -> Error {
    match error {
        progenitor_client::Error::InvalidRequest(message) => Error::InvalidInput {
            operation: operation.to_string(),
            parameter: "(request)".into(),
            value: "(rejected by the request builder)".into(),
            allowed: message,
        },
        other => Error::Config(format!("{operation}: cannot build the request: {other}")),
    }
}

/// Adds `.stream()` and `.stream_with()` to the request builders of the
/// operations that page.
///
/// A stream walks the pages of a paginated operation with the pager
/// (`crate::paging::pager`), which reads the total from every page, skips a
/// record it has already yielded (by the record key the spec names), and
/// follows a list that moves while it is paged; see there for what it
/// guarantees. It starts at offset 0 ([`PageOptions::start_offset`]), or
/// where a saved [`crate::Cursor`] left off ([`PageOptions::with_cursor`]). Page
/// size, largest offset and the names of the offset, limit, total and
/// records come from the operation's [`Pagination`](crate::spec::Pagination)
/// in the spec. A stream ends at the last total it saw, or at a short page;
/// when a short page comes before the total, an [`Error::Pagination`] item
/// says so instead of the stream ending quietly. When the total would need
/// an offset the operation does not accept, the stream yields every item
/// it can reach and then an [`Error::Pagination`] item. A failed page is an
/// error item after all earlier items, and ends the stream. A page whose
/// body is JSON but does not decode whole is read record by record: a
/// record that does not match its schema is an [`Error::Record`] item in
/// its place (with its raw JSON and position), the page's other records
/// come as usual, and paging goes on. [`PageOptions::prefetch`] sets the
/// pages fetched ahead: a fixed number, or [`crate::Prefetch::Auto`], which keeps
/// more in flight while pages come back unthrottled and fewer when they do
/// not. Either way every request waits for the operation's budget
/// (see [`crate::Budget`]). [`PaginatedExt::pages_with`] gives the pages
/// themselves, with their offset, the total and the cursor after them, for
/// callers that checkpoint.
pub trait PaginatedExt<'a>: OperationExt<'a> + Clone {
    /// One record of a page.
    type Item: Send
        + Sync
        + std::fmt::Debug
        + serde::Serialize
        + serde::de::DeserializeOwned
        + 'static;

    #[doc(hidden)]
    fn with_page(self, offset: i64, limit: i64) -> Self;

    #[doc(hidden)]
    fn split_page(response: Self::Response) -> (Option<i64>, Vec<Self::Item>);

    /// The identity of a record (its `x-record-key` fields).
    fn record_key(item: &Self::Item) -> RecordKey;

    /// The version of a record (its `x-record-version` field as JSON
    /// text), when the spec names one.
    fn record_version(item: &Self::Item) -> Option<String>;

    /// Every item across all pages, with the filters set on this builder
    /// (its offset and limit are replaced), by [`PageOptions::default`].
    fn stream(self) -> BoxStream<'a, Result<Self::Item, Error>> {
        self.stream_with(PageOptions::default())
    }

    /// Every item across all pages, fetched as `options` say. A record
    /// that does not match its schema is an [`Error::Record`] item in its
    /// place, and the stream goes on; any other error item ends it.
    fn stream_with(self, options: PageOptions) -> BoxStream<'a, Result<Self::Item, Error>> {
        self.pages_with(options)
            .flat_map(|page| match page {
                Ok(page) => stream::iter(page.items),
                Err(error) => stream::iter(vec![Err(error)]),
            })
            .boxed()
    }

    /// Every page, in order, fetched as `options` say: each with its
    /// offset, the total the service reported, its records not yielded
    /// before (a record that does not match its schema is an
    /// [`Error::Record`] in its place) and the cursor after it. An error
    /// item ends the stream, after every page before it.
    fn pages_with(self, options: PageOptions) -> BoxStream<'a, Result<Page<Self::Item>, Error>> {
        let operation = Self::OPERATION;
        let template = self;
        let versions = options.versions;
        let fetch: FetchPage<'a, Self::Item> = Box::new(move |offset, limit| {
            let builder = template.clone().with_page(offset, limit);
            Box::pin(fetch_page(builder, offset, versions))
        });
        crate::paging::pages(operation, &options, fetch)
    }
}

/// Sends one page request. A body that is JSON but does not decode whole
/// is read record by record, so that a record that does not match its
/// schema costs only itself.
pub(crate) async fn fetch_page<'a, B: PaginatedExt<'a>>(
    builder: B,
    offset: i64,
    versions: bool,
) -> Result<Fetched<B::Item>, Error> {
    let operation = B::OPERATION;
    let success = send::<B, B::Response>(builder).await?;
    let throttled = success.report.throttled > 0;
    match success.decoded {
        Ok(response) => {
            let (total, items) = B::split_page(response);
            let entries = items
                .into_iter()
                .map(|item| {
                    let version = B::record_version(&item);
                    Entry {
                        key: pass_key(B::record_key(&item), versions, version.as_deref()),
                        stamp: version_stamp(version.as_deref()),
                        item: Ok(item),
                    }
                })
                .collect();
            Ok(Fetched {
                total,
                entries,
                throttled,
            })
        }
        Err(undecoded) => {
            match record_by_record::<B::Item>(operation, &success.body, offset, versions) {
                Some((total, entries)) if !undecoded.garbled => Ok(Fetched {
                    total,
                    entries,
                    throttled,
                }),
                _ => Err(decode_error(
                    operation,
                    &success.body,
                    &undecoded,
                    success.report,
                )),
            }
        }
    }
}

/// The key a pass tells a record by: its key, or with `versions` its key
/// and its version.
fn pass_key(key: RecordKey, versions: bool, version: Option<&str>) -> RecordKey {
    match (versions, version) {
        (true, Some(version)) => RecordKey::of(&[key.to_string(), version.to_string()]),
        _ => key,
    }
}

/// Reads a page body that failed to decode whole: `None` unless it is a
/// JSON object whose total (when present) is an integer and whose records
/// (when present) are a list; then each record decodes on its own, and
/// each is keyed from its JSON.
fn record_by_record<T: serde::de::DeserializeOwned>(
    operation: Operation,
    body: &[u8],
    offset: i64,
    versions: bool,
) -> Option<(Option<i64>, Vec<Entry<T>>)> {
    let pagination = operation.pagination()?;
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let total = match object.get(pagination.total) {
        None | Some(serde_json::Value::Null) => None,
        Some(total) => Some(total.as_i64()?),
    };
    let records: &[serde_json::Value] = match object.get(pagination.items) {
        None | Some(serde_json::Value::Null) => &[],
        Some(records) => records.as_array()?,
    };
    let entries = records
        .iter()
        .zip(offset..)
        .map(|(record, position)| {
            let version = crate::record::version_from_json(operation, record);
            Entry {
                key: pass_key(
                    RecordKey::from_json(operation, record),
                    versions,
                    version.as_deref(),
                ),
                stamp: version_stamp(version.as_deref()),
                item: T::deserialize(record).map_err(|error| Error::Record {
                    operation: operation.to_string(),
                    position,
                    message: error.to_string(),
                    raw: record.to_string(),
                }),
            }
        })
        .collect();
    Some((total, entries))
}

/// Code that picks an operation at run time reaches its typed request
/// builder through [`crate::HssClient::visit`], which calls one of these
/// with the operation's preset builder.
pub trait OperationVisitor<'a> {
    /// What the visit returns.
    type Output;

    /// An operation that does not page.
    fn call<B: OperationExt<'a>>(self, builder: B) -> Self::Output;

    /// An operation that pages. By default, handled like any other.
    fn paginated<B: PaginatedExt<'a>>(self, builder: B) -> Self::Output
    where
        Self: Sized,
    {
        self.call(builder)
    }

    /// An operation the client cannot call (its 200 response is not JSON).
    fn unsupported(self, operation: Operation) -> Self::Output;
}

/// Parses a parameter's text into its builder type; used by the generated
/// [`OperationExt::with_parameter`].
#[doc(hidden)]
pub fn parse_parameter<T>(operation: Operation, name: &str, value: &str) -> Result<T, Error>
where
    T: FromStr,
    T::Err: Display,
{
    value.parse::<T>().map_err(|error| Error::InvalidInput {
        operation: operation.to_string(),
        parameter: name.to_string(),
        value: shown(value),
        allowed: match operation.parameter(name) {
            Some(parameter) => format!("{} ({error})", allowed(parameter)),
            None => error.to_string(),
        },
    })
}

/// The error for a parameter name the operation does not have.
#[doc(hidden)]
pub fn unknown_parameter(operation: Operation, name: &str) -> Error {
    let names: Vec<&str> = operation.parameters().iter().map(|p| p.name).collect();
    Error::InvalidInput {
        operation: operation.to_string(),
        parameter: name.to_string(),
        value: "(no such parameter)".into(),
        allowed: format!("one of {}", names.join(", ")),
    }
}

/// The error for a builder parameter that is missing or failed to convert.
fn builder_error(operation: Operation, rust_name: &str, message: &str) -> Error {
    match operation
        .parameters()
        .iter()
        .find(|p| p.rust_name == rust_name)
    {
        Some(parameter) => Error::InvalidInput {
            operation: operation.to_string(),
            parameter: parameter.name.to_string(),
            value: "(not set, or not convertible to its type)".into(),
            allowed: if parameter.required {
                format!("{} (the parameter is required)", allowed(parameter))
            } else {
                allowed(parameter)
            },
        },
        None => Error::InvalidInput {
            operation: operation.to_string(),
            parameter: rust_name.to_string(),
            value: "(rejected by the request builder)".into(),
            allowed: message.to_string(),
        },
    }
}
