//! `.call()`, `.stream()` and `.stream_with()` for the generated request
//! builders ([`OperationExt`], [`PaginatedExt`]; the generated
//! [`crate::operations`] module implements both for every builder), and the
//! pagination behind the streams.
//!
//! A stream fetches the first page at offset 0 (or
//! [`PageOptions::start_offset`]), learns the total from it, and then
//! fetches the remaining pages by offset, up to [`PageOptions::prefetch`]
//! of them at a time, in order. Page size, largest offset and the names of
//! the offset, limit, total and records come from the operation's
//! [`Pagination`](crate::spec::Pagination) in the spec. A stream ends
//! exactly at the total, or earlier at an empty or short page; when that
//! page comes before the total did, an [`Error::Pagination`] item says how
//! many are missing instead of the stream ending quietly. When the total
//! would need an offset the operation does not accept, the stream yields
//! every item it can reach and then an [`Error::Pagination`] item; it never
//! ends quietly with items missing. A failed page is an error item after
//! all earlier items, and ends the stream. A page whose body is JSON but
//! does not decode whole is read record by record: a record that does not
//! match its schema is an [`Error::Record`] item in its place (with its raw
//! JSON and position), the page's other records come as usual, and paging
//! goes on. When the response has no total, pages are fetched one at a
//! time until a short or empty page. [`PageOptions::prefetch`] sets the
//! pages in flight: a fixed number, or [`Prefetch::Auto`], which paces the
//! requests to what the service keeps up with ([`crate::adaptive`]).
//! [`PaginatedExt::pages_with`] gives the pages themselves, with their
//! offset and the total, for callers that checkpoint.

use std::fmt::Display;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use futures::future::{BoxFuture, ready};
use futures::stream::{self, BoxStream, StreamExt};

use crate::GeneratedError;
use crate::adaptive::{Pace, lock, paced};
use crate::error::{ApiError, Error};
use crate::hooks::{CallState, ThrottleSignal, scoped, scoped_with};
use crate::operations::Operation;
use crate::validate::{allowed, shown};

/// How many pages a stream keeps in flight. Items keep their order either
/// way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prefetch {
    /// At most this many pages at once (1 fetches one page after the
    /// other; values below 1 count as 1).
    Fixed(usize),
    /// As many as the service keeps up with: the stream paces its requests
    /// and raises the pace while pages come back unthrottled, and lowers it
    /// at once when an answer is 429 or 503 (additive increase,
    /// multiplicative decrease; see [`crate::adaptive`]).
    Auto,
}

impl FromStr for Prefetch {
    type Err = String;

    /// `auto`, or a number of pages, 1 or more (as a command line gives it).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "auto" {
            return Ok(Prefetch::Auto);
        }
        match text.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Prefetch::Fixed(n)),
            _ => Err(format!(
                "expected a number of pages (1 or more) or `auto`, got {text:?}"
            )),
        }
    }
}

/// How a stream fetches pages. Build it from [`PageOptions::default`] with
/// the `with_` methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageOptions {
    /// Items per page; `None` for the operation's default page size (the
    /// largest the spec allows).
    pub page_size: Option<i64>,
    /// Pages in flight at once.
    pub prefetch: Prefetch,
    /// Offset of the first item to fetch (0 for the start; a resumed
    /// stream passes the number of items it already has).
    pub start_offset: i64,
}

impl Default for PageOptions {
    fn default() -> Self {
        Self {
            page_size: None,
            prefetch: Prefetch::Fixed(1),
            start_offset: 0,
        }
    }
}

impl PageOptions {
    /// Sets the page size.
    pub fn with_page_size(mut self, page_size: i64) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Sets a fixed number of pages in flight.
    pub fn with_prefetch(mut self, prefetch: usize) -> Self {
        self.prefetch = Prefetch::Fixed(prefetch);
        self
    }

    /// Lets the stream find the number of pages in flight the service
    /// keeps up with ([`Prefetch::Auto`]).
    pub fn with_auto_prefetch(mut self) -> Self {
        self.prefetch = Prefetch::Auto;
        self
    }

