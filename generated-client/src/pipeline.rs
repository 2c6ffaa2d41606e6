//! The request pipeline: every call goes through the same named phases,
//! as smithy-rs's orchestrator runs its interceptors.
//!
//! 1. **validate**: the URL is checked against the operation's parameters
//!    in the spec; a request that breaks one is never sent.
//! 2. **budget**: the attempt waits for a place in the operation's request
//!    budget ([`crate::budget`]). The wait is not a retry: it spends
//!    neither attempts nor the retry deadline, and a `tracing` event says
//!    how long it was.
//! 3. **credentials**: the key to sign with, fetched again first when a
//!    temporary one is close to its expiry ([`crate::provider`]); without
//!    a valid key the attempt is not sent, and the call fails with
//!    [`Error::Credentials`].
//! 4. **sign**: the attempt is dated and signed afresh (`sign`).
//! 5. **send** and 6. **read**: it is sent, the whole body read, so that
//!    a body cut short is retried like any other transport failure, and a
//!    success body decoded into its type, once.
//! 7. **classify**: the answer, its status and its parsed error body, is
//!    sorted into what it means (`Class`): a success, a garbled success,
//!    throttling with a known quota (the API gateway's `APIG.0308`, whose
//!    message names the limit and its window), throttling without one, a
//!    transient failure, or a final one.
//! 8. **retry**: what to do next (`Next`): return the answer, or try
//!    again after a wait.
//!
//! The deadline of a call ([`RetryPolicy::deadline`]) bounds the time spent
//! on attempts and on backoff between them; waits the service asks for (a
//! `Retry-After` up to [`RetryPolicy::max_retry_after`], or the window of
//! its quota) and waits for the budget do not count against it. Time and
//! sleep come from tokio's clock, so tests can pause it.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;
use tracing::Instrument;

use crate::budget::{Limiter, Quota};
use crate::credentials::Credentials;
use crate::error::{ApiError, Error, is_retryable_status};
use crate::hooks::{Config, Hooks, USER_AGENT};
use crate::operations::Operation;
use crate::provider::refresh::Signing;
use crate::retry::RetryPolicy;
use crate::signer::{SdkDate, SignableRequest, canonical_query, decode_query};

/// A whole answer: status, headers and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) version: http::Version,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    /// The answer as a `reqwest::Response`, for progenitor's hooks.
    pub(crate) fn into_response(self) -> reqwest::Response {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }

    fn request_id(&self) -> &str {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// What a call went through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallReport {
    /// Attempts sent (1 for the first).
    pub attempts: u32,
    /// Attempts answered 429 or 503.
    pub throttled: u32,
    /// Time spent waiting for the budget.
    pub budget_wait: Duration,
}

/// Why a success body did not decode into its type.
#[derive(Debug)]
pub(crate) struct Undecoded {
    /// The body is not JSON at all (garbled on the way): worth another
    /// attempt.
    pub(crate) garbled: bool,
    /// What the decoder said.
    pub(crate) error: serde_json::Error,
}

/// A success body, decoded (or why not).
pub(crate) type Decoded<T> = Result<T, Undecoded>;

/// Decodes a success answer's body into `T`; only when that fails is it
/// looked at again, to tell a garbled body from JSON of another shape.
pub(crate) fn decode_as<T: serde::de::DeserializeOwned>(answer: &Answer) -> Decoded<T> {
    serde_json::from_slice(&answer.body).map_err(|error| Undecoded {
        garbled: is_garbled(answer),
        error,
    })
}

/// The last answer of a call (or its transport failure), its body decoded
/// when it is a success, and the report.
#[derive(Debug)]
pub(crate) struct Outcome<T> {
    pub(crate) result: Result<Answer, reqwest::Error>,
    pub(crate) decoded: Option<Decoded<T>>,
    pub(crate) report: CallReport,
}

/// A successful call: its body, decoded into its type (or why not), and
/// the report.
#[derive(Debug)]
pub(crate) struct Success<T> {
    pub(crate) body: Bytes,
    pub(crate) decoded: Decoded<T>,
    pub(crate) report: CallReport,
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

/// What the retry phase decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Return this answer.
    Return,
    /// Try again after `wait`; `asked` when the service asked for the wait
    /// (it then does not count against the deadline).
    Retry { wait: Duration, asked: bool },
}

