//! The request budget: how many requests of one operation the client sends
//! in a window, so that under the service's documented limit no answer is
//! a 429.
//!
//! Every [`HssClient`](crate::HssClient) holds one [`Limiter`] per
//! operation, shared by all its clones and by every call and stream made
//! through them: 8 tasks paging one operation at once still send at most
//! the budget. A request takes a permit before each attempt (the pipeline's
//! budget phase, [`super::pipeline`]); waiting for one is not a retry: it
//! spends neither attempts nor the retry deadline.
//!
//! The limiter is a sliding window: at most `calls` requests in any
//! `window`. A request holds its place in the window from the moment it is
//! sent until `window` after its answer came back (the service counted it
//! at some moment in between), so that the client's window and the
//! service's can never disagree about a request, whatever the latency.
//! Requests wait in the order they asked (first come, first served), so
//! pages fetched ahead are sent in order.
//!
//! Why not a crate: `governor` (GCRA) is the well-kept choice for request
//! pacing, but GCRA with a burst of `calls` lets up to `2 calls - 1`
//! requests into one window, and with a burst of 1 it spreads the calls
//! evenly, which makes an export take 1.09 times as long as the window
//! allows at 10,000 records; neither counts a request from its answer nor
//! lowers its quota when the service says so.
//!
//! What the service says adjusts it:
//!
//! - a 429 whose body names the limit (the API gateway's `APIG.0308`:
//!   `... over ratelimit,limit:5,time:1 minute`) lowers the budget to that
//!   quota when it is stricter, and holds every request of the operation
//!   back for one whole window, since the service's window is full;
//! - a 429 or 503 without it engages an adaptive pace ([`super::pace`]):
//!   requests are spaced at a rate that falls at once on each such answer
//!   and rises slowly while answers come back clean.
//!
//! The budget comes from the spec (`x-rate-limit`, [`Budget::Spec`], the
//! default), or is set for accounts with other quotas
//! ([`Budget::PerWindow`]), or is switched off ([`Budget::Off`], for
//! hss-mock and benchmarks). `HSS_RATE_LIMIT` sets it from the
//! environment ([`Budget::from_str`]).

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::pace::Pace;
use crate::spec::Operation;

/// How many of the latest sends a limiter keeps, to tell the rate
/// requests go at.
const RECENT_SENDS: usize = 1024;

/// How many requests of each operation the client may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Budget {
    /// The limit the spec documents for each operation (`x-rate-limit`);
    /// an operation without one is not limited.
    #[default]
    Spec,
    /// At most `calls` requests of each operation in any `window`.
    PerWindow {
        /// Requests per window (at least 1).
        calls: u32,
        /// The window.
        window: Duration,
    },
    /// No budget of calls per window: requests go out as soon as they
    /// are made, until the service throttles them. Its answers still
    /// pace them, as under any budget: a 429 that names a quota holds
    /// the operation's requests for its window and keeps them to it from
    /// then on, and one without a quota engages the adaptive pace
    /// (the adaptive pace).
    Off,
}

impl Budget {
    /// The calls and window of `operation` under this budget, if any.
    pub fn of(self, operation: Operation) -> Option<Quota> {
        match self {
            Budget::Spec => operation.rate_limit().map(|limit| Quota {
                calls: u32::try_from(limit.calls()).unwrap_or(u32::MAX),
                window: limit.window(),
            }),
            Budget::PerWindow { calls, window } => Some(Quota {
                calls: calls.max(1),
                window,
            }),
            Budget::Off => None,
        }
    }
}

impl FromStr for Budget {
    type Err = String;