    /// Sets the offset of the first item.
    pub fn with_start_offset(mut self, start_offset: i64) -> Self {
        self.start_offset = start_offset;
        self
    }
}

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
    fn send_generated(
        self,
    ) -> BoxFuture<'a, Result<progenitor_client::ResponseValue<Self::Response>, GeneratedError>>;

    #[doc(hidden)]
    fn invalid_parameter(&self) -> Option<(&'static str, &str)>;

    /// Sets the parameter with the wire name `name` from text, as a command
    /// line would: the text is parsed into the parameter's type. An unknown
    /// name or a value that does not parse is an [`Error::InvalidInput`].
    fn with_parameter(self, name: &str, value: &str) -> Result<Self, Error>;

    /// Sends the request (with validation, signing and retries) and returns
    /// the decoded body, or an [`Error`] naming the operation and attempt.
    fn call(self) -> BoxFuture<'a, Result<Self::Response, Error>> {
        Box::pin(async move {
            if let Some((rust_name, message)) = self.invalid_parameter() {
                return Err(builder_error(Self::OPERATION, rust_name, message));
            }
            let (result, state) = scoped(self.send_generated()).await;
            finish(Self::OPERATION, result, state)
        })
    }
}

/// Adds `.stream()` and `.stream_with()` to the request builders of the
/// operations that page.
pub trait PaginatedExt<'a>: OperationExt<'a> + Clone {
    /// One record of a page.
    type Item: Send + serde::Serialize + serde::de::DeserializeOwned + 'a;

    #[doc(hidden)]
    fn with_page(self, offset: i64, limit: i64) -> Self;

    #[doc(hidden)]
    fn split_page(response: Self::Response) -> (Option<i64>, Vec<Self::Item>);

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
    /// offset, the total the service reported and its records (a record
    /// that does not match its schema is an [`Error::Record`] in its
    /// place). An error item ends the stream, after every page before it.
    fn pages_with(self, options: PageOptions) -> BoxStream<'a, Result<Page<Self::Item>, Error>> {
        let operation = Self::OPERATION;
        let Some(pagination) = operation.pagination() else {
            return stream::once(ready(Err(Error::Pagination {
                operation: operation.to_string(),
                message: "the spec describes no pagination for this operation".into(),
            })))
            .boxed();
        };
        let max_offset = pagination.max_offset;
        let page_size = options.page_size.unwrap_or(pagination.default_page_size);
        if page_size < 1 {
            return stream::once(ready(Err(Error::InvalidInput {
                operation: operation.to_string(),
                parameter: "page_size".into(),
                value: page_size.to_string(),
                allowed: "at least 1".into(),
            })))
            .boxed();
        }
        let start = options.start_offset;
        if start < 0 || start > max_offset {
            return stream::once(ready(Err(Error::InvalidInput {
                operation: operation.to_string(),
                parameter: "start_offset".into(),
                value: start.to_string(),
                allowed: format!("from 0 to {max_offset}"),
            })))
            .boxed();
        }
        let template = self;
        let first = template.clone().with_page(start, page_size);
        stream::once(async move {
            let began = Instant::now();
            let (total, items) = match fetch_page(first, start, None).await.0 {
                Ok(page) => page,
                Err(error) => return stream::once(ready(Err(error))).boxed(),
            };
            let first_latency = began.elapsed();
            let mut pager = Pager {
                yielded: 0,
                total: total.map(|t| t.saturating_sub(start)),
                page_size,
                stopped: false,
            };
            let mut head = vec![Ok(Page {
                offset: start,
                total,
                items: pager.take(items),
            })];
            if pager.stopped {
                head.extend(pager.shortfall(operation, start).map(Err));
                return stream::iter(head).boxed();
            }
            let step = page_size;
            let mut limit_reached = false;
            // Set once the stream ends, so that no further page is requested.
            let stop = Arc::new(AtomicBool::new(false));
            let stop_offsets = Arc::clone(&stop);
            let offsets = (1i64..)
                .map(move |k| start.saturating_add(k.saturating_mul(step)))
                .take_while(move |offset| total.is_none_or(|t| *offset < t))
                .map_while(move |offset| {
                    if limit_reached || stop_offsets.load(Ordering::SeqCst) {
                        None
                    } else if offset > max_offset {
                        limit_reached = true;
                        Some(Err(offset))
                    } else {
                        Some(Ok(offset))
                    }
                });
            // Without a total, pages are fetched one after the other.
            let pace = match options.prefetch {
                Prefetch::Auto if total.is_some() => {
                    Some(Arc::new(Mutex::new(Pace::new(first_latency))))
                }
                Prefetch::Auto => None,
                Prefetch::Fixed(_) => None,
            };
            let in_flight = match options.prefetch {
                Prefetch::Fixed(n) if total.is_some() => n.max(1),
                _ => 1,
            };
            let pace_jobs = pace.clone();
            let jobs = offsets.map(move |next| {
                let page = template.clone();
                let pace = pace_jobs.clone();
                async move {
                    match next {
                        Ok(offset) => {
                            let signal = pace.clone().map(|pace| {
                                Arc::new(move || lock(&pace).throttled(Instant::now()))
                                    as ThrottleSignal
                            });
                            let began = Instant::now();
                            let (result, throttled) =
                                fetch_page(page.with_page(offset, page_size), offset, signal).await;
                            if let Some(pace) = &pace {
                                lock(pace).answered(began.elapsed(), throttled == 0 && result.is_ok());
                            }
                            result.map(|(_, items)| (offset, items))
                        }
                        Err(offset) => Err(Error::Pagination {
                            operation: operation.to_string(),
                            message: format!(
                                "total_num is {}, but items from offset {offset} on cannot be fetched: the largest offset {operation} accepts is {max_offset}; narrow the query to see the rest",
                                total.unwrap_or_default(),
                            ),
                        }),
                    }
                }
            });
            let fetched = match pace {
                Some(pace) => paced(jobs, pace).boxed(),
                None => stream::iter(jobs).buffered(in_flight).boxed(),
            };
            let rest = fetched
                .scan(pager, move |pager, page| {
                    if pager.stopped {
                        return ready(None);
                    }
                    let pages = match page {
                        Ok((offset, items)) => {
                            let mut out = vec![Ok(Page {
                                offset,
                                total,
                                items: pager.take(items),
                            })];
                            if pager.stopped {
                                out.extend(pager.shortfall(operation, start).map(Err));
                            }
                            out
                        }
                        Err(error) => {
                            pager.stopped = true;
                            vec![Err(error)]
                        }
                    };
                    if pager.stopped {
                        stop.store(true, Ordering::SeqCst);
                    }
                    ready(Some(pages))
                })
                .flat_map(stream::iter);
            stream::iter(head).chain(rest).boxed()
        })
        .flatten()
        .boxed()
    }
}