/// The typed result of a call: the successful answer decoded into `T`,
/// or the error (an error status as [`Error::Api`]).
pub(crate) async fn call<T: serde::de::DeserializeOwned>(
    hooks: &Hooks,
    http: &reqwest::Client,
    request: reqwest::Request,
    operation: Operation,
) -> Result<Success<T>, Error> {
    crate::validate::validate_url(operation, request.url())?;
    let name = operation.operation_id();
    let Outcome {
        result,
        decoded,
        report,
    } = attempts(hooks, http, request, Some(operation), name, &decode_as::<T>).await?;
    let attempt = report.attempts;
    match (result, decoded) {
        (Ok(answer), Some(decoded)) if answer.status.is_success() => Ok(Success {
            body: answer.body,
            decoded,
            report,
        }),
        (Ok(answer), _) if answer.status.is_success() => Ok(Success {
            decoded: decode_as::<T>(&answer),
            body: answer.body,
            report,
        }),
        (Ok(answer), _) => Err(Error::Api(Box::new(ApiError::from_response(
            name,
            attempt,
            answer.status,
            &answer.headers,
            &answer.body,
        )))),
        (Err(source), _) if source.is_timeout() => Err(Error::Timeout {
            operation: name.to_string(),
            attempt,
            source,
        }),
        (Err(source), _) => Err(Error::Transport {
            operation: name.to_string(),
            attempt,
            source,
        }),
    }
}

