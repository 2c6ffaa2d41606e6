//! `.call()`, `.stream()` and `.stream_with()` for the generated request
//! builders ([`OperationExt`]), and the pagination behind the streams.
//!
//! A stream fetches the first page at offset 0 (or [`PageOptions::start_offset`]), learns `total_num` from it,
//! and then fetches the remaining pages by offset, up to
//! [`PageOptions::prefetch`] of them at a time, in order. It ends exactly at
//! `total_num`, or earlier at an empty or short page; when that page comes
//! before `total_num` items did, an [`Error::Pagination`] item says how many
//! are missing instead of the stream ending quietly. When `total_num` would
//! need an offset the operation does not accept (above 2,000,000 for
//! ListClusterEvents), the stream yields every item it can reach and then an
//! [`Error::Pagination`] item; it never ends quietly with items missing. A
//! failed page is an error item after all earlier items, and ends the
//! stream. When the response has no `total_num`, pages are fetched one at a
//! time until a short or empty page.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::{BoxFuture, ready};
use futures::stream::{self, BoxStream, StreamExt};

use crate::GeneratedError;
use crate::builder::{ListClusterEventLogs, ListClusterEvents};
use crate::error::{ApiError, Error};
use crate::hooks::{CallState, scoped};
use crate::types::{
    ClusterEventLogResponseInfo, ClusterEventResponseInfo, ListClusterEventLogsResponse,
    ListClusterEventsResponse,
};
use crate::validate::{LIST_CLUSTER_EVENTS_MAX_LIMIT, LIST_CLUSTER_EVENTS_MAX_OFFSET};

/// Default page size of ListClusterEventLogs streams. The API reference
/// gives this operation no maximum `limit`; 200 is ListClusterEvents's
/// documented maximum, used here too so that neither stream asks for pages
/// the service may refuse.
pub const LIST_CLUSTER_EVENT_LOGS_PAGE_SIZE: i32 = 200;

/// How a stream fetches pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageOptions {
    /// Items per page; `None` for the operation's largest (200 for both).
    pub page_size: Option<i32>,
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

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::builder::ListClusterEvents<'_> {}
    impl Sealed for crate::builder::ListClusterEventLogs<'_> {}
}

/// Adds `.call()`, `.stream()` and `.stream_with()` to the generated
/// request builders [`ListClusterEvents`] and [`ListClusterEventLogs`].
pub trait OperationExt<'a>: sealed::Sealed + Clone + Send + Sized + 'a {
    /// The decoded response body of one page.
    type Response: Send + 'a;
    /// One item of a page's `data_list`.
    type Item: Send + 'a;
    /// The spec's operationId.
    const OPERATION: &'static str;
    /// The page size streams use by default.
    const DEFAULT_PAGE_SIZE: i32;
    /// The largest `offset` the operation accepts.
    const MAX_OFFSET: i64;

    #[doc(hidden)]
    fn send_generated(
        self,
    ) -> BoxFuture<'a, Result<progenitor_client::ResponseValue<Self::Response>, GeneratedError>>;

    #[doc(hidden)]
    fn with_page(self, offset: i64, limit: i32) -> Self;

    #[doc(hidden)]
    fn split_page(response: Self::Response) -> (Option<i64>, Vec<Self::Item>);