    /// `off`, `spec`, or `N/W` with `W` a duration: `5/60s`, `5/1m`,
    /// `300/1h`, `5/0.5s`, `5/500ms` (`ms`, `s`, `m` or `h`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        match text {
            "off" => return Ok(Budget::Off),
            "spec" => return Ok(Budget::Spec),
            _ => {}
        }
        let wrong = || {
            format!(
                "expected `off`, `spec` or calls per window such as `5/60s` (ms, s, m or h), got {text:?}"
            )
        };
        let (calls, window) = text.split_once('/').ok_or_else(wrong)?;
        let calls: u32 = calls.trim().parse().map_err(|_| wrong())?;
        let window = window.trim();
        let split = window
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(wrong)?;
        let (number, unit) = window.split_at(split);
        let amount: f64 = number.parse().map_err(|_| wrong())?;
        let seconds = match unit {
            "ms" => amount / 1000.0,
            "s" => amount,
            "m" => amount * 60.0,
            "h" => amount * 3600.0,
            _ => return Err(wrong()),
        };
        let window = Duration::try_from_secs_f64(seconds).map_err(|_| wrong())?;
        if calls == 0 || window < Duration::from_millis(1) {
            return Err(format!(
                "a budget needs at least 1 call in a window of at least 1 ms, got {text:?}; use `off` for none"
            ));
        }
        Ok(Budget::PerWindow { calls, window })
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Budget::Spec => f.write_str("spec"),
            Budget::Off => f.write_str("off"),
            Budget::PerWindow { calls, window } if window.subsec_nanos() == 0 => {
                write!(f, "{calls}/{}s", window.as_secs())
            }
            Budget::PerWindow { calls, window } => write!(f, "{calls}/{}ms", window.as_millis()),
        }
    }
}

/// Calls per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quota {
    /// Calls.
    pub calls: u32,
    /// The window.
    pub window: Duration,
}

impl Quota {
    /// Calls per window.
    pub fn new(calls: u32, window: Duration) -> Self {
        Quota {
            calls: calls.max(1),
            window,
        }
    }

    /// Calls a second.
    pub fn rate(&self) -> f64 {
        f64::from(self.calls) / self.window.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// The quota a throttled answer names: the API gateway's error code
    /// `APIG.0308` with a message such as `The throttling threshold has
    /// been reached: policy user over ratelimit,limit:5,time:1 minute`
    /// (`millisecond`, `second`, `minute`, `hour` or `day`, in the
    /// singular or plural).
    pub fn from_throttle(error_code: Option<&str>, error_msg: Option<&str>) -> Option<Quota> {
        if error_code? != THROTTLE_CODE {
            return None;
        }
        let message = error_msg?;
        let limit = number_after(message, "limit:")?;
        let time = message.split("time:").nth(1)?.trim_start();
        let digits: String = time.chars().take_while(char::is_ascii_digit).collect();
        let amount: u64 = digits.parse().ok()?;
        let unit: String = time[digits.len()..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect::<String>()
            .to_ascii_lowercase();
        let window = match unit.trim_end_matches('s') {
            "millisecond" | "m" => Duration::from_millis(amount),
            "second" | "sec" => Duration::from_secs(amount),
            "minute" | "min" => Duration::from_secs(amount.checked_mul(60)?),
            "hour" => Duration::from_secs(amount.checked_mul(3600)?),
            "day" => Duration::from_secs(amount.checked_mul(86_400)?),
            _ => return None,
        };
        (limit >= 1 && !window.is_zero()).then(|| Quota {
            calls: u32::try_from(limit).unwrap_or(u32::MAX),
            window,
        })
    }
}

/// The API gateway's error code for a call beyond a throttling limit.
pub const THROTTLE_CODE: &str = "APIG.0308";

fn number_after(text: &str, marker: &str) -> Option<u64> {
    let rest = text.split(marker).nth(1)?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// One request's place in a sliding window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// Sent and not answered yet: it counts until its answer, and then a
    /// window longer.
    InFlight(u64),
    /// Answered at this instant.
    Done(u64, Instant),
}

/// At most `quota.calls` requests in any `quota.window`.
#[derive(Debug)]
struct Window {
    quota: Quota,
    slots: VecDeque<Slot>,
}

impl Window {
    fn new(quota: Quota) -> Self {
        Window {
            quota,
            slots: VecDeque::new(),
        }
    }

    /// Forgets the requests whose window has passed.
    fn prune(&mut self, now: Instant) {
        let window = self.quota.window;
        self.slots
            .retain(|slot| !matches!(slot, Slot::Done(_, at) if *at + window <= now));
    }

    /// When a request may be sent: now when there is room, else when the
    /// oldest answered request leaves the window; `None` when every place
    /// is taken by a request still in flight (the next answer frees one).
    fn free_at(&mut self, now: Instant) -> Option<Instant> {
        self.prune(now);
        if self.slots.len() < self.quota.calls as usize {
            return Some(now);
        }
        let window = self.quota.window;
        let mut done: Vec<Instant> = self
            .slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Done(_, at) => Some(*at + window),
                Slot::InFlight(_) => None,
            })
            .collect();
        done.sort();
        // Room comes when enough places free up for one more request.
        let excess = self.slots.len() + 1 - self.quota.calls as usize;
        done.get(excess - 1).copied()
    }

