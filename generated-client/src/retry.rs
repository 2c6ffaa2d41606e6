//! Retry policy and timeouts.
//!
//! Both HSS operations are reads, so every attempt may be repeated safely.
//! An attempt is retried when the service answers 408, 429, 500, 502, 503
//! or 504, when the connection fails or is reset, and when it times out;
//! never on 400, 401, 403, 404 or any other status. Every attempt is signed
//! afresh with a new `X-Sdk-Date`.
//!
//! Defaults ([`RetryPolicy::default`]):
//!
//! | setting | default |
//! | --- | --- |
//! | `max_attempts` | 10 (the first attempt and 9 retries) |
//! | `deadline` | 60 s of attempts and backoff for the whole call |
//! | `initial_backoff` | 200 ms |
//! | `max_backoff` | 5 s |
//! | `max_retry_after` | 60 s: a longer `Retry-After` ends the call |
//! | connect timeout | 10 s ([`DEFAULT_CONNECT_TIMEOUT`]) |
//! | read timeout | 30 s without a byte from the server ([`DEFAULT_READ_TIMEOUT`]) |
//!
//! Ten attempts keep a long stream going through heavy throttling: when 30%
//! of requests fail, a page still fails all ten attempts only about once in
//! 170,000 pages, while the deadline bounds how long a real outage is
//! retried (the waits of nine retries add up to at most about 26 s).
//!
//! The wait before retry `n` (1 for the first retry) is drawn at random
//! between half and all of `initial_backoff * 2^(n-1)`, capped at
//! `max_backoff`. When that wait would end after the deadline, the call
//! stops and returns the last error instead of sleeping into the deadline;
//! every attempt's own time limit is also cut to what is left of it.
//!
//! Waits the service asks for are not the client's retry time, so they do
//! not count against the deadline: a `Retry-After` header (seconds or an
//! HTTP date) up to `max_retry_after` is waited out, even one of exactly
//! a minute, which a per-minute limit answers with; a longer one ends the
//! call with the answer, whose [`crate::ApiError::retry_after`] tells the
//! caller when to come back. A 429 that names its quota (the API gateway's
//! `APIG.0308`) lowers the operation's request budget and waits for one
//! window in the budget ([`crate::budget`]); budget waits do not count
//! either. Each of these answers still counts as an attempt.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default read timeout: the longest wait for the next bytes of a response.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How often and how long a call is retried.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, the first one included (at least 1).
    pub max_attempts: u32,
    /// Time limit for the attempts of a call and the backoff between them
    /// (waits the service asks for and budget waits not counted), or
    /// `None` for none.
    pub deadline: Option<Duration>,
    /// Base of the exponential backoff.
    pub initial_backoff: Duration,
    /// Longest backoff wait (a `Retry-After` value is not capped by it).
    pub max_backoff: Duration,
    /// Longest `Retry-After` the call waits for; a longer one ends the call
    /// with the answer that asked for it. Bounds the wait even without a
    /// deadline.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            deadline: Some(Duration::from_secs(60)),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn no_retries() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the number of attempts (values below 1 count as 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the overall deadline.
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the backoff base and cap.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the longest `Retry-After` the call waits for.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The wait before retry `retry` (1 for the first) after an answer with
    /// these headers: its `Retry-After`, else the backoff. `None` when the
    /// server asks for more than `max_retry_after`.
    pub fn wait_after(&self, retry: u32, headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
        match retry_after(headers, now) {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(retry)),
        }
    }

    /// The upper bound of the wait before retry `retry` (1 for the first).
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(30));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry `retry`: random between half and all of
    /// [`RetryPolicy::backoff_ceiling`].
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_micros()).unwrap_or(u64::MAX);
        let jitter = if spread == 0 {
            0
        } else {
            rand::random_range(0..=spread)
        };
        half + Duration::from_micros(jitter)
    }
}

/// Reads a `Retry-After` header: a number of seconds or an HTTP date
/// (a date in the past means no wait).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(700));
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(p.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(p.backoff_ceiling(3), Duration::from_millis(400));
        assert_eq!(p.backoff_ceiling(4), Duration::from_millis(700));
        assert_eq!(p.backoff_ceiling(100), Duration::from_millis(700));
        for retry in 1..6 {
            let wait = p.backoff(retry);
            let ceiling = p.backoff_ceiling(retry);
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "{wait:?} {ceiling:?}"
            );
        }
    }

    #[test]
    fn retry_after_in_seconds_and_as_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_316_400);
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        headers.insert("retry-after", later.parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        headers.insert("retry-after", earlier.parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(RetryPolicy::default().with_max_attempts(0).max_attempts, 1);
    }
}
