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
//! all earlier items, and ends the stream. When the response has no total,
//! pages are fetched one at a time until a short or empty page.

use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::{BoxFuture, ready};
use futures::stream::{self, BoxStream, StreamExt};

use crate::GeneratedError;
use crate::error::{ApiError, Error};
use crate::hooks::{CallState, scoped};
use crate::operations::Operation;
use crate::validate::{allowed, shown};

/// How a stream fetches pages. Build it from [`PageOptions::default`] with
/// the `with_` methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageOptions {
    /// Items per page; `None` for the operation's default page size (the
    /// largest the spec allows).
    pub page_size: Option<i64>,
    /// Pages in flight at once (1 fetches one page after the other; values
    /// below 1 count as 1). Items keep their order either way.
    pub prefetch: usize,
    /// Offset of the first item to fetch (0 for the start; a resumed
    /// stream passes the number of items it already has).
    pub start_offset: i64,
}

impl Default for PageOptions {
    fn default() -> Self {
        Self {
            page_size: None,
            prefetch: 1,
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

    /// Sets the number of pages in flight.
    pub fn with_prefetch(mut self, prefetch: usize) -> Self {
        self.prefetch = prefetch;
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
    type Item: Send + serde::Serialize + 'a;

    #[doc(hidden)]
    fn with_page(self, offset: i64, limit: i64) -> Self;

    #[doc(hidden)]
    fn split_page(response: Self::Response) -> (Option<i64>, Vec<Self::Item>);

    /// Every item across all pages, with the filters set on this builder
    /// (its offset and limit are replaced), by [`PageOptions::default`].
    fn stream(self) -> BoxStream<'a, Result<Self::Item, Error>> {
        self.stream_with(PageOptions::default())
    }

    /// Every item across all pages, fetched as `options` say.
    fn stream_with(self, options: PageOptions) -> BoxStream<'a, Result<Self::Item, Error>> {
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
        let prefetch = options.prefetch.max(1);
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
            let (total, items) = match first.call().await {
                Ok(response) => Self::split_page(response),
                Err(error) => return stream::once(ready(Err(error))).boxed(),
            };
            let mut pager = Pager {
                yielded: 0,
                total: total.map(|t| t.saturating_sub(start)),
                page_size,
                stopped: false,
            };
            let mut first: Vec<Result<Self::Item, Error>> =
                pager.take(items).into_iter().map(Ok).collect();
            if pager.stopped {
                first.extend(pager.shortfall(operation, start).map(Err));
                return stream::iter(first).boxed();
            }
            let first_items = stream::iter(first);
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
            let in_flight = if total.is_some() { prefetch } else { 1 };
            let rest = stream::iter(offsets)
                .map(move |next| {
                    let page = template.clone();
                    async move {
                        match next {
                            Ok(offset) => page
                                .with_page(offset, page_size)
                                .call()
                                .await
                                .map(|response| Self::split_page(response).1),
                            Err(offset) => Err(Error::Pagination {
                                operation: operation.to_string(),
                                message: format!(
                                    "total_num is {}, but items from offset {offset} on cannot be fetched: the largest offset {operation} accepts is {max_offset}; narrow the query to see the rest",
                                    total.unwrap_or_default(),
                                ),
                            }),
                        }
                    }
                })
                .buffered(in_flight)
                .scan(pager, move |pager, page| {
                    if pager.stopped {
                        return ready(None);
                    }
                    let items = match page {
                        Ok(items) => {
                            let mut out: Vec<_> =
                                pager.take(items).into_iter().map(Ok).collect();
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
                    ready(Some(items))
                })
                .flat_map(stream::iter);
            first_items.chain(rest).boxed()
        })
        .flatten()
        .boxed()
    }
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
