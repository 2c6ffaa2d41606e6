//! Whether and when a call is tried again: the one place that decides.
//!
//! It holds the [`RetryPolicy`] and timeouts, the statuses worth another
//! attempt, `Retry-After`, the classify phase ([`classify`]: what an
//! answer means) and the retry phase ([`decide`]: return it, or try again
//! after a wait), and the deadline of a call ([`CallClock`]).
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

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::answer::Answer;
use super::budget::Quota;
#[cfg(test)]
use crate::error::BODY_EXCERPT_LIMIT;
use crate::error::{ApiError, Error, excerpt};

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

/// Statuses retried by default: 408, 429, 500, 502, 503 and 504.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

impl Error {
    /// Whether trying the same call again could succeed: API errors with
    /// status 408, 429, 500, 502, 503 or 504, transport errors and timeouts.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => is_retryable_status(api.status),
            Error::Transport { .. } | Error::Timeout { .. } => true,
            _ => false,
        }
    }
}

impl ApiError {
    /// Reads an error response: the error code and message from
    /// `error_code`/`error_msg`, else `errorCode`/`errorMsg`, else
    /// `code`/`message`; the request id from `X-Request-Id`; the wait it
    /// asked for from `Retry-After`.
    pub(crate) fn from_response(
        operation: &str,
        attempt: u32,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let json = serde_json::from_slice::<serde_json::Value>(body).ok();
        let field = |names: &[&str]| -> Option<String> {
            let object = json.as_ref()?.as_object()?;
            names.iter().find_map(|name| match object.get(*name)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            })
        };
        let pair = [
            ("error_code", "error_msg"),
            ("errorCode", "errorMsg"),
            ("code", "message"),
        ]
        .into_iter()
        .find(|(code, msg)| field(&[code]).is_some() || field(&[msg]).is_some());
        let (error_code, error_msg) = match pair {
            Some((code, msg)) => (field(&[code]), field(&[msg])),
            None => (None, None),
        };
        ApiError {
            operation: operation.to_string(),
            attempt,
            status: status.as_u16(),
            error_code,
            error_msg,
            request_id: headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            encoded_authorization_message: field(&["encoded_authorization_message"]),
            body: excerpt(body),
            body_is_json: json.is_some(),
            retry_after: retry_after(headers, SystemTime::now()),
        }
    }
}

/// What an answer means.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Class {
    /// A success with a body that reads.
    Success,
    /// A success whose body is not JSON: garbled on the way, worth another
    /// attempt.
    Garbled,
    /// Throttled, and the answer names the quota.
    ThrottledWithQuota(Quota),
    /// 429 or 503 without a quota; the `Retry-After`, if any.
    Throttled(Option<Duration>),
    /// Another status worth another attempt (408, 500, 502, 504); the
    /// `Retry-After`, if any.
    Transient(Option<Duration>),
    /// A transport failure worth another attempt.
    TransportFailure,
    /// Not worth another attempt.
    Final,
}

impl Class {
    /// Whether the service throttled the request.
    pub(crate) fn is_throttled(&self) -> bool {
        matches!(self, Class::Throttled(_) | Class::ThrottledWithQuota(_))
    }
}

/// What the retry phase decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Return this answer.
    Return,
    /// Try again after `wait`; `asked` when the service asked for the wait
    /// (it then does not count against the deadline).
    Retry { wait: Duration, asked: bool },
}

/// The classify phase; `garbled` when a success body is not JSON.
pub(crate) fn classify(
    name: &str,
    attempt: u32,
    result: &Result<Answer, reqwest::Error>,
    garbled: bool,
) -> Class {
    let answer = match result {
        Ok(answer) => answer,
        Err(error) if is_retryable_error(error) => return Class::TransportFailure,
        Err(_) => return Class::Final,
    };
    let status = answer.status.as_u16();
    if answer.status.is_success() {
        return if garbled {
            Class::Garbled
        } else {
            Class::Success
        };
    }
    if !is_retryable_status(status) {
        return Class::Final;
    }
    let retry_after = retry_after(&answer.headers, SystemTime::now());
    if matches!(status, 429 | 503) {
        let error =
            ApiError::from_response(name, attempt, answer.status, &answer.headers, &answer.body);
        if let Some(quota) =
            Quota::from_throttle(error.error_code.as_deref(), error.error_msg.as_deref())
        {
            return Class::ThrottledWithQuota(quota);
        }
        return Class::Throttled(retry_after);
    }
    Class::Transient(retry_after)
}