/// The attempts of one call: budget, sign, send, read (and `decode` a
/// success body), classify and retry, until an answer is final or the
/// policy says stop. `name` names the operation in logs when it is not
/// one of the spec's.
pub(crate) async fn attempts<T>(
    hooks: &Hooks,
    http: &reqwest::Client,
    mut template: reqwest::Request,
    operation: Option<Operation>,
    name: &str,
    decode: &(dyn Fn(&Answer) -> Decoded<T> + Sync),
) -> Result<Outcome<T>, Error> {
    let config = hooks.config();
    let policy = &config.retry;
    let limiter = operation.and_then(|op| config.limiters.of(op));
    canonicalize_query(template.url_mut());
    let mut clock = CallClock::start(policy);
    let mut report = CallReport::default();
    loop {
        report.attempts += 1;
        let attempt = report.attempts;
        let last = attempt >= policy.max_attempts.max(1);
        // budget
        let permit = match limiter {
            Some(limiter) => Some(budget(limiter, name, attempt, &mut clock, &mut report).await),
            None => None,
        };
        // credentials: the key to sign with, fetched again when due. A
        // request that cannot be signed is not sent; its place in the
        // budget is given back as if it had been.
        let signing = match config.keys.current().await {
            Ok(signing) => signing,
            Err(error) => {
                drop(permit);
                return Err(error);
            }
        };
        // sign
        let Some(mut request) = template.try_clone() else {
            // A streaming body cannot be sent twice; the HSS operations
            // have none, but be safe: send it once, unretried.
            sign(config, signing.as_deref(), &mut template);
            let result = http.execute(template).await;
            let result = match result {
                Ok(response) => read(response).await,
                Err(error) => Err(error),
            };
            if let Some(permit) = permit {
                permit.answered(result.is_ok());
            }
            let decoded = decode_success(&result, decode);
            return Ok(Outcome {
                result,
                decoded,
                report,
            });
        };
        sign(config, signing.as_deref(), &mut request);
        if let Some(left) = clock.left() {
            let limit = request.timeout().map_or(left, |t| (*t).min(left));
            *request.timeout_mut() = Some(limit);
        }
        let span = tracing::info_span!(
            "hss_request",
            operation = name,
            attempt,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        // send, read
        let sent = Instant::now();
        let result = async {
            let response = http.execute(request).await?;
            read(response).await
        }
        .instrument(span.clone())
        .await;
        let latency_ms = millis(sent.elapsed());
        span.record("latency_ms", latency_ms);
        if let Some(operation) = operation {
            match &result {
                Ok(answer) => config.count(operation, answer.status.as_str()),
                Err(_) => config.count(operation, "error"),
            }
        }
        let decoded = decode_success(&result, decode);
        // classify
        let garbled = matches!(&decoded, Some(Err(undecoded)) if undecoded.garbled);
        let class = classify(name, attempt, &result, garbled);
        if matches!(class, Class::Throttled(_) | Class::ThrottledWithQuota(_)) {
            report.throttled += 1;
        }
        if let Some(permit) = permit {
            permit.answered(class == Class::Success);
        }
        if let Some(limiter) = limiter {
            match class {
                Class::ThrottledWithQuota(quota) => {
                    tracing::warn!(
                        parent: &span,
                        calls = quota.calls,
                        window_s = quota.window.as_secs(),
                        "the service's quota is reached; holding this operation's requests for one window"
                    );
                    limiter.throttled_with(quota);
                }
                Class::Throttled(_) => limiter.throttled(),
                _ => {}
            }
        }
        // retry
        let next = if last {
            Next::Return
        } else {
            retry(policy, &class, attempt, &clock, limiter.is_some())
        };
        match (&result, next) {
            (Ok(answer), Next::Return) => {
                span.record("status", answer.status.as_u16());
                span.record("request_id", answer.request_id());
                if answer.status.is_success() {
                    tracing::info!(parent: &span, status = answer.status.as_u16(), request_id = answer.request_id(), latency_ms, "request succeeded");
                } else {
                    tracing::warn!(parent: &span, status = answer.status.as_u16(), request_id = answer.request_id(), latency_ms, "request failed");
                }
                return Ok(Outcome {
                    result,
                    decoded,
                    report,
                });
            }
            (Err(error), Next::Return) => {
                tracing::warn!(parent: &span, latency_ms, error = %error, "request failed");
                return Ok(Outcome {
                    result,
                    decoded,
                    report,
                });
            }
            (_, Next::Retry { wait, asked }) => {
                let wait_ms = millis(wait);
                match &result {
                    Ok(answer) => {
                        span.record("status", answer.status.as_u16());
                        span.record("request_id", answer.request_id());
                        tracing::warn!(parent: &span, status = answer.status.as_u16(), request_id = answer.request_id(), latency_ms, wait_ms, class = ?class, "retrying");
                    }
                    Err(error) => {
                        tracing::warn!(parent: &span, latency_ms, error = %error, wait_ms, "transport error; retrying");
                    }
                }
                if asked {
                    clock.exclude(wait);
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// The budget phase: waits for a place in the operation's budget.
async fn budget<'l>(
    limiter: &'l Limiter,
    name: &str,
    attempt: u32,
    clock: &mut CallClock,
    report: &mut CallReport,
) -> crate::budget::Permit<'l> {
    let (permit, waited) = limiter.acquire().await;
    if !waited.time.is_zero() {
        clock.exclude(waited.time);
        report.budget_wait += waited.time;
        tracing::info!(
            operation = name,
            attempt,
            wait_ms = millis(waited.time),
            "waited for the request budget"
        );
    }
    permit
}

/// The read phase: the whole body, so that one cut short fails here.
async fn read(response: reqwest::Response) -> Result<Answer, reqwest::Error> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    Ok(Answer {
        status,
        version,
        headers,
        body,
    })
}

/// The body of a success answer, decoded.
fn decode_success<T>(
    result: &Result<Answer, reqwest::Error>,
    decode: &(dyn Fn(&Answer) -> Decoded<T> + Sync),
) -> Option<Decoded<T>> {
    match result {
        Ok(answer) if answer.status.is_success() => Some(decode(answer)),
        _ => None,
    }
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
    let retry_after = crate::retry::retry_after(&answer.headers, std::time::SystemTime::now());
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

/// The retry phase: whether, and after what wait, to try again.
/// `budgeted` when the operation has a budget, whose phase waits out a
/// quota the service named.
pub(crate) fn retry(
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
/// taken out.
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
    fn left(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_sub(self.spent()))
    }

    /// Whether waiting `wait` still leaves time before the deadline.
    fn fits(&self, wait: Duration) -> bool {
        self.deadline
            .is_none_or(|d| self.spent().checked_add(wait).is_some_and(|end| end < d))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Whether a success answer is garbled: its body is not JSON although it
/// has one, or its `Content-Type` says JSON. (The client calls only
/// operations whose success answer is JSON.)
fn is_garbled(answer: &Answer) -> bool {
    let claims_json = answer
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    (claims_json || !answer.body.is_empty())
        && serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body).is_err()
}

/// Transport failures worth another attempt: everything except errors in
/// building the request and redirect loops. A body cut short counts as a
/// transport failure (reqwest reports it as a decode error of the body).
fn is_retryable_error(error: &reqwest::Error) -> bool {
    !error.is_builder() && !error.is_redirect()
}

/// The sign phase: sets the headers of one attempt and signs it.
///
/// It drops progenitor's `api-version` header (the official SDK does not
/// send it); sets `Host` (with the port when it is not the scheme's
/// default), `Content-Type: application/json` and `User-Agent` as the SDK
/// does, `X-Project-Id`, and, by credentials, `X-Sdk-Date`,
/// `X-Security-Token` and `Authorization` (AK/SK) or `X-Auth-Token` (IAM
/// token). The URL's query is already the canonical query string, so the
/// URL sent is exactly the one signed.
pub(crate) fn sign(config: &Config, signing: Option<&Signing>, request: &mut reqwest::Request) {
    sign_with(signing, config.project_id.as_deref(), config.now(), request);
}

/// The sign phase for any request: `X-Project-Id` when `project_id` is
/// given, and the key's headers and signature dated `now`.
pub(crate) fn sign_with(
    signing: Option<&Signing>,
    project_id: Option<&str>,
    now: std::time::SystemTime,
    request: &mut reqwest::Request,
) {
    let host = request
        .url()
        .host_str()
        .map(|host| match request.url().port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        });
    let headers = request.headers_mut();
    headers.remove("api-version");
    if let Some(value) = host.and_then(|h| HeaderValue::from_str(&h).ok()) {
        headers.insert(reqwest::header::HOST, value);
    }
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        reqwest::header::USER_AGENT,
        HeaderValue::from_static(USER_AGENT),
    );
    if let Some(value) = project_id.and_then(|p| HeaderValue::from_str(p).ok()) {
        headers.insert(HeaderName::from_static("x-project-id"), value);
    }
    let Some(signing) = signing else {
        return;
    };
    match &signing.credentials {
        Credentials::IamToken(token) => {
            insert_secret(headers, "x-auth-token", token.expose());
        }
        Credentials::AkSk { security_token, .. } => {
            let date = SdkDate::from_system_time(now);
            if let Ok(value) = HeaderValue::from_str(date.as_str()) {
                headers.insert(HeaderName::from_static("x-sdk-date"), value);
            }
            if let Some(token) = security_token {
                insert_secret(headers, "x-security-token", token.expose());
            }
            if let Some(signer) = &signing.signer {
                let header_list: Vec<(String, String)> = request
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.as_str().to_string(),
                            String::from_utf8_lossy(value.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                let query = decode_query(request.url().query().unwrap_or(""));
                let signature = signer.sign(
                    &SignableRequest {
                        method: request.method().as_str(),
                        path: request.url().path(),
                        query: &query,
                        headers: &header_list,
                        body: request
                            .body()
                            .and_then(reqwest::Body::as_bytes)
                            .unwrap_or_default(),
                    },
                    &date,
                );
                insert_secret(
                    request.headers_mut(),
                    "authorization",
                    signature.authorization(),
                );
            }
        }
    }
}

fn insert_secret(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(mut value) = HeaderValue::from_str(value) {
        value.set_sensitive(true);
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// Rewrites a URL's query to the canonical query string.
pub fn canonicalize_query(url: &mut reqwest::Url) {
    let pairs = decode_query(url.query().unwrap_or(""));
    let canonical = canonical_query(&pairs);
    url.set_query((!canonical.is_empty()).then_some(canonical.as_str()));
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // The read phase tells a garbled success body; classify sees it.
        let class = |result: &Result<Answer, reqwest::Error>| {
            let garbled = result.as_ref().ok().is_some_and(|a| {
                a.status.is_success() && decode_as::<serde_json::Value>(a).is_err_and(|u| u.garbled)
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
            retry(&policy, &Class::Throttled(Some(sixty)), 1, &clock, true),
            Next::Retry {
                wait: sixty,
                asked: true
            }
        );
        assert_eq!(
            retry(
                &policy,
                &Class::Throttled(Some(sixty + Duration::from_secs(1))),
                1,
                &clock,
                true
            ),
            Next::Return
        );
        assert_eq!(retry(&policy, &Class::Final, 1, &clock, true), Next::Return);
    }

    #[test]
    fn a_named_quota_is_waited_out_by_the_budget_or_without_one_here() {
        let policy = RetryPolicy::default();
        let clock = CallClock::start(&policy);
        let quota = crate::budget::Quota::new(5, Duration::from_secs(60));
        let class = Class::ThrottledWithQuota(quota);
        assert_eq!(
            retry(&policy, &class, 1, &clock, true),
            Next::Retry {
                wait: Duration::ZERO,
                asked: true
            }
        );
        assert_eq!(
            retry(&policy, &class, 1, &clock, false),
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
