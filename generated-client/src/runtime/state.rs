//! [`ClientState`]: what one client holds, shared by its clones and
//! carried by the generated client: the keys it signs with, its project
//! id, retry policy and clock, the request budget of every operation, and
//! the count of its answers. It imports no generated code; the hooks that
//! progenitor's client calls are in `crate::client::hooks`.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use super::budget::{Budget, Limiters};
use super::retry::RetryPolicy;
use crate::auth::cache::Keys;
use crate::spec::Operation;
use crate::time::Clock;

/// Per-client state: credentials, project id, retry policy and the request
/// budget, shared by every clone. `ClientState::default()` sends unsigned
/// requests without a project id (for the generated client on its own,
/// against a stub), retries by [`RetryPolicy::default`] and keeps to the
/// spec's budget.
#[derive(Clone)]
pub struct ClientState {
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

impl Default for ClientState {
    fn default() -> Self {
        ClientState::with_keys(
            Keys::none(),
            None,
            RetryPolicy::default(),
            None,
            Budget::Spec,
        )
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field("keys", &self.config.keys)
            .field("project_id", &self.config.project_id)
            .field("retry", &self.config.retry)
            .field("budget", &self.config.limiters.budget())
            .finish_non_exhaustive()
    }
}

impl ClientState {
    /// The state of a client that signs with `keys`, sends its project id
    /// when it has one, retries by `retry`, dates requests by `clock` (the
    /// system's when `None`) and keeps to `budget`.
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
