//! The adaptive pace of one operation's requests, for a service that
//! throttles without saying its quota.
//!
//! When an answer is 429 or 503 and its body names no quota (see
//! [`super::budget`]), the operation's limiter starts spacing its requests
//! at a rate, and adjusts the rate as answers come back, the way TCP
//! congestion control and aws-sdk's adaptive retry mode do:
//!
//! - it starts at half the rate requests were sent at over the last second
//!   (multiplicative decrease from where the service said stop);
//! - each clean answer adds [`INCREASE`] requests a second, spread over one
//!   second's answers (additive increase);
//! - each further 429 or 503 multiplies the rate by [`DECREASE`] the moment
//!   it arrives, at most once per cooldown (twice the smoothed latency), so
//!   that the answers to requests sent before the decrease could take
//!   effect do not lower it again.
//!
//! The pace is shared by every stream and call of the operation through the
//! client, as smithy-rs shares its `ClientRateLimiter`.

use std::time::Duration;

use tokio::time::Instant;

/// Requests a second gained each second of clean answers.
pub const INCREASE: f64 = 2.0;
/// The factor a throttled answer multiplies the rate by.
pub const DECREASE: f64 = 0.8;
/// The slowest pace, in requests a second.
pub const MIN_RATE: f64 = 0.05;
/// The fastest pace, in requests a second.
pub const MAX_RATE: f64 = 10_000.0;
/// The shortest time between two decreases.
const MIN_COOLDOWN: Duration = Duration::from_millis(100);

/// The pace of one operation's requests.
#[derive(Debug)]
pub(crate) struct Pace {
    /// Requests a second.
    rate: f64,
    /// When the next request may be sent.
    next_send: Instant,
    /// When the rate was last lowered.
    lowered: Instant,
    /// A smoothed latency of an answer.
    latency: Duration,
}

impl Pace {
    /// A pace engaged by a throttled answer at `now`, when requests were
    /// sent at `recent_rate` a second.
    pub(crate) fn engaged(recent_rate: f64, now: Instant) -> Self {
        let rate = (recent_rate * 0.5).clamp(MIN_RATE, MAX_RATE);
        Pace {
            rate,
            next_send: now + Duration::from_secs_f64(1.0 / rate),
            lowered: now,
            latency: Duration::from_millis(50),
        }
    }

    /// Requests a second.
    #[cfg(test)]
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// When the next request may be sent.
    pub(crate) fn next_send(&self) -> Instant {
        self.next_send
    }

    /// A request was sent at `now`: the next one is due one interval later.
    pub(crate) fn sent(&mut self, now: Instant) {
        let interval = Duration::from_secs_f64(1.0 / self.rate);
        self.next_send = self.next_send.max(now.checked_sub(interval).unwrap_or(now)) + interval;
    }

    /// A request was answered after `latency`; `clean` when it was not
    /// throttled and succeeded.
    pub(crate) fn answered(&mut self, latency: Duration, clean: bool) {
        self.latency = (self.latency * 7 + latency) / 8;
        if clean {
            self.rate = (self.rate + INCREASE / self.rate.max(1.0)).clamp(MIN_RATE, MAX_RATE);
        }
    }

    /// A request was answered 429 or 503 at `now`.
    pub(crate) fn throttled(&mut self, now: Instant) {
        let cooldown = (self.latency * 2).max(MIN_COOLDOWN);
        if now.saturating_duration_since(self.lowered) < cooldown {
            return;
        }
        self.rate = (self.rate * DECREASE).clamp(MIN_RATE, MAX_RATE);
        self.lowered = now;
        self.next_send = self
            .next_send
            .max(now + Duration::from_secs_f64(1.0 / self.rate));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_starts_at_half_the_recent_rate_and_a_throttle_lowers_it_once_per_cooldown() {
        let now = Instant::now();
        let mut pace = Pace::engaged(40.0, now);
        assert!((pace.rate() - 20.0).abs() < 1e-9);
        // Within the cooldown of the engaging throttle: no change.
        pace.throttled(now + Duration::from_millis(10));
        assert!((pace.rate() - 20.0).abs() < 1e-9);
        pace.throttled(now + Duration::from_secs(1));
        assert!((pace.rate() - 20.0 * DECREASE).abs() < 1e-9);
    }

    #[test]
    fn clean_answers_add_increase_a_second() {
        let now = Instant::now();
        let mut pace = Pace::engaged(20.0, now);
        let start = pace.rate();
        for _ in 0..start.round() as usize {
            pace.answered(Duration::from_millis(50), true);
        }
        let gained = pace.rate() - start;
        assert!((gained - INCREASE).abs() < 0.3, "{gained}");
        let before = pace.rate();
        pace.answered(Duration::from_millis(50), false);
        assert!((pace.rate() - before).abs() < 1e-12);
    }

    #[test]
    fn sends_are_spaced_at_the_rate() {
        let now = Instant::now();
        let mut pace = Pace::engaged(20.0, now);
        let first = pace.next_send();
        pace.sent(first);
        let gap = pace.next_send() - first;
        assert_eq!(gap, Duration::from_millis(100));
    }
}
