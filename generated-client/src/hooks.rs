//! The state the generated client carries, and the hooks progenitor calls
//! around every request: validation before anything is sent, then the retry
//! loop, which prepares, signs and sends every attempt afresh.
//!
//! Per attempt the hooks:
//!
//! - drop progenitor's `api-version` header (the official SDK does not send
//!   it);
//! - rewrite the URL's query to the canonical query string, so that the
//!   URL actually sent is exactly the one that was signed;
//! - set `Host` (with the port when it is not the scheme's default),
//!   `Content-Type: application/json` and `User-Agent` as the SDK does,
//!   `X-Project-Id`, and, by credentials, `X-Sdk-Date`, `X-Security-Token`
//!   and `Authorization` (AK/SK) or `X-Auth-Token` (IAM token);
//! - open one `tracing` span named `hss_request` with the operation,
//!   attempt, status, request id and latency. No header value is logged.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue};
use tracing::Instrument;

use crate::credentials::Credentials;
use crate::error::{ApiError, Error, is_retryable_status};
use crate::generated::Client;
use crate::operations::Operation;
use crate::retry::RetryPolicy;
use crate::signer::{SdkDate, SignableRequest, Signer, canonical_query, decode_query};
use crate::validate::validate_url;

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("hss-client-rust/", env!("CARGO_PKG_VERSION"));

/// A clock: returns the current time. Tests replace it to see that every
/// attempt gets a new `X-Sdk-Date`.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Per-client state handed to the hooks: credentials, project id, retry
/// policy. `Hooks::default()` sends unsigned requests without a project id
/// and retries by [`RetryPolicy::default`].
#[derive(Clone, Default)]
pub struct Hooks {
    config: Arc<Config>,
}

#[derive(Default)]
struct Config {
    credentials: Option<Credentials>,
    signer: Option<Signer>,
    project_id: Option<String>,
    retry: RetryPolicy,
    clock: Option<Clock>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("credentials", &self.config.credentials)
            .field("project_id", &self.config.project_id)
            .field("retry", &self.config.retry)
            .finish_non_exhaustive()
    }
}

impl Hooks {
    /// Hooks that authenticate with `credentials`, send `X-Project-Id`
    /// when a project id is given, and retry by `retry`.
    pub fn new(
        credentials: Option<Credentials>,
        project_id: Option<String>,
        retry: RetryPolicy,
    ) -> Self {
        let signer = match &credentials {
            Some(Credentials::AkSk { ak, sk, .. }) => Some(Signer::new(ak.clone(), sk.clone())),
            _ => None,
        };
        Self {
            config: Arc::new(Config {
                credentials,
                signer,
                project_id,
                retry,
                clock: None,
            }),
        }
    }

    /// Replaces the clock that dates each attempt's signature.
    pub fn with_clock(self, clock: Clock) -> Self {
        let config = &self.config;
        Self {
            config: Arc::new(Config {
                credentials: config.credentials.clone(),
                signer: config.signer.clone(),
                project_id: config.project_id.clone(),
                retry: config.retry.clone(),
                clock: Some(clock),
            }),
        }
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.config.retry
    }

    fn now(&self) -> SystemTime {
        self.config
            .clock
            .as_ref()
            .map_or_else(SystemTime::now, |clock| clock())
    }