/// Transport failures worth another attempt: everything except errors in
/// building the request and redirect loops. A body cut short counts as a
/// transport failure (reqwest reports it as a decode error of the body).
fn is_retryable_error(error: &reqwest::Error) -> bool {
    !error.is_builder() && !error.is_redirect()
}

/// The retry phase: whether, and after what wait, to try again.
/// `budgeted` when the operation has a budget, whose phase waits out a
/// quota the service named.
pub(crate) fn decide(
    policy: &RetryPolicy,
    class: &Class,
    attempt: u32,
    clock: &CallClock,
    budgeted: bool,
) -> Next {
    let backoff = |clock: &CallClock| {
        let wait = policy.backoff(attempt);
        if clock.fits(wait) {
            Next::Retry { wait, asked: false }
        } else {
            Next::Return
        }
    };
    match class {
        Class::Success | Class::Final => Next::Return,
        // The budget phase waits out the quota's window.
        Class::ThrottledWithQuota(_) if budgeted => Next::Retry {
            wait: Duration::ZERO,
            asked: true,
        },
        // Without a budget, the wait is the window the service named.
        Class::ThrottledWithQuota(quota) => {
            if quota.window <= policy.max_retry_after {
                Next::Retry {
                    wait: quota.window,
                    asked: true,
                }
            } else {
                backoff(clock)
            }
        }
        Class::Throttled(Some(wait)) | Class::Transient(Some(wait)) => {
            if *wait <= policy.max_retry_after {
                Next::Retry {
                    wait: *wait,
                    asked: true,
                }
            } else {
                Next::Return
            }
        }
        Class::Throttled(None)
        | Class::Transient(None)
        | Class::Garbled
        | Class::TransportFailure => backoff(clock),
    }
}

/// The deadline of a call, with the waits that do not count against it
/// taken out. Time comes from tokio's clock, so tests can pause it.
#[derive(Debug)]
pub(crate) struct CallClock {
    started: Instant,
    deadline: Option<Duration>,
    excluded: Duration,
}

impl CallClock {
    pub(crate) fn start(policy: &RetryPolicy) -> Self {
        CallClock {
            started: Instant::now(),
            deadline: policy.deadline,
            excluded: Duration::ZERO,
        }
    }

