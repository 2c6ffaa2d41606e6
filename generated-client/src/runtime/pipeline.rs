//! The request pipeline: every call goes through the same named phases,
//! as smithy-rs's orchestrator runs its interceptors (`try_op` →
//! `try_attempt`). [`call`] is the operation; [`attempts`] runs one
//! attempt after another, each a sequence of phase functions:
//!
//! 1. **validate**: the URL is checked against the operation's parameters
//!    in the spec ([`crate::validate`]); a request that breaks one is never
//!    sent.
//! 2. **budget**: the attempt waits for a place in the operation's request
//!    budget ([`super::budget`]). The wait is not a retry: it spends
//!    neither attempts nor the retry deadline, and a `tracing` event says
//!    how long it was.
//! 3. **credentials**: the key to sign with, fetched again first when a
//!    temporary one is close to its expiry ([`crate::auth::cache`]);
//!    without a valid key the attempt is not sent, and the call fails with
//!    [`Error::Credentials`].
//! 4. **sign**: the attempt is dated and signed afresh
//!    ([`crate::auth::sign`]).
//! 5. **send** and 6. **read**: it is sent, the whole body read, so that
//!    a body cut short is retried like any other transport failure, and a
//!    success body decoded into its type, once.
//! 7. **classify** and 8. **retry** ([`super::retry`]): what the answer
//!    means, and whether to return it or try again after a wait.
//!
//! The deadline of a call ([`RetryPolicy::deadline`]) bounds the time spent
//! on attempts and on backoff between them; waits the service asks for (a
//! `Retry-After` up to [`RetryPolicy::max_retry_after`], or the window of
//! its quota) and waits for the budget do not count against it. Time and
//! sleep come from tokio's clock, so tests can pause it.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;
use tracing::Instrument;

use super::answer::Answer;
use super::budget::{Limiter, Permit};
use super::retry::{CallClock, Class, Next, classify, decide};
use super::state::{ClientState, Config};
use crate::auth::cache::Signing;
use crate::auth::sign::{canonicalize_query, sign_with};
use crate::error::{ApiError, Error};
use crate::spec::Operation;

/// What a call went through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CallReport {
    /// Attempts sent (1 for the first).
    pub(crate) attempts: u32,
    /// Attempts answered 429 or 503.
    pub(crate) throttled: u32,
    /// Time spent waiting for the budget.
    pub(crate) budget_wait: Duration,
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

/// How a success body is decoded.
pub(crate) type Decoder<'d, T> = &'d (dyn Fn(&Answer) -> Decoded<T> + Sync);