    /// Sets the headers of one attempt and signs it.
    fn prepare(&self, request: &mut reqwest::Request) {
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
        if let Some(value) = self
            .config
            .project_id
            .as_deref()
            .and_then(|p| HeaderValue::from_str(p).ok())
        {
            headers.insert(HeaderName::from_static("x-project-id"), value);
        }
        match &self.config.credentials {
            None => {}
            Some(Credentials::IamToken(token)) => {
                insert_secret(headers, "x-auth-token", token.expose());
            }
            Some(Credentials::AkSk { security_token, .. }) => {
                let date = SdkDate::from_system_time(self.now());
                if let Ok(value) = HeaderValue::from_str(date.as_str()) {
                    headers.insert(HeaderName::from_static("x-sdk-date"), value);
                }
                if let Some(token) = security_token {
                    insert_secret(headers, "x-security-token", token.expose());
                }
                if let Some(signer) = &self.config.signer {
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

    /// The retry loop behind [`ClientHooks::exec`].
    async fn execute(
        &self,
        client: &reqwest::Client,
        mut template: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        canonicalize_query(template.url_mut());
        let policy = &self.config.retry;
        let started = Instant::now();
        // A deadline too far away to represent is no deadline.
        let deadline = policy.deadline.and_then(|d| started.checked_add(d));
        let max_attempts = policy.max_attempts.max(1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            record(|state| {
                state.attempts = attempt;
            });
            let last = attempt >= max_attempts;
            let Some(mut request) = template.try_clone() else {
                // A streaming body cannot be sent twice; the HSS operations
                // have none, but be safe: send it once, unretried.
                self.prepare(&mut template);
                return client.execute(template).await;
            };
            self.prepare(&mut request);
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                let limit = request.timeout().map_or(left, |t| (*t).min(left));
                *request.timeout_mut() = Some(limit);
            }
            let span = tracing::info_span!(
                "hss_request",
                operation,
                attempt,
                method = %request.method(),
                path = request.url().path(),
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let sent = Instant::now();
            let result = async {
                let response = client.execute(request).await?;
                // Read the whole body here, so that a body cut short is
                // retried like any other transport failure.
                let status = response.status();
                let version = response.version();
                let headers = response.headers().clone();
                let body = response.bytes().await?;
                let mut rebuilt = http::Response::new(body);
                *rebuilt.status_mut() = status;
                *rebuilt.version_mut() = version;
                *rebuilt.headers_mut() = headers;
                Ok::<_, reqwest::Error>(rebuilt)
            }
            .instrument(span.clone())
            .await;
            let latency_ms = u64::try_from(sent.elapsed().as_millis()).unwrap_or(u64::MAX);
            span.record("latency_ms", latency_ms);
            match result {
                Ok(response) => {
                    let status = response.status();
                    let request_id = response
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    span.record("status", status.as_u16());
                    span.record("request_id", request_id.as_str());
                    if status.is_success() && !last && is_garbled(&response) {
                        // A 2xx body that is not JSON: a garbled answer,
                        // worth another attempt.
                        let wait = policy.backoff(attempt);
                        if fits(deadline, wait) {
                            tracing::warn!(parent: &span, status = status.as_u16(), request_id, latency_ms, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "body is not JSON; retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    if status.is_success() {
                        tracing::info!(parent: &span, status = status.as_u16(), request_id, latency_ms, "request succeeded");
                        record(|state| state.status = Some(status.as_u16()));
                        return Ok(reqwest::Response::from(response));
                    }
                    if matches!(status.as_u16(), 429 | 503) {
                        record(|state| {
                            state.throttled += 1;
                            if let Some(signal) = &state.on_throttle {
                                signal();
                            }
                        });
                    }
                    if !last && is_retryable_status(status.as_u16()) {
                        let wait =
                            policy.wait_after(attempt, response.headers(), SystemTime::now());
                        if let Some(wait) = wait.filter(|wait| fits(deadline, *wait)) {
                            tracing::warn!(parent: &span, status = status.as_u16(), request_id, latency_ms, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "retryable status; retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    tracing::warn!(parent: &span, status = status.as_u16(), request_id, latency_ms, "request failed");
                    let api = ApiError::from_response(
                        operation,
                        attempt,
                        status,
                        response.headers(),
                        response.body(),
                    );
                    record(|state| {
                        state.status = Some(status.as_u16());
                        state.failure = Some(Error::Api(Box::new(api)));
                    });
                    return Ok(reqwest::Response::from(response));
                }
                Err(error) => {
                    if !last && is_retryable_error(&error) {
                        let wait = policy.backoff(attempt);
                        if fits(deadline, wait) {
                            tracing::warn!(parent: &span, latency_ms, error = %error, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "transport error; retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    tracing::warn!(parent: &span, latency_ms, error = %error, "request failed");
                    return Err(error);
                }
            }
        }
    }
}

/// Whether a success answer is garbled: its body is not JSON although it
/// has one, or its `Content-Type` says JSON. (The client calls only
/// operations whose success answer is JSON.)
fn is_garbled<B: AsRef<[u8]>>(response: &http::Response<B>) -> bool {
    let body = response.body().as_ref();
    let claims_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    (claims_json || !body.is_empty())
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
}

/// Whether waiting `wait` still leaves time before the deadline.
fn fits(deadline: Option<Instant>, wait: Duration) -> bool {
    deadline.is_none_or(|d| Instant::now().checked_add(wait).is_some_and(|end| end < d))
}

/// Transport failures worth another attempt: everything except errors in
/// building the request and redirect loops. A body cut short counts as a
/// transport failure (reqwest reports it as a decode error of the body).
fn is_retryable_error(error: &reqwest::Error) -> bool {
    !error.is_builder() && !error.is_redirect()
}

fn insert_secret(headers: &mut reqwest::header::HeaderMap, name: &'static str, value: &str) {
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

impl ClientHooks<Hooks> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let Some(operation) = Operation::from_method_name(info.operation_id) else {
            return Ok(());
        };
        validate_url(operation, request.url()).map_err(|error| {
            let message = error.to_string();
            record(|state| state.failure = Some(error));
            progenitor_client::Error::Custom(message)
        })
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let operation = Operation::from_method_name(info.operation_id)
            .map_or(info.operation_id, Operation::operation_id);
        self.inner()
            .execute(self.client(), request, operation)
            .await
    }
}

/// Called as soon as an attempt is answered 429 or 503, before the wait
/// for the next attempt.
pub(crate) type ThrottleSignal = Arc<dyn Fn() + Send + Sync>;

/// What one call learned on its way, read back by `call()`.
#[derive(Default)]
pub(crate) struct CallState {
    pub(crate) attempts: u32,
    pub(crate) status: Option<u16>,
    pub(crate) failure: Option<Error>,
    /// Attempts answered 429 or 503.
    pub(crate) throttled: u32,
    pub(crate) on_throttle: Option<ThrottleSignal>,
}

impl fmt::Debug for CallState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallState")
            .field("attempts", &self.attempts)
            .field("status", &self.status)
            .field("failure", &self.failure)
            .field("throttled", &self.throttled)
            .finish_non_exhaustive()
    }
}

tokio::task_local! {
    static CALL: RefCell<CallState>;
}

/// Updates the current call's state, when the call runs inside [`scoped`].
fn record(update: impl FnOnce(&mut CallState)) {
    let _ = CALL.try_with(|state| update(&mut state.borrow_mut()));
}

/// Runs a call with its own [`CallState`] and returns both.
pub(crate) async fn scoped<F: Future>(future: F) -> (F::Output, CallState) {
    scoped_with(None, future).await
}

/// [`scoped`], calling `on_throttle` whenever an attempt is answered 429 or
/// 503.
pub(crate) async fn scoped_with<F: Future>(
    on_throttle: Option<ThrottleSignal>,
    future: F,
) -> (F::Output, CallState) {
    let state = CallState {
        on_throttle,
        ..CallState::default()
    };
    CALL.scope(RefCell::new(state), async move {
        let output = future.await;
        let state = CALL
            .try_with(|state| std::mem::take(&mut *state.borrow_mut()))
            .unwrap_or_default();
        (output, state)
    })
    .await
}
