//! The driver of a pass: it asks the [`Pager`] for each page in turn and
//! keeps up to the [`Prefetch`] pages it predicts in flight.

use std::collections::BTreeMap;

use futures::future::{AbortHandle, Abortable, BoxFuture};
use futures::stream::{BoxStream, FuturesUnordered, StreamExt};

use super::options::{MAX_IN_FLIGHT, Prefetch};
use super::pager::{Fetched, Page, Pager, Step};
use crate::error::Error;

/// Fetches one page: its offset and size.
pub(crate) type FetchPage<'a, T> =
    Box<dyn FnMut(i64, i64) -> BoxFuture<'a, Result<Fetched<T>, Error>> + Send + 'a>;

/// The pages of a pass: the pager asks for each page in turn, and up to
/// `prefetch` pages it predicts are fetched ahead. A fetched page the
/// pager does not ask for (the list moved, and it went elsewhere) is
/// dropped, and a page fetched ahead that is no longer wanted is called
/// off before it takes its place in the budget.
pub(crate) fn drive<'a, T: Send + 'a>(
    pager: Pager,
    fetch: FetchPage<'a, T>,
    prefetch: Prefetch,
) -> BoxStream<'a, Result<Page<T>, Error>> {
    let driver = Driver {
        pager,
        fetch,
        prefetch,
        allowance: 1,
        clean: 0,
        in_flight: FuturesUnordered::new(),
        handles: BTreeMap::new(),
        ready: BTreeMap::new(),
        finished: false,
    };
    futures::stream::unfold(driver, |mut driver| async move {
        let page = driver.next_page().await?;
        Some((page, driver))
    })
    .boxed()
}

type Flight<'a, T> = Abortable<BoxFuture<'a, (i64, Result<Fetched<T>, Error>)>>;

struct Driver<'a, T> {
    pager: Pager,
    fetch: FetchPage<'a, T>,
    prefetch: Prefetch,
    /// Pages in flight allowed now ([`Prefetch::Auto`] grows it).
    allowance: usize,
    /// Clean pages since the allowance last grew.
    clean: usize,
    in_flight: FuturesUnordered<Flight<'a, T>>,
    handles: BTreeMap<i64, AbortHandle>,
    ready: BTreeMap<i64, Result<Fetched<T>, Error>>,
    finished: bool,
}

impl<'a, T: Send + 'a> Driver<'a, T> {
    async fn next_page(&mut self) -> Option<Result<Page<T>, Error>> {
        if self.finished {
            return None;
        }
        let want = match self.pager.step() {
            Step::Fetch(offset) => offset,
            Step::Done => {
                self.stop();
                return None;
            }
            Step::Fail(error) => {
                self.stop();
                return Some(Err(error));
            }
        };
        self.launch();
        while !self.ready.contains_key(&want) {
            match self.in_flight.next().await {
                Some(Ok((offset, result))) => {
                    self.handles.remove(&offset);
                    self.ready.insert(offset, result);
                    // A page ahead came back while this one is still
                    // awaited (it may be waiting out a `Retry-After`):
                    // its place goes to the next page on the path.
                    self.launch();
                }
                Some(Err(_aborted)) => {}
                None => {
                    // Nothing in flight: ask for it now.
                    self.start(want);
                }
            }
        }
        let result = self.ready.remove(&want)?;
        match result {
            Ok(fetched) => {
                self.adjust(fetched.throttled);
                Some(Ok(self.pager.apply(want, fetched)))
            }
            Err(error) => {
                self.stop();
                Some(Err(error))
            }
        }
    }

    /// Puts the predicted pages in flight, and calls off the ones no longer
    /// on the pager's path (the list moved, and it went elsewhere). Pages
    /// already in flight on the path stay, even when fewer are allowed
    /// now.
    fn launch(&mut self) {
        let count = match self.prefetch {
            Prefetch::Fixed(n) => n.max(1),
            Prefetch::Auto => self.allowance,
        };
        let path = self.pager.predict(count.max(MAX_IN_FLIGHT));
        let off_path: Vec<i64> = self
            .handles
            .keys()
            .copied()
            .filter(|offset| !path.contains(offset))
            .collect();
        for offset in off_path {
            if let Some(handle) = self.handles.remove(&offset) {
                handle.abort();
            }
        }
        self.ready.retain(|offset, _| path.contains(offset));
        // A fixed prefetch counts the pages ahead, answered or not; auto
        // counts the pages in flight, so that pages answered ahead of one
        // still waiting (out a `Retry-After`, say) free their places.
        let reach = match self.prefetch {
            Prefetch::Fixed(_) => count,
            Prefetch::Auto => path.len(),
        };
        let mut in_flight = self.handles.len();
        for &offset in path.iter().take(reach) {
            if in_flight >= count {
                break;
            }
            if !self.handles.contains_key(&offset) && !self.ready.contains_key(&offset) {
                self.start(offset);
                in_flight += 1;
            }
        }
    }

    fn start(&mut self, offset: i64) {
        let limit = self.pager.page_size();
        let request = (self.fetch)(offset, limit);
        let (handle, registration) = AbortHandle::new_pair();
        let flight: BoxFuture<'a, (i64, Result<Fetched<T>, Error>)> =
            Box::pin(async move { (offset, request.await) });
        self.in_flight.push(Abortable::new(flight, registration));
        self.handles.insert(offset, handle);
    }

    /// [`Prefetch::Auto`]: one more page in flight after as many clean
    /// pages as are in flight (one more each round trip), and a new round
    /// after a throttled one. Growing by rounds keeps the burst small when
    /// the service's limit is first met; the pace of the operation's
    /// requests ([`crate::runtime::pace`]), which every throttled answer slows,
    /// keeps them under the limit after that. (Halving the pages in flight
    /// as well left every place to pages waiting out a `Retry-After`, and
    /// no request was sent until they were answered.)
    fn adjust(&mut self, throttled: bool) {
        if throttled {
            self.clean = 0;
            return;
        }
        self.clean += 1;
        if self.clean >= self.allowance {
            self.allowance = (self.allowance + 1).min(MAX_IN_FLIGHT);
            self.clean = 0;
        }
    }

    fn stop(&mut self) {
        self.finished = true;
        for (_, handle) in std::mem::take(&mut self.handles) {
            handle.abort();
        }
        self.ready.clear();
    }
}
