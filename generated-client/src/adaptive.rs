//! [`Prefetch::Auto`](crate::paginate::Prefetch::Auto): how a stream finds
//! the pace the service keeps up with.
//!
//! A service that limits requests a second answers 429 (or 503) beyond its
//! limit. A fixed number of pages in flight either stays below that limit
//! or keeps running into it. An auto stream instead paces its page
//! requests at a rate it adjusts as answers come back, the way TCP
//! congestion control and aws-sdk's adaptive retry mode do:
//!
//! - It starts at one page per latency of the first page (one page in
//!   flight), and doubles the rate every second while no answer is
//!   throttled (slow start).
//! - After the first throttled answer it adds [`INCREASE`] pages a second,
//!   each second without one (additive increase).
//! - A 429 or 503 answer multiplies the rate by [`DECREASE`] (by one half
//!   on leaving slow start) the moment it arrives, before the retry waits
//!   (multiplicative decrease). Answers to requests sent before that
//!   decrease could take effect do not lower it again.
//!
//! Pages in flight are then the rate times the latency, up to
//! [`MAX_IN_FLIGHT`]. Items keep their order.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::stream::{self, FuturesOrdered, Stream, StreamExt};
use tokio::time::Instant;

/// Pages a second gained each second without a throttled answer, after
/// slow start.
pub const INCREASE: f64 = 2.0;
/// The factor a throttled answer multiplies the rate by, after slow start.
pub const DECREASE: f64 = 0.8;
/// Most pages in flight (sent and not yet handed on) at once.
pub const MAX_IN_FLIGHT: usize = 64;
/// The slowest pace, in pages a second.
pub const MIN_RATE: f64 = 0.5;
/// The fastest pace, in pages a second.
pub const MAX_RATE: f64 = 10_000.0;
/// The shortest time between two decreases.
const MIN_COOLDOWN: Duration = Duration::from_millis(100);

/// The pace of one stream.
#[derive(Debug)]
pub(crate) struct Pace {
    /// Pages a second.
    rate: f64,
    slow_start: bool,
    /// When the next page may be sent.
    next_send: Instant,
    /// When the rate was last lowered.
    lowered: Option<Instant>,
    /// A smoothed latency of a page.
    latency: Duration,
}

impl Pace {
    /// A pace of one page in flight, given the first page's latency.
    pub(crate) fn new(first_latency: Duration) -> Self {
        let latency = first_latency.max(Duration::from_millis(1));
        Pace {
            rate: (1.0 / latency.as_secs_f64()).clamp(MIN_RATE, MAX_RATE),
            slow_start: true,
            next_send: Instant::now(),
            lowered: None,
            latency,
        }
    }

    /// Pages a second.
    #[cfg(test)]
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// Whether a page may be sent at `now`; if so, the next one is due one
    /// interval later.
    fn try_send(&mut self, now: Instant) -> bool {
        if now < self.next_send {
            return false;
        }
        let interval = Duration::from_secs_f64(1.0 / self.rate);
        self.next_send = self.next_send.max(now.checked_sub(interval).unwrap_or(now)) + interval;
        true
    }

    /// A page was answered after `latency`; `clean` when no attempt of it
    /// was throttled and it succeeded.
    pub(crate) fn answered(&mut self, latency: Duration, clean: bool) {
        self.latency = (self.latency * 7 + latency) / 8;
        if !clean {
            return;
        }
        // Spread over the pages of one second, as the rate is.
        self.rate = if self.slow_start {
            self.rate * 2f64.powf(1.0 / self.rate)
        } else {
            self.rate + INCREASE / self.rate
        }
        .clamp(MIN_RATE, MAX_RATE);
    }

    /// An attempt was answered 429 or 503 at `now`.
    pub(crate) fn throttled(&mut self, now: Instant) {
        let cooldown = (self.latency * 2).max(MIN_COOLDOWN);
        if self
            .lowered
            .is_some_and(|at| now.duration_since(at) < cooldown)
        {
            return;
        }
        let factor = if self.slow_start { 0.5 } else { DECREASE };
        self.rate = (self.rate * factor).clamp(MIN_RATE, MAX_RATE);
        self.slow_start = false;
        self.lowered = Some(now);
        self.next_send = self
            .next_send
            .max(now + Duration::from_secs_f64(1.0 / self.rate));
    }
}