    /// Sends the request (with validation, signing and retries) and returns
    /// the decoded body, or an [`Error`] naming the operation and attempt.
    fn call(self) -> BoxFuture<'a, Result<Self::Response, Error>> {
        Box::pin(async move {
            let (result, state) = scoped(self.send_generated()).await;
            finish(Self::OPERATION, result, state)
        })
    }

    /// Every item across all pages, with the filters set on this builder
    /// (its offset and limit are replaced), by [`PageOptions::default`].
    fn stream(self) -> BoxStream<'a, Result<Self::Item, Error>> {
        self.stream_with(PageOptions::default())
    }

    /// Every item across all pages, fetched as `options` say.
    fn stream_with(self, options: PageOptions) -> BoxStream<'a, Result<Self::Item, Error>> {
        let page_size = options.page_size.unwrap_or(Self::DEFAULT_PAGE_SIZE);
        if page_size < 1 {
            return stream::once(ready(Err(Error::InvalidInput {
                operation: Self::OPERATION.into(),
                parameter: "page_size".into(),
                value: page_size.to_string(),
                allowed: "at least 1".into(),
            })))
            .boxed();
        }
        let prefetch = options.prefetch.max(1);
        let start = options.start_offset;
        if start < 0 || start > Self::MAX_OFFSET {
            return stream::once(ready(Err(Error::InvalidInput {
                operation: Self::OPERATION.into(),
                parameter: "start_offset".into(),
                value: start.to_string(),
                allowed: format!("from 0 to {}", Self::MAX_OFFSET),
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
                first.extend(pager.shortfall(Self::OPERATION, start).map(Err));
                return stream::iter(first).boxed();
            }
            let first_items = stream::iter(first);
            let step = i64::from(page_size);
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
                    } else if offset > Self::MAX_OFFSET {
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
                                operation: Self::OPERATION.into(),
                                message: format!(
                                    "total_num is {}, but items from offset {offset} on cannot be fetched: the largest offset {} accepts is {}; narrow the query to see the rest",
                                    total.unwrap_or_default(),
                                    Self::OPERATION,
                                    Self::MAX_OFFSET
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
                                out.extend(pager.shortfall(Self::OPERATION, start).map(Err));
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

/// Where a stream stands.
struct Pager {
    yielded: i64,
    total: Option<i64>,
    page_size: i32,
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
    fn shortfall(&self, operation: &str, start: i64) -> Option<Error> {
        let total = self.total?;
        (self.yielded < total).then(|| Error::Pagination {
            operation: operation.into(),
            message: format!(
                "a page ended the data after {} of the {total} items total_num reported (from offset {start}); \
                 either the data changed while paging, or the service returns fewer than {} items a page \
                 (set a smaller PageOptions::page_size)",
                self.yielded, self.page_size
            ),
        })
    }
}

/// Turns the generated result and the call's state into the typed result.
pub(crate) fn finish<T>(
    operation: &str,
    result: Result<progenitor_client::ResponseValue<T>, GeneratedError>,
    state: CallState,
) -> Result<T, Error> {
    if let Some(failure) = state.failure {
        return Err(failure);
    }
    let operation = state.operation.unwrap_or_else(|| operation.to_string());
    let attempt = state.attempts;
    let error = match result {
        Ok(value) => return Ok(value.into_inner()),
        Err(error) => error,
    };
    Err(match error {
        progenitor_client::Error::InvalidRequest(message) => {
            let parameter = message
                .split_once(" for ")
                .and_then(|(_, rest)| rest.strip_suffix(" failed"))
                .or_else(|| message.strip_suffix(" was not initialized"))
                .unwrap_or("(unknown)")
                .to_string();
            Error::InvalidInput {
                operation,
                parameter,
                value: "(rejected by the request builder)".into(),
                allowed: message,
            }
        }
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

impl<'a> OperationExt<'a> for ListClusterEvents<'a> {
    type Response = ListClusterEventsResponse;
    type Item = ClusterEventResponseInfo;
    const OPERATION: &'static str = "ListClusterEvents";
    const DEFAULT_PAGE_SIZE: i32 = LIST_CLUSTER_EVENTS_MAX_LIMIT;
    const MAX_OFFSET: i64 = LIST_CLUSTER_EVENTS_MAX_OFFSET;

    fn send_generated(
        self,
    ) -> BoxFuture<'a, Result<progenitor_client::ResponseValue<Self::Response>, GeneratedError>>
    {
        Box::pin(self.send())
    }

    fn with_page(self, offset: i64, limit: i32) -> Self {
        self.offset(offset).limit(limit)
    }

    fn split_page(response: Self::Response) -> (Option<i64>, Vec<Self::Item>) {
        (response.total_num.map(i64::from), response.data_list)
    }
}

impl<'a> OperationExt<'a> for ListClusterEventLogs<'a> {
    type Response = ListClusterEventLogsResponse;
    type Item = ClusterEventLogResponseInfo;
    const OPERATION: &'static str = "ListClusterEventLogs";
    const DEFAULT_PAGE_SIZE: i32 = LIST_CLUSTER_EVENT_LOGS_PAGE_SIZE;
    const MAX_OFFSET: i64 = i32::MAX as i64;

    fn send_generated(
        self,
    ) -> BoxFuture<'a, Result<progenitor_client::ResponseValue<Self::Response>, GeneratedError>>
    {
        Box::pin(self.send())
    }

    fn with_page(self, offset: i64, limit: i32) -> Self {
        self.offset(offset).limit(limit)
    }

    fn split_page(response: Self::Response) -> (Option<i64>, Vec<Self::Item>) {
        (response.total_num.map(i64::from), response.data_list)
    }
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
