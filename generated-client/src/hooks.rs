//! The state the generated client carries ([`Hooks`]: credentials,
//! project id, retry policy, the request budget) and the hooks progenitor
//! calls when a generated builder's own `send` is used.
//!
//! `hss-client`'s `.call()` and `.stream()` do not go through these hooks:
//! they build the request with the builder (`into_request`) and run it
//! through [`crate::pipeline`] themselves, which returns a typed error. A
//! caller of the generated `send` gets the same pipeline through
//! [`ClientHooks::exec`] (validation in `pre`), with progenitor's error
//! type.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::budget::{Budget, Limiters};
use crate::credentials::Credentials;
use crate::generated::Client;
use crate::operations::Operation;
use crate::provider::refresh::Keys;
use crate::retry::RetryPolicy;
use crate::validate::validate_url;

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("hss-client-rust/", env!("CARGO_PKG_VERSION"));

/// A clock: returns the current time. Tests replace it to see that every
/// attempt gets a new `X-Sdk-Date`.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Per-client state handed to the hooks: credentials, project id, retry
/// policy and the request budget, shared by every clone. `Hooks::default()`
/// sends unsigned requests without a project id, retries by
/// [`RetryPolicy::default`] and keeps to the spec's budget.
#[derive(Clone)]
pub struct Hooks {
    config: Arc<Config>,
}

pub(crate) struct Config {
    /// The key each attempt is signed with.
    pub(crate) keys: Keys,
    pub(crate) project_id: Option<String>,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Option<Clock>,
    pub(crate) limiters: Limiters,
    /// Answers by operation and status.
    pub(crate) counts: std::sync::Mutex<std::collections::BTreeMap<(Operation, String), u64>>,
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks::new(None, None, RetryPolicy::default())
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("keys", &self.config.keys)
            .field("project_id", &self.config.project_id)
            .field("retry", &self.config.retry)
            .field("budget", &self.config.limiters.budget())
            .finish_non_exhaustive()
    }
}

impl Hooks {
    /// Hooks that authenticate with `credentials`, send `X-Project-Id`
    /// when a project id is given, retry by `retry` and keep to the spec's
    /// budget.
    pub fn new(
        credentials: Option<Credentials>,
        project_id: Option<String>,
        retry: RetryPolicy,
    ) -> Self {
        Self::with(credentials, project_id, retry, None, Budget::Spec)
    }

    pub(crate) fn with(
        credentials: Option<Credentials>,
        project_id: Option<String>,
        retry: RetryPolicy,
        clock: Option<Clock>,
        budget: Budget,
    ) -> Self {
        let keys = match credentials {
            Some(credentials) => Keys::fixed(credentials),
            None => Keys::none(),
        };
        Self::with_keys(keys, project_id, retry, clock, budget)
    }

    pub(crate) fn with_keys(
        keys: Keys,
        project_id: Option<String>,
        retry: RetryPolicy,
        clock: Option<Clock>,
        budget: Budget,
    ) -> Self {
        Self {
            config: Arc::new(Config {
                keys,
                project_id,
                retry,
                clock,
                limiters: Limiters::new(budget),
                counts: std::sync::Mutex::new(std::collections::BTreeMap::new()),
            }),
        }
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.config.retry
    }

    /// The request budget.
    pub fn budget(&self) -> Budget {
        self.config.limiters.budget()
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }
}

impl Config {
    /// Counts one answer of `operation` (`"error"` for a transport
    /// failure).
    pub(crate) fn count(&self, operation: Operation, status: &str) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *counts.entry((operation, status.to_string())).or_insert(0) += 1;
    }

    /// Every count so far.
    pub(crate) fn answers(&self) -> Vec<(Operation, String, u64)> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|((op, status), n)| (*op, status.clone(), *n))
            .collect()
    }

    /// The wall-clock time that dates signatures.
    pub(crate) fn now(&self) -> SystemTime {
        self.clock
            .as_ref()
            .map_or_else(SystemTime::now, |clock| clock())
    }
}

impl ClientHooks<Hooks> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if let Some(operation) = Operation::from_method_name(info.operation_id) {
            validate_url(operation, request.url())
                .map_err(|error| progenitor_client::Error::Custom(error.to_string()))?;
        }
        // A key that cannot be had fails here, with its reason.
        self.inner()
            .config()
            .keys
            .current()
            .await
            .map(drop)
            .map_err(|error| progenitor_client::Error::Custom(error.to_string()))
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let operation = Operation::from_method_name(info.operation_id);
        // progenitor decodes the body itself; the pipeline only tells a
        // garbled one, to try again.
        let outcome = crate::pipeline::attempts(
            self.inner(),
            self.client(),
            request,
            operation,
            info.operation_id,
            &crate::pipeline::decode_as::<serde::de::IgnoredAny>,
        )
        .await;
        match outcome {
            Ok(outcome) => outcome.result.map(crate::pipeline::Answer::into_response),
            // The key was had in `pre`; it can only be lost between two
            // attempts. progenitor's transport error cannot carry the
            // reason, so the answer is a local 401 that names it.
            Err(error) => Ok(unsigned_answer(&error)),
        }
    }
}

/// The answer of an attempt that could not be signed: a local `401` whose
/// body names the reason, in the service's error shape.
fn unsigned_answer(error: &crate::Error) -> reqwest::Response {
    let body = serde_json::json!({
        "error_code": "HSS-CLIENT.CREDENTIALS",
        "error_msg": error.to_string(),
    })
    .to_string();
    let answer = http::Response::builder()
        .status(http::StatusCode::UNAUTHORIZED)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.clone());
    match answer {
        Ok(answer) => reqwest::Response::from(answer),
        Err(_) => reqwest::Response::from(http::Response::new(body)),
    }
}