/// Locks a pace; a poisoned lock still holds a usable pace.
pub(crate) fn lock(pace: &Mutex<Pace>) -> MutexGuard<'_, Pace> {
    pace.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The outputs of `jobs`, in order, each started when `pace` allows it.
pub(crate) fn paced<I, F>(jobs: I, pace: Arc<Mutex<Pace>>) -> impl Stream<Item = F::Output>
where
    I: Iterator<Item = F>,
    F: Future,
{
    struct State<I, F: Future> {
        jobs: I,
        exhausted: bool,
        in_flight: FuturesOrdered<F>,
        pace: Arc<Mutex<Pace>>,
    }
    let state = State {
        jobs,
        exhausted: false,
        in_flight: FuturesOrdered::new(),
        pace,
    };
    stream::unfold(state, |mut state| async move {
        loop {
            while !state.exhausted
                && state.in_flight.len() < MAX_IN_FLIGHT
                && lock(&state.pace).try_send(Instant::now())
            {
                match state.jobs.next() {
                    Some(job) => state.in_flight.push_back(job),
                    None => state.exhausted = true,
                }
            }
            if state.exhausted && state.in_flight.is_empty() {
                return None;
            }
            let wake = (!state.exhausted && state.in_flight.len() < MAX_IN_FLIGHT)
                .then(|| lock(&state.pace).next_send);
            tokio::select! {
                biased;
                output = state.in_flight.next(), if !state.in_flight.is_empty() => {
                    if let Some(output) = output {
                        return Some((output, state));
                    }
                }
                () = sleep_until(wake), if wake.is_some() => {}
            }
        }
    })
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_doubles_each_second_then_a_throttle_halves() {
        let mut pace = Pace::new(Duration::from_millis(50));
        assert!((pace.rate() - 20.0).abs() < 1e-9);
        // 20 clean pages (a second at the first rate, less at the rising
        // one) nearly double it.
        for _ in 0..20 {
            pace.answered(Duration::from_millis(50), true);
        }
        assert!(pace.rate() > 30.0 && pace.rate() < 40.0, "{}", pace.rate());
        let before = pace.rate();
        let now = Instant::now();
        pace.throttled(now);
        assert!((pace.rate() - before / 2.0).abs() < 1e-9);
        // A second throttle within the cooldown changes nothing.
        pace.throttled(now + Duration::from_millis(10));
        assert!((pace.rate() - before / 2.0).abs() < 1e-9);
        // After it, the decrease is DECREASE.
        pace.throttled(now + Duration::from_secs(1));
        assert!((pace.rate() - before / 2.0 * DECREASE).abs() < 1e-9);
    }

    #[test]
    fn additive_increase_adds_increase_per_second() {
        let mut pace = Pace::new(Duration::from_millis(50));
        pace.throttled(Instant::now());
        let start = pace.rate();
        let pages = start.round() as usize;
        for _ in 0..pages {
            pace.answered(Duration::from_millis(50), true);
        }
        let gained = pace.rate() - start;
        assert!((gained - INCREASE).abs() < 0.3, "{gained}");
        // A throttled page gains nothing.
        let now = pace.rate();
        pace.answered(Duration::from_millis(50), false);
        assert!((pace.rate() - now).abs() < 1e-12);
    }

    #[tokio::test(start_paused = true)]
    async fn paced_keeps_order_and_spacing() {
        let pace = Arc::new(Mutex::new(Pace::new(Duration::from_millis(100))));
        let started = Instant::now();
        let jobs = (0..10u64).map(|i| async move {
            // Later jobs finish sooner; order must still hold.
            tokio::time::sleep(Duration::from_millis(100 - i * 5)).await;
            (i, Instant::now())
        });
        let out: Vec<(u64, Instant)> = paced(jobs, Arc::clone(&pace)).collect().await;
        let order: Vec<u64> = out.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, (0..10).collect::<Vec<_>>());
        // At 10 pages a second, ten pages cannot all be sent at once.
        let last = out.last().map(|(_, at)| *at).unwrap_or(started);
        assert!(last.duration_since(started) >= Duration::from_millis(500));
    }
}