    /// Time spent on attempts and backoff so far.
    fn spent(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.excluded)
    }

    /// Takes `wait` out of the deadline's count.
    pub(crate) fn exclude(&mut self, wait: Duration) {
        self.excluded = self.excluded.saturating_add(wait);
    }

    /// What is left of the deadline, if there is one.
    pub(crate) fn left(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_sub(self.spent()))
    }

    /// Whether waiting `wait` still leaves time before the deadline.
    fn fits(&self, wait: Duration) -> bool {
        self.deadline
            .is_none_or(|d| self.spent().checked_add(wait).is_some_and(|end| end < d))
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
    use bytes::Bytes;
    use reqwest::StatusCode;
    use reqwest::header::{HeaderName, HeaderValue};

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

    fn parse(body: &str) -> ApiError {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "req-1".parse().unwrap());
        headers.insert("retry-after", "12".parse().unwrap());
        ApiError::from_response(
            "SomeOperation",
            2,
            StatusCode::FORBIDDEN,
            &headers,
            body.as_bytes(),
        )
    }

    #[test]
    fn reads_each_spelling() {
        let a = parse(
            r#"{"error_code":"HSS.1","error_msg":"m1","encoded_authorization_message":"enc"}"#,
        );
        assert_eq!(
            (a.error_code.as_deref(), a.error_msg.as_deref()),
            (Some("HSS.1"), Some("m1"))
        );
        assert_eq!(a.encoded_authorization_message.as_deref(), Some("enc"));
        assert_eq!(a.request_id.as_deref(), Some("req-1"));
        assert_eq!(a.retry_after, Some(std::time::Duration::from_secs(12)));
        let b = parse(r#"{"errorCode":"HSS.2","errorMsg":"m2"}"#);
        assert_eq!(
            (b.error_code.as_deref(), b.error_msg.as_deref()),
            (Some("HSS.2"), Some("m2"))
        );
        let c = parse(r#"{"code":"APIGW.0301","message":"m3"}"#);
        assert_eq!(
            (c.error_code.as_deref(), c.error_msg.as_deref()),
            (Some("APIGW.0301"), Some("m3"))
        );
        let text = c.to_string();
        assert!(
            text.contains("SomeOperation") && text.contains("attempt 2"),
            "{text}"
        );
        assert!(text.contains("403") && text.contains("req-1"), "{text}");
    }

    #[test]
    fn non_json_body_is_kept_and_bounded() {
        let long = "<html>".repeat(1000);
        let e = parse(&long);
        assert!(!e.body_is_json);
        assert!(e.body.len() <= BODY_EXCERPT_LIMIT + 3);
        assert!(e.body.starts_with("<html><html>"));
        let short = parse("gateway says no");
        assert!(short.to_string().contains("gateway says no"));
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [400, 401, 403, 404, 501] {
            assert!(!is_retryable_status(s));
        }
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Answer, reqwest::Error> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        Ok(Answer {
            status: StatusCode::from_u16(status).unwrap(),
            version: http::Version::HTTP_11,
            headers: map,
            body: Bytes::from(body.to_string()),
        })
    }

    #[test]
    fn answers_are_classified_by_status_and_error_body() {
        let json = [("content-type", "application/json")];
        // The read phase tells a garbled success body (one that is not
        // JSON); classify sees it.
        let class = |result: &Result<Answer, reqwest::Error>| {
            let garbled = result.as_ref().ok().is_some_and(|a| {
                a.status.is_success()
                    && serde_json::from_slice::<serde::de::IgnoredAny>(&a.body).is_err()
            });
            classify("op", 1, result, garbled)
        };
        assert_eq!(class(&answer(200, &json, "{}")), Class::Success);
        assert_eq!(class(&answer(200, &json, "<html>")), Class::Garbled);
        assert_eq!(class(&answer(404, &json, "{}")), Class::Final);
        let gateway = r#"{"error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 minute", "error_code": "APIG.0308", "request_id": "r"}"#;
        assert_eq!(
            class(&answer(429, &json, gateway)),
            Class::ThrottledWithQuota(Quota::new(5, Duration::from_secs(60)))
        );
        assert_eq!(
            class(&answer(429, &[("retry-after", "3")], "{}")),
            Class::Throttled(Some(Duration::from_secs(3)))
        );
        assert_eq!(class(&answer(503, &[], "")), Class::Throttled(None));
        assert_eq!(class(&answer(502, &[], "")), Class::Transient(None));
    }

    #[test]
    fn a_retry_after_up_to_the_maximum_is_waited_out_whatever_the_deadline() {
        let policy = RetryPolicy::default();
        let clock = CallClock::start(&policy);
        let sixty = Duration::from_secs(60);
        assert_eq!(policy.max_retry_after, sixty);
        assert_eq!(policy.deadline, Some(sixty));
        assert_eq!(
            decide(&policy, &Class::Throttled(Some(sixty)), 1, &clock, true),
            Next::Retry {
                wait: sixty,
                asked: true
            }
        );
        assert_eq!(
            decide(
                &policy,
                &Class::Throttled(Some(sixty + Duration::from_secs(1))),
                1,
                &clock,
                true
            ),
            Next::Return
        );
        assert_eq!(
            decide(&policy, &Class::Final, 1, &clock, true),
            Next::Return
        );
    }

    #[test]
    fn a_named_quota_is_waited_out_by_the_budget_or_without_one_here() {
        let policy = RetryPolicy::default();
        let clock = CallClock::start(&policy);
        let quota = Quota::new(5, Duration::from_secs(60));
        let class = Class::ThrottledWithQuota(quota);
        assert_eq!(
            decide(&policy, &class, 1, &clock, true),
            Next::Retry {
                wait: Duration::ZERO,
                asked: true
            }
        );
        assert_eq!(
            decide(&policy, &class, 1, &clock, false),
            Next::Retry {
                wait: Duration::from_secs(60),
                asked: true
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn waits_the_service_asks_for_do_not_count_against_the_deadline() {
        let policy = RetryPolicy::default().with_deadline(Some(Duration::from_secs(10)));
        let mut clock = CallClock::start(&policy);
        tokio::time::advance(Duration::from_secs(30)).await;
        assert!(!clock.fits(Duration::from_millis(1)));
        clock.exclude(Duration::from_secs(25));
        assert!(clock.fits(Duration::from_secs(4)));
        assert!(!clock.fits(Duration::from_secs(5)));
        assert_eq!(clock.left(), Some(Duration::from_secs(5)));
    }
}