/// The typed result of a call: the successful answer decoded into `T`,
/// or the error (an error status as [`Error::Api`]).
pub(crate) async fn call<T: serde::de::DeserializeOwned>(
    state: &ClientState,
    http: &reqwest::Client,
    request: reqwest::Request,
    operation: Operation,
) -> Result<Success<T>, Error> {
    // validate
    crate::validate::validate_url(operation, request.url())?;
    let name = operation.operation_id();
    let outcome = attempts(state, http, request, Some(operation), name, &decode_as::<T>).await?;
    let attempt = outcome.report.attempts;
    match (outcome.result, outcome.decoded) {
        (Ok(answer), decoded) if answer.status.is_success() => Ok(Success {
            decoded: decoded.unwrap_or_else(|| decode_as::<T>(&answer)),
            body: answer.body,
            report: outcome.report,
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

/// The attempts of one call, until an answer is final or the policy says
/// stop: each goes through the budget, credentials, sign, send, read,
/// classify and retry phases. `name` names the operation in logs when it
/// is not one of the spec's.
pub(crate) async fn attempts<T>(
    state: &ClientState,
    http: &reqwest::Client,
    mut template: reqwest::Request,
    operation: Option<Operation>,
    name: &str,
    decode: Decoder<'_, T>,
) -> Result<Outcome<T>, Error> {
    let config = state.config();
    canonicalize_query(template.url_mut());
    let mut call = Call {
        config,
        http,
        name,
        operation,
        limiter: operation.and_then(|op| config.limiters.of(op)),
        clock: CallClock::start(&config.retry),
        report: CallReport::default(),
        template: Some(template),
    };
    loop {
        call.report.attempts += 1;
        let permit = call.budget().await;
        let signing = match config.keys.current().await {
            Ok(signing) => signing,
            Err(error) => {
                // Not sent: its place in the budget is given back as if it
                // had been.
                drop(permit);
                return Err(error);
            }
        };
        let Some((request, last)) = call.sign(signing) else {
            return Err(Error::Config(format!("{name}: the request is gone")));
        };
        let exchange = call.send(request, decode).await;
        let class = call.classify(&exchange, permit);
        let next = if last {
            Next::Return
        } else {
            decide(
                &config.retry,
                &class,
                call.report.attempts,
                &call.clock,
                call.limiter.is_some(),
            )
        };
        match next {
            Next::Return => return Ok(call.finish(exchange)),
            Next::Retry { wait, asked } => {
                call.retrying(&exchange, &class, wait, asked);
                drop(exchange);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// One call's attempts: what every phase reads and what it leaves for the
/// next attempt.
struct Call<'c> {
    config: &'c Config,
    http: &'c reqwest::Client,
    name: &'c str,
    operation: Option<Operation>,
    limiter: Option<&'c Limiter>,
    clock: CallClock,
    report: CallReport,
    /// The request every attempt is a copy of; taken by the one attempt of
    /// a request whose body cannot be copied.
    template: Option<reqwest::Request>,
}

/// One attempt's answer (or transport failure), with its body decoded
/// when it is a success, and what tracing knows of it.
struct Exchange<T> {
    result: Result<Answer, reqwest::Error>,
    decoded: Option<Decoded<T>>,
    span: tracing::Span,
    latency_ms: u64,
}

impl<'c> Call<'c> {
    /// The budget phase: waits for a place in the operation's budget.
    async fn budget(&mut self) -> Option<Permit<'c>> {
        let limiter = self.limiter?;
        let (permit, waited) = limiter.acquire().await;
        if !waited.time.is_zero() {
            self.clock.exclude(waited.time);
            self.report.budget_wait += waited.time;
            tracing::info!(
                operation = self.name,
                attempt = self.report.attempts,
                wait_ms = millis(waited.time),
                "waited for the request budget"
            );
        }
        Some(permit)
    }

    /// The sign phase: a copy of the request, dated and signed with
    /// `signing`, its time limit cut to what is left of the deadline; and
    /// whether it is the last attempt (the policy's last, or a request
    /// whose body cannot be copied, sent once).
    fn sign(&mut self, signing: Option<Arc<Signing>>) -> Option<(reqwest::Request, bool)> {
        let copy = self.template.as_ref().and_then(reqwest::Request::try_clone);
        let once = copy.is_none();
        let mut request = copy.or_else(|| self.template.take())?;
        let last = once || self.report.attempts >= self.config.retry.max_attempts.max(1);
        sign_with(
            signing.as_deref(),
            self.config.project_id.as_deref(),
            self.config.now(),
            &mut request,
        );
        if let Some(left) = self.clock.left() {
            let limit = request.timeout().map_or(left, |t| (*t).min(left));
            *request.timeout_mut() = Some(limit);
        }
        Some((request, last))
    }

    /// The send and read phases: the whole answer, counted by status, its
    /// success body decoded.
    async fn send<T>(&self, request: reqwest::Request, decode: Decoder<'_, T>) -> Exchange<T> {
        let span = tracing::info_span!(
            "hss_request",
            operation = self.name,
            attempt = self.report.attempts,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let sent = Instant::now();
        let result = async {
            let response = self.http.execute(request).await?;
            read(response).await
        }
        .instrument(span.clone())
        .await;
        let latency_ms = millis(sent.elapsed());
        span.record("latency_ms", latency_ms);
        if let Some(operation) = self.operation {
            match &result {
                Ok(answer) => self.config.count(operation, answer.status.as_str()),
                Err(_) => self.config.count(operation, "error"),
            }
        }
        let decoded = match &result {
            Ok(answer) if answer.status.is_success() => Some(decode(answer)),
            _ => None,
        };
        Exchange {
            result,
            decoded,
            span,
            latency_ms,
        }
    }

    /// The classify phase: what the answer means, told to the budget (the
    /// permit answered, a throttle noted).
    fn classify<T>(&mut self, exchange: &Exchange<T>, permit: Option<Permit<'c>>) -> Class {
        let garbled = matches!(&exchange.decoded, Some(Err(undecoded)) if undecoded.garbled);
        let class = classify(self.name, self.report.attempts, &exchange.result, garbled);
        if class.is_throttled() {
            self.report.throttled += 1;
        }
        if let Some(permit) = permit {
            permit.answered(class == Class::Success);
        }
        if let Some(limiter) = self.limiter {
            match &class {
                Class::ThrottledWithQuota(quota) => {
                    tracing::warn!(
                        parent: &exchange.span,
                        calls = quota.calls,
                        window_s = quota.window.as_secs(),
                        "the service's quota is reached; holding this operation's requests for one window"
                    );
                    limiter.throttled_with(*quota);
                }
                Class::Throttled(_) => limiter.throttled(),
                _ => {}
            }
        }
        class
    }

    /// The end of the call: its last answer, logged.
    fn finish<T>(&self, exchange: Exchange<T>) -> Outcome<T> {
        let Exchange {
            result,
            decoded,
            span,
            latency_ms,
        } = exchange;
        match &result {
            Ok(answer) => {
                let (status, request_id) = (answer.status.as_u16(), answer.request_id());
                span.record("status", status);
                span.record("request_id", request_id);
                if answer.status.is_success() {
                    tracing::info!(parent: &span, status, request_id, latency_ms, "request succeeded");
                } else {
                    tracing::warn!(parent: &span, status, request_id, latency_ms, "request failed");
                }
            }
            Err(error) => {
                tracing::warn!(parent: &span, latency_ms, error = %error, "request failed");
            }
        }
        Outcome {
            result,
            decoded,
            report: self.report,
        }
    }

    /// The wait before the next attempt, logged; a wait the service asked
    /// for is taken out of the deadline.
    fn retrying<T>(&mut self, exchange: &Exchange<T>, class: &Class, wait: Duration, asked: bool) {
        let (span, latency_ms, wait_ms) = (&exchange.span, exchange.latency_ms, millis(wait));
        match &exchange.result {
            Ok(answer) => {
                let (status, request_id) = (answer.status.as_u16(), answer.request_id());
                span.record("status", status);
                span.record("request_id", request_id);
                tracing::warn!(parent: span, status, request_id, latency_ms, wait_ms, class = ?class, "retrying");
            }
            Err(error) => {
                tracing::warn!(parent: span, latency_ms, error = %error, wait_ms, "transport error; retrying");
            }
        }
        if asked {
            self.clock.exclude(wait);
        }
    }
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

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> Answer {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type {
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_str(value).unwrap(),
            );
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            version: http::Version::HTTP_11,
            headers,
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn a_success_body_is_garbled_only_when_it_is_no_json_at_all() {
        let json = Some("application/json");
        assert!(decode_as::<serde_json::Value>(&answer(200, json, "{}")).is_ok());
        let garbled = decode_as::<serde_json::Value>(&answer(200, json, "<html>"));
        assert!(garbled.is_err_and(|u| u.garbled));
        // JSON of another shape is not garbled: it is read record by record.
        let shape = decode_as::<Vec<u8>>(&answer(200, json, "{}"));
        assert!(shape.is_err_and(|u| !u.garbled));
        // An empty body that does not claim JSON is no garbled answer.
        assert!(!is_garbled(&answer(200, None, "")));
    }
}