    fn take(&mut self, id: u64) {
        self.slots.push_back(Slot::InFlight(id));
    }

    fn answered(&mut self, id: u64, at: Instant) {
        if let Some(slot) = self
            .slots
            .iter_mut()
            .find(|slot| **slot == Slot::InFlight(id))
        {
            *slot = Slot::Done(id, at);
        }
    }
}

#[derive(Debug)]
struct State {
    window: Option<Window>,
    /// No request before this instant (the service's window is full).
    held_until: Option<Instant>,
    /// The adaptive pace, once a throttled answer without a quota came.
    pace: Option<Pace>,
    next_id: u64,
    /// When the last requests were sent, for the pace to start from.
    recent_sends: VecDeque<Instant>,
}

/// The budget of one operation: a sliding window, a hold after a throttled
/// answer, and an adaptive pace. Shared by every clone of a client.
pub struct Limiter {
    operation: Operation,
    state: Mutex<State>,
    /// Waiters queue here, first come first served.
    queue: tokio::sync::Mutex<()>,
    /// Woken when an answer frees a place.
    freed: Notify,
    /// An instant and the wall-clock time at it, to tell the times of
    /// requests in both.
    anchor: (Instant, SystemTime),
    /// Waits for a place, and their time in all, in nanoseconds.
    waits: AtomicU64,
    waited_nanos: AtomicU64,
    /// Told of every request as it takes its place, before it is sent,
    /// and when it is answered.
    observer: Mutex<Option<Observer>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let observed = self.observer.lock().map(|o| o.is_some()).unwrap_or(false);
        f.debug_struct("Limiter")
            .field("operation", &self.operation)
            .field("state", &self.state)
            .field("anchor", &self.anchor)
            .field("waits", &self.waits)
            .field("waited_nanos", &self.waited_nanos)
            .field("observed", &observed)
            .finish_non_exhaustive()
    }
}

/// What a budget tells its observer of one request ([`crate::HssClient::observe_requests`]),
/// and what it keeps of the requests that still count ([`crate::HssClient::recent_requests`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observation {
    /// The request's operation.
    pub operation: Operation,
    /// The request, among those of this operation in this process.
    pub request: u64,
    /// What happened to it.
    pub event: RequestEvent,
    /// When.
    pub at: SystemTime,
}

impl Observation {
    /// What happened to request `request` of `operation`, and when: for
    /// passing to [`crate::HssClient::remember_requests`] what an earlier process wrote down.
    pub fn new(operation: Operation, request: u64, event: RequestEvent, at: SystemTime) -> Self {
        Observation {
            operation,
            request,
            event,
            at,
        }
    }
}

/// What happened to a request, as its budget saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestEvent {
    /// It took its place and is about to be sent: from now it may count
    /// against the service's window.
    Sent,
    /// It was answered, failed or was given up on: it counts from now
    /// until a window has passed.
    Answered,
}

impl RequestEvent {
    /// Its name in a log: `sent` or `answered`.
    pub fn name(self) -> &'static str {
        match self {
            RequestEvent::Sent => "sent",
            RequestEvent::Answered => "answered",
        }
    }

    /// The event of a name from [`RequestEvent::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        [RequestEvent::Sent, RequestEvent::Answered]
            .into_iter()
            .find(|event| event.name() == name)
    }
}