/// One page of a stream ([`PaginatedExt::pages_with`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The offset of the page's first record.
    pub offset: i64,
    /// The number of matching records the first page reported, when the
    /// response carries one.
    pub total: Option<i64>,
    /// The page's records, in order; a record that does not match its
    /// schema is an [`Error::Record`] in its place.
    pub items: Vec<Result<T, Error>>,
}

/// Sends one page request. A body that is JSON but does not decode whole
/// is read record by record, so that a record that does not match its
/// schema costs only itself. Also returns how many attempts were answered
/// 429 or 503.
async fn fetch_page<'a, B: PaginatedExt<'a>>(
    builder: B,
    offset: i64,
    on_throttle: Option<ThrottleSignal>,
) -> (RawPage<B::Item>, u32) {
    let operation = B::OPERATION;
    if let Some((rust_name, message)) = builder.invalid_parameter() {
        return (Err(builder_error(operation, rust_name, message)), 0);
    }
    let (result, state) = scoped_with(on_throttle, builder.send_generated()).await;
    let throttled = state.throttled;
    let result = match result {
        Err(progenitor_client::Error::InvalidResponsePayload(body, source))
            if state.failure.is_none() =>
        {
            if let Some(page) = record_by_record(operation, &body, offset) {
                return (Ok(page), throttled);
            }
            Err(progenitor_client::Error::InvalidResponsePayload(
                body, source,
            ))
        }
        other => other,
    };
    let page = finish(operation, result, state).map(|response| {
        let (total, items) = B::split_page(response);
        (total, items.into_iter().map(Ok).collect())
    });
    (page, throttled)
}

/// A page's total and records.
type Split<T> = (Option<i64>, Vec<Result<T, Error>>);

/// A page as fetched: the total and the records.
type RawPage<T> = Result<Split<T>, Error>;

