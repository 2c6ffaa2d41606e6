//! A hold a test puts on the API's answers: while the gate is closed,
//! every API request that gets past the gateway's throttling waits at it,
//! unanswered, until the gate opens. A test closes it to have a request
//! in flight for as long as it needs (a signal sent in the middle of a
//! page, say), however slow the machine, and reads how many requests are
//! held now ([`Gate::held`]). Open by default: a mock no test holds
//! answers at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;

/// The gate; clones share it.
#[derive(Debug, Clone)]
pub struct Gate {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    open: watch::Sender<bool>,
    held: AtomicU64,
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new()
    }
}

impl Gate {
    /// An open gate.
    pub fn new() -> Self {
        let (open, _) = watch::channel(true);
        Gate {
            inner: Arc::new(Inner {
                open,
                held: AtomicU64::new(0),
            }),
        }
    }

    /// Holds every request that arrives from now on, until [`Gate::open`].
    pub fn close(&self) {
        self.inner.open.send_replace(false);
    }

    /// Lets the held requests, and every later one, through.
    pub fn open(&self) {
        self.inner.open.send_replace(true);
    }

    /// The requests waiting at the gate now: in flight, unanswered.
    pub fn held(&self) -> u64 {
        self.inner.held.load(Ordering::SeqCst)
    }

    /// Waits while the gate is closed. A request whose connection goes
    /// away while it waits stops being held.
    pub(crate) async fn pass(&self) {
        let mut open = self.inner.open.subscribe();
        if *open.borrow_and_update() {
            return;
        }
        let _held = Held::new(&self.inner.held);
        // The sender lives as long as `self`: the wait ends only when the
        // gate opens.
        let _ = open.wait_for(|open| *open).await;
    }
}

/// One request counted in [`Gate::held`] while it lives.
struct Held<'a>(&'a AtomicU64);

impl<'a> Held<'a> {
    fn new(count: &'a AtomicU64) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Held(count)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_closed_gate_holds_until_it_opens() {
        let gate = Gate::new();
        gate.pass().await;
        assert_eq!(gate.held(), 0);
        gate.close();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.pass().await }
        });
        while gate.held() == 0 {
            tokio::task::yield_now().await;
        }
        assert!(!waiting.is_finished());
        gate.open();
        waiting.await.expect("passes once open");
        assert_eq!(gate.held(), 0);
    }

    #[tokio::test]
    async fn a_request_that_goes_away_is_no_longer_held() {
        let gate = Gate::new();
        gate.close();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.pass().await }
        });
        while gate.held() == 0 {
            tokio::task::yield_now().await;
        }
        waiting.abort();
        let _ = waiting.await;
        assert_eq!(gate.held(), 0);
    }
}