/// Told of every request of an operation as it takes its place in the
/// budget, before it is sent, and again when it is answered
/// ([`crate::HssClient::observe_requests`]).
pub type Observer = std::sync::Arc<dyn Fn(Observation) + Send + Sync>;

/// What a request waited for before it was sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Waited {
    /// Time spent waiting.
    pub time: Duration,
}

/// A request's place in the budget, from its sending to its answer.
#[derive(Debug)]
#[must_use = "a permit frees its place when it is answered or dropped"]
pub struct Permit<'a> {
    limiter: &'a Limiter,
    id: u64,
    sent: Instant,
    answered: bool,
}

impl Permit<'_> {
    /// The request was answered (or failed) now.
    pub fn answered(mut self, clean: bool) {
        self.finish(clean);
    }

    fn finish(&mut self, clean: bool) {
        if self.answered {
            return;
        }
        self.answered = true;
        let now = Instant::now();
        let mut state = self.limiter.lock();
        if let Some(window) = state.window.as_mut() {
            window.answered(self.id, now);
        }
        if let Some(pace) = state.pace.as_mut() {
            pace.answered(now.saturating_duration_since(self.sent), clean);
        }
        drop(state);
        self.limiter.tell(self.id, RequestEvent::Answered, now);
        self.limiter.freed.notify_waiters();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // A request given up on may still have reached the service.
        self.finish(false);
    }
}

impl Limiter {
    /// The limiter of `operation` with `quota` (none: only the adaptive
    /// pace, once engaged).
    pub fn new(operation: Operation, quota: Option<Quota>) -> Self {
        Limiter {
            operation,
            state: Mutex::new(State {
                window: quota.map(Window::new),
                held_until: None,
                pace: None,
                next_id: 0,
                recent_sends: VecDeque::new(),
            }),
            queue: tokio::sync::Mutex::new(()),
            freed: Notify::new(),
            anchor: (Instant::now(), SystemTime::now()),
            waits: AtomicU64::new(0),
            waited_nanos: AtomicU64::new(0),
            observer: Mutex::new(None),
        }
    }

    /// Tells `observer` of every request from now on: as it takes its
    /// place, before it is sent, and again when it is answered. A process
    /// that writes these down knows, after any crash, every request that
    /// may have reached the service and still counts
    /// ([`crate::HssClient::remember_requests`]).
    pub fn observe(&self, observer: Observer) {
        *self.observer.lock().unwrap_or_else(PoisonError::into_inner) = Some(observer);
    }

    fn tell(&self, request: u64, event: RequestEvent, at: Instant) {
        let observer = self
            .observer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(observer) = observer {
            observer(Observation {
                operation: self.operation,
                request,
                event,
                at: self.wall(at),
            });
        }
    }

    /// How many requests waited for a place, and how long in all.
    pub fn waited(&self) -> (u64, Duration) {
        (
            self.waits.load(Ordering::Relaxed),
            Duration::from_nanos(self.waited_nanos.load(Ordering::Relaxed)),
        )
    }

    /// The wall-clock time of an instant of tokio's clock.
    fn wall(&self, at: Instant) -> SystemTime {
        let (instant, wall) = self.anchor;
        if at >= instant {
            wall + at.duration_since(instant)
        } else {
            wall - instant.duration_since(at)
        }
    }

    /// The instant of tokio's clock at a wall-clock time (now, at the
    /// latest).
    fn instant(&self, at: SystemTime) -> Instant {
        let now = Instant::now();
        let ago = self.wall(now).duration_since(at).unwrap_or(Duration::ZERO);
        now.checked_sub(ago).unwrap_or(now)
    }