/// Reads a page body that failed to decode whole: `None` unless it is a
/// JSON object whose total (when present) is an integer and whose records
/// (when present) are a list; then each record decodes on its own.
fn record_by_record<T: serde::de::DeserializeOwned>(
    operation: Operation,
    body: &[u8],
    offset: i64,
) -> Option<Split<T>> {
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
    let items = records
        .iter()
        .zip(offset..)
        .map(|(record, position)| {
            T::deserialize(record).map_err(|error| Error::Record {
                operation: operation.to_string(),
                position,
                message: error.to_string(),
                raw: record.to_string(),
            })
        })
        .collect();
    Some((total, items))
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

/// Where a stream stands.
struct Pager {
    yielded: i64,
    total: Option<i64>,
    page_size: i64,
    stopped: bool,
}

impl Pager {
    /// The items of a page to pass on: never past `total_num`; a short or
    /// empty page, or reaching `total_num`, stops the stream.
    fn take<T>(&mut self, mut items: Vec<T>) -> Vec<T> {
        let received = items.len();
        if let Some(total) = self.total {
            let left = usize::try_from((total - self.yielded).max(0)).unwrap_or(usize::MAX);
            items.truncate(left);
        }
        self.yielded += i64::try_from(items.len()).unwrap_or(i64::MAX);
        let short = received < usize::try_from(self.page_size).unwrap_or(usize::MAX);
        if received == 0 || short || self.total.is_some_and(|t| self.yielded >= t) {
            self.stopped = true;
        }
        items
    }

    /// After a short or empty page: the error to yield when `total_num`
    /// promised more items than arrived, so that the stream does not end
    /// quietly with items missing.
    fn shortfall(&self, operation: Operation, start: i64) -> Option<Error> {
        let total = self.total?;
        (self.yielded < total).then(|| Error::Pagination {
            operation: operation.to_string(),
            message: format!(
                "a page ended the data after {} of the {total} items the total reported (from offset {start}); \
                 either the data changed while paging, or the service returns fewer than {} items a page \
                 (set a smaller PageOptions::page_size)",
                self.yielded, self.page_size
            ),
        })
    }
}

/// Turns the generated result and the call's state into the typed result.
pub(crate) fn finish<T>(
    operation: Operation,
    result: Result<progenitor_client::ResponseValue<T>, GeneratedError>,
    state: CallState,
) -> Result<T, Error> {
    if let Some(failure) = state.failure {
        return Err(failure);
    }
    let operation = operation.to_string();
    let attempt = state.attempts;
    let error = match result {
        Ok(value) => return Ok(value.into_inner()),
        Err(error) => error,
    };
    Err(match error {
        // `call()` reports a builder's missing or unconvertible parameter
        // before sending, from the builder's state; this is the message of
        // any other request the builder refused.
        progenitor_client::Error::InvalidRequest(message) => Error::InvalidInput {
            operation,
            parameter: "(request)".into(),
            value: "(rejected by the request builder)".into(),
            allowed: message,
        },
        progenitor_client::Error::CommunicationError(source)
        | progenitor_client::Error::ResponseBodyError(source)
        | progenitor_client::Error::InvalidUpgrade(source) => {
            if source.is_timeout() {
                Error::Timeout {
                    operation,
                    attempt,
                    source,
                }
            } else {
                Error::Transport {
                    operation,
                    attempt,
                    source,
                }
            }
        }
        progenitor_client::Error::InvalidResponsePayload(body, source) => Error::Decode {
            operation,
            attempt,
            status: state.status.unwrap_or(200),
            message: source.to_string(),
            body_excerpt: crate::error::excerpt(&body),
        },
        progenitor_client::Error::ErrorResponse(value) => {
            let status = value.status();
            let headers = value.headers().clone();
            let body = serde_json::to_vec(&value.into_inner()).unwrap_or_default();
            Error::Api(Box::new(ApiError::from_response(
                &operation, attempt, status, &headers, &body,
            )))
        }
        progenitor_client::Error::UnexpectedResponse(response) => {
            Error::Api(Box::new(ApiError::from_response(
                &operation,
                attempt,
                response.status(),
                response.headers(),
                b"",
            )))
        }
        progenitor_client::Error::Custom(message) => Error::Config(message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_stops_at_total_and_short_pages() {
        let mut p = Pager {
            yielded: 0,
            total: Some(5),
            page_size: 2,
            stopped: false,
        };
        assert_eq!(p.take(vec![1, 2]), vec![1, 2]);
        assert!(!p.stopped);
        assert_eq!(p.take(vec![3, 4]), vec![3, 4]);
        assert_eq!(p.take(vec![5, 6]), vec![5]);
        assert!(p.stopped);
        let mut q = Pager {
            yielded: 0,
            total: None,
            page_size: 3,
            stopped: false,
        };
        assert_eq!(q.take(vec![1, 2]), vec![1, 2]);
        assert!(q.stopped);
    }
}