    /// The requests that still hold a place in the window, oldest first:
    /// those in flight as [`RequestEvent::Sent`] now, those answered as
    /// [`RequestEvent::Answered`] at their answer. It is what a process
    /// keeps so that after a restart it stays inside the budget
    /// ([`crate::HssClient::remember_requests`]).
    pub fn recent(&self) -> Vec<Observation> {
        let now = Instant::now();
        let mut state = self.lock();
        let Some(window) = state.window.as_mut() else {
            return Vec::new();
        };
        window.prune(now);
        let mut recent: Vec<Observation> = window
            .slots
            .iter()
            .map(|slot| {
                let (request, event, at) = match slot {
                    Slot::Done(id, at) => (*id, RequestEvent::Answered, *at),
                    Slot::InFlight(id) => (*id, RequestEvent::Sent, now),
                };
                Observation::new(self.operation, request, event, self.wall(at))
            })
            .collect();
        recent.sort_by_key(|o| o.at);
        recent
    }

    /// Takes requests another process made into the window: one answered
    /// counts from its answer; one only sent (its process ended before
    /// the answer, which may still have reached the service) counts as
    /// answered now ([`crate::HssClient::recent_requests`]).
    pub fn remember(&self, requests: &[Observation]) {
        let now = Instant::now();
        let mut state = self.lock();
        for request in requests {
            let at = match request.event {
                RequestEvent::Answered => self.instant(request.at),
                RequestEvent::Sent => now,
            };
            let id = state.next_id;
            state.next_id += 1;
            if let Some(window) = state.window.as_mut() {
                window.slots.push_back(Slot::Done(id, at));
            }
        }
        if let Some(window) = state.window.as_mut() {
            window.prune(now);
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current quota, if any.
    pub fn quota(&self) -> Option<Quota> {
        self.lock().window.as_ref().map(|w| w.quota)
    }

    /// Waits until a request may be sent, and takes its place.
    pub async fn acquire(&self) -> (Permit<'_>, Waited) {
        let began = Instant::now();
        let _turn = self.queue.lock().await;
        loop {
            // Register for a wake-up before looking, so that an answer
            // between the look and the wait is not missed.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            let now = Instant::now();
            let due = {
                let mut state = self.lock();
                let window_at = match state.window.as_mut() {
                    Some(window) => window.free_at(now),
                    None => Some(now),
                };
                let pace_at = state.pace.as_ref().map_or(now, Pace::next_send);
                let held = state.held_until.unwrap_or(now);
                match window_at {
                    Some(at) => {
                        let due = at.max(pace_at).max(held);
                        if due <= now {
                            let id = state.next_id;
                            state.next_id += 1;
                            if let Some(window) = state.window.as_mut() {
                                window.take(id);
                            }
                            if let Some(pace) = state.pace.as_mut() {
                                pace.sent(now);
                            }
                            state.recent_sends.push_back(now);
                            while state.recent_sends.len() > RECENT_SENDS {
                                state.recent_sends.pop_front();
                            }
                            let waited = now.saturating_duration_since(began);
                            if !waited.is_zero() {
                                self.waits.fetch_add(1, Ordering::Relaxed);
                                self.waited_nanos.fetch_add(
                                    u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX),
                                    Ordering::Relaxed,
                                );
                            }
                            drop(state);
                            self.tell(id, RequestEvent::Sent, now);
                            return (
                                Permit {
                                    limiter: self,
                                    id,
                                    sent: now,
                                    answered: false,
                                },
                                Waited {
                                    time: now.saturating_duration_since(began),
                                },
                            );
                        }
                        Some(due)
                    }
                    None => None,
                }
            };
            match due {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = &mut freed => {}
                    }
                }
                None => freed.await,
            }
        }
    }

    /// The service refused a request for the rate of its calls, naming its
    /// quota: the budget falls to it when it is stricter, and no request is
    /// sent for one window.
    pub fn throttled_with(&self, quota: Quota) {
        let now = Instant::now();
        let mut state = self.lock();
        match state.window.as_mut() {
            Some(window) if window.quota.rate() <= quota.rate() => {}
            Some(window) => window.quota = quota,
            None => state.window = Some(Window::new(quota)),
        }
        let until = now + quota.window;
        state.held_until = Some(state.held_until.map_or(until, |held| held.max(until)));
        drop(state);
        self.freed.notify_waiters();
    }

    /// The service refused a request with 429 or 503 and no quota: the
    /// adaptive pace engages (at half the recent rate of sends) or slows
    /// down.
    pub fn throttled(&self) {
        let now = Instant::now();
        let mut state = self.lock();
        let recent = recent_rate(&state.recent_sends, now);
        match state.pace.as_mut() {
            Some(pace) => pace.throttled(now),
            None => state.pace = Some(Pace::engaged(recent, now)),
        }
    }
}

/// Requests a second over the last second of sends (at least 1).
fn recent_rate(sends: &VecDeque<Instant>, now: Instant) -> f64 {
    let second = Duration::from_secs(1);
    let count = sends
        .iter()
        .filter(|at| now.saturating_duration_since(**at) <= second)
        .count();
    (count as f64).max(1.0)
}

/// One limiter per operation.
#[derive(Debug)]
pub struct Limiters {
    budget: Budget,
    limiters: Vec<Limiter>,
}

impl Limiters {
    /// A limiter for every operation of the spec under `budget`: with
    /// [`Budget::Off`] it has no window, only what the service's answers
    /// teach it.
    pub fn new(budget: Budget) -> Self {
        let limiters = Operation::ALL
            .iter()
            .map(|&op| Limiter::new(op, budget.of(op)))
            .collect();
        Limiters { budget, limiters }
    }

    /// The budget they were made with.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// The limiter of `operation`.
    pub fn of(&self, operation: Operation) -> Option<&Limiter> {
        self.limiters.iter().find(|l| l.operation == operation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(calls: u32, secs: u64) -> Quota {
        Quota::new(calls, Duration::from_secs(secs))
    }

    #[test]
    fn budgets_parse_from_text() {
        assert_eq!("off".parse::<Budget>(), Ok(Budget::Off));
        assert_eq!("spec".parse::<Budget>(), Ok(Budget::Spec));
        assert_eq!(
            "5/60s".parse::<Budget>(),
            Ok(Budget::PerWindow {
                calls: 5,
                window: Duration::from_secs(60)
            })
        );
        assert_eq!(
            "300/1h".parse::<Budget>(),
            Ok(Budget::PerWindow {
                calls: 300,
                window: Duration::from_secs(3600)
            })
        );
        assert_eq!(
            "5/0.5s".parse::<Budget>(),
            Ok(Budget::PerWindow {
                calls: 5,
                window: Duration::from_millis(500)
            })
        );
        assert_eq!("5/500ms".parse::<Budget>(), "5/0.5s".parse::<Budget>());
        for bad in [
            "", "5", "5/", "/60s", "5/60", "0/60s", "5/0s", "x/60s", "5/60d", "5/1.2.3s",
        ] {
            assert!(bad.parse::<Budget>().is_err(), "{bad:?}");
        }
        let shown = Budget::PerWindow {
            calls: 5,
            window: Duration::from_secs(60),
        };
        assert_eq!(shown.to_string().parse::<Budget>(), Ok(shown));
    }

    #[test]
    fn the_gateway_message_names_the_quota() {
        let message = "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 minute";
        assert_eq!(
            Quota::from_throttle(Some("APIG.0308"), Some(message)),
            Some(quota(5, 60))
        );
        let ip = "The throttling threshold has been reached: policy ip over ratelimit,limit:10,time:2 seconds";
        assert_eq!(
            Quota::from_throttle(Some("APIG.0308"), Some(ip)),
            Some(quota(10, 2))
        );
        assert_eq!(Quota::from_throttle(Some("HSS.0001"), Some(message)), None);
        assert_eq!(
            Quota::from_throttle(Some("APIG.0308"), Some("slow down")),
            None
        );
        assert_eq!(
            Quota::from_throttle(Some("APIG.0308"), Some("limit:5,time:1 fortnight")),
            None
        );
        assert_eq!(Quota::from_throttle(None, Some(message)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_lets_calls_through_then_waits_a_window_after_the_answers() {
        let limiter = Limiter::new(Operation::ALL[0], Some(quota(5, 60)));
        let start = Instant::now();
        for _ in 0..5 {
            let (permit, waited) = limiter.acquire().await;
            assert_eq!(waited.time, Duration::ZERO);
            tokio::time::advance(Duration::from_millis(100)).await;
            permit.answered(true);
        }
        // The first answer came at 100 ms: the sixth request waits for it
        // to leave the window.
        let (permit, waited) = limiter.acquire().await;
        assert_eq!(Instant::now() - start, Duration::from_millis(60_100));
        assert_eq!(waited.time, Duration::from_millis(59_600));
        permit.answered(true);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_hold_their_place_until_answered() {
        let limiter = Limiter::new(Operation::ALL[0], Some(quota(1, 10)));
        let (first, _) = limiter.acquire().await;
        let waiting = limiter.acquire();
        tokio::pin!(waiting);
        // However long the first takes, the second is not sent before its
        // answer plus the window.
        assert!(
            tokio::time::timeout(Duration::from_secs(30), &mut waiting)
                .await
                .is_err()
        );
        first.answered(true);
        let answered = Instant::now();
        let (_second, _) = waiting.await;
        assert_eq!(Instant::now() - answered, Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_with_a_quota_lowers_the_budget_and_holds_a_window() {
        let limiter = Limiter::new(Operation::ALL[0], Some(quota(20, 1)));
        let (permit, _) = limiter.acquire().await;
        permit.answered(false);
        limiter.throttled_with(quota(5, 1));
        assert_eq!(limiter.quota(), Some(quota(5, 1)));
        let held = Instant::now();
        let (permit, _) = limiter.acquire().await;
        assert_eq!(Instant::now() - held, Duration::from_secs(1));
        permit.answered(true);
        // A looser quota does not raise it.
        limiter.throttled_with(quota(50, 1));
        assert_eq!(limiter.quota(), Some(quota(5, 1)));
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_in_order() {
        let limiter = std::sync::Arc::new(Limiter::new(Operation::ALL[0], Some(quota(1, 1))));
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for n in 0..5 {
            let limiter = limiter.clone();
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                let (permit, _) = limiter.acquire().await;
                order.lock().unwrap().push(n);
                permit.answered(true);
            }));
            // Each asks after the one before.
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_restarted_budget_counts_answers_from_the_answer_and_the_unanswered_from_now() {
        // Both on one anchor: the wall-clock time moves on in real time
        // while tokio's clock stands still, so two anchors read apart
        // would disagree by however long that took.
        let before = Limiter::new(Operation::ALL[0], Some(quota(2, 60)));
        let mut after = Limiter::new(Operation::ALL[0], Some(quota(2, 60)));
        after.anchor = before.anchor;
        let start = Instant::now();
        let (answered, _) = before.acquire().await;
        tokio::time::advance(Duration::from_secs(1)).await;
        answered.answered(true);
        tokio::time::advance(Duration::from_secs(1)).await;
        let (in_flight, _) = before.acquire().await;
        let recent = before.recent();
        let events: Vec<RequestEvent> = recent.iter().map(|o| o.event).collect();
        assert_eq!(events, [RequestEvent::Answered, RequestEvent::Sent]);
        // The first process ends with its second request unanswered.
        std::mem::forget(in_flight);
        tokio::time::advance(Duration::from_secs(3)).await;
        after.remember(&recent);
        let restarted = Instant::now();
        // The answered one leaves the window a minute after its answer.
        let (one, _) = after.acquire().await;
        let freed = Instant::now() - start;
        assert!(
            freed >= Duration::from_millis(60_900) && freed <= Duration::from_millis(61_100),
            "{freed:?}"
        );
        one.answered(true);
        // The unanswered one counts as answered at the restart.
        let (two, _) = after.acquire().await;
        assert_eq!(Instant::now() - restarted, Duration::from_secs(60));
        two.answered(true);
    }

    #[test]
    fn request_events_have_names() {
        for event in [RequestEvent::Sent, RequestEvent::Answered] {
            assert_eq!(RequestEvent::from_name(event.name()), Some(event));
        }
        assert_eq!(RequestEvent::from_name("lost"), None);
    }
}
