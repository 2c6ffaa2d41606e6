//! [`HssClient`]: the generated client configured once with endpoint,
//! project id, credentials, timeouts and retry policy.

use std::time::Duration;

use progenitor_client::ClientInfo;

use crate::budget::{Budget, ENV_RATE_LIMIT};
use crate::credentials::{Credentials, ENV_PROJECT_ID, required};
use crate::error::Error;
use crate::generated::Client;
use crate::hooks::{Clock, Hooks, USER_AGENT};
use crate::region::{Endpoint, Region};
use crate::retry::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, RetryPolicy};

/// Environment variable [`HssClient::from_env`] reads the region id from.
/// (The official SDKs take the region in code; this name is this crate's.)
pub const ENV_REGION: &str = "HUAWEICLOUD_SDK_REGION";

/// An HSS client. Calls never ask for the project id or credentials again:
/// it has one method per operation of the spec (generated, in
/// [`crate::operations`]), named as the generated client's, that returns the
/// request builder with the project id and the spec's defaults filled in,
/// and the hooks sign every attempt.
///
/// ```no_run
/// use hss_client::prelude::*;
///
/// # async fn demo() -> Result<(), hss_client::Error> {
/// let client = HssClient::builder()
///     .region(Region::CnNorth4)
///     .project_id("0123456789abcdef0123456789abcdef")
///     .credentials(Credentials::ak_sk("AK", "SK")?)
///     .build()?;
/// let page = client.list_cluster_events().limit(50).call().await?;
/// println!("{} events", page.total_num.unwrap_or(0));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct HssClient {
    client: Client,
    project_id: String,
    endpoint: Endpoint,
}

impl HssClient {
    /// A builder with nothing set but the default timeouts and retry policy.
    pub fn builder() -> HssClientBuilder {
        HssClientBuilder::default()
    }

    /// A client configured from the environment: credentials as
    /// [`Credentials::from_env`] reads them, the project id from
    /// `HUAWEICLOUD_SDK_PROJECT_ID` and the region id from
    /// `HUAWEICLOUD_SDK_REGION` (its endpoint overridable by
    /// `HUAWEICLOUD_SDK_REGION_HSS_<REGION>`), and the request budget from
    /// `HSS_RATE_LIMIT` when it is set ([`Budget`]'s text: `5/60s`, `off`,
    /// `spec`). A missing or empty variable is an error that names it.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`HssClient::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let credentials = Credentials::from_lookup(&lookup)?;
        let project_id = required(&lookup, ENV_PROJECT_ID)?;
        let region_id = required(&lookup, ENV_REGION)?;
        let region: Region = region_id
            .parse()
            .map_err(|e| Error::Config(format!("environment variable {ENV_REGION}: {e}")))?;
        let endpoint = region.endpoint_with(&lookup)?;
        Self::builder()
            .endpoint(endpoint)
            .project_id(project_id)
            .credentials(credentials)
            .budget(budget_from(&lookup)?)
            .build()
    }

    /// The generated client underneath.
    pub fn generated(&self) -> &Client {
        &self.client
    }

    /// The configured project id.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The request budget it keeps to.
    pub fn budget(&self) -> Budget {
        self.client.inner().budget()
    }

    /// The calls per window it sends `operation` at now: the budget's, or
    /// lower once the service named a stricter quota. `None` without one.
    pub fn quota(&self, operation: crate::Operation) -> Option<crate::budget::Quota> {
        self.client.inner().config().limiters.of(operation)?.quota()
    }

    /// The requests of `operation` that still count against its budget,
    /// oldest first ([`crate::budget::Limiter::recent`]); keep them to
    /// pass to [`HssClient::remember_requests`] after a restart.
    pub fn recent_requests(&self, operation: crate::Operation) -> Vec<crate::budget::Observation> {
        self.client
            .inner()
            .config()
            .limiters
            .of(operation)
            .map(crate::budget::Limiter::recent)
            .unwrap_or_default()
    }

    /// Counts requests of `operation` an earlier process made against the
    /// budget, so that a restarted process stays inside it
    /// ([`crate::budget::Limiter::remember`]).
    pub fn remember_requests(
        &self,
        operation: crate::Operation,
        requests: &[crate::budget::Observation],
    ) {
        if let Some(limiter) = self.client.inner().config().limiters.of(operation) {
            limiter.remember(requests);
        }
    }

    /// Tells `observer` of every request of every operation with a
    /// budget, as it takes its place before it is sent, and when it is
    /// answered ([`crate::budget::Limiter::observe`]).
    pub fn observe_requests(&self, observer: crate::budget::Observer) {
        for &operation in crate::Operation::ALL {
            if let Some(limiter) = self.client.inner().config().limiters.of(operation) {
                limiter.observe(observer.clone());
            }
        }
    }

    /// How long requests of `operation` have waited for the budget in all.
    pub fn budget_waited(&self, operation: crate::Operation) -> Duration {
        self.client
            .inner()
            .config()
            .limiters
            .of(operation)
            .map_or(Duration::ZERO, |l| l.waited().1)
    }

    /// The answers the client has had, by operation and status (`"200"`,
    /// `"429"`, ...; `"error"` for a transport failure), every attempt
    /// counted.
    pub fn answers(&self) -> Vec<(crate::Operation, String, u64)> {
        self.client.inner().config().answers()
    }
}

/// The budget `HSS_RATE_LIMIT` sets, else the spec's.
pub fn budget_from(lookup: impl Fn(&str) -> Option<String>) -> Result<Budget, Error> {
    match lookup(ENV_RATE_LIMIT).filter(|v| !v.trim().is_empty()) {
        None => Ok(Budget::Spec),
        Some(text) => text
            .parse()
            .map_err(|e| Error::Config(format!("environment variable {ENV_RATE_LIMIT}: {e}"))),
    }
}

/// Builds an [`HssClient`]. Required: a region or an endpoint, the project
/// id and credentials. Optional: timeouts, the retry policy and the
/// request budget.
#[derive(Clone, Debug)]
pub struct HssClientBuilder {
    region: Option<Region>,
    endpoint: Option<Endpoint>,
    project_id: Option<String>,
    credentials: Option<Credentials>,
    connect_timeout: Duration,
    read_timeout: Duration,
    retry: RetryPolicy,
    clock: Option<ClockDebug>,
    budget: Budget,
}

#[derive(Clone)]
struct ClockDebug(Clock);

impl std::fmt::Debug for ClockDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

impl Default for HssClientBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            project_id: None,
            credentials: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            retry: RetryPolicy::default(),
            clock: None,
            budget: Budget::Spec,
        }
    }
}

impl HssClientBuilder {
    /// Sends requests to this region's endpoint (or its override variable,
    /// see [`Region::endpoint`]).
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Sends requests to a custom base URL; it wins over
    /// [`HssClientBuilder::region`].
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// The project id (checked against the spec's `project_id` path
    /// parameter).
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Read timeout: the longest wait for more of a response (default 30 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The request budget (default [`Budget::Spec`]: each operation's
    /// documented rate limit). Every clone of the client shares it.
    pub fn budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// Replaces the clock that dates signatures (for tests).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(ClockDebug(clock));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<HssClient, Error> {
        let endpoint = match (self.endpoint, self.region) {
            (Some(endpoint), _) => endpoint,
            (None, Some(region)) => region.endpoint()?,
            (None, None) => {
                return Err(Error::Config(
                    "no endpoint: set a region or a custom endpoint".into(),
                ));
            }
        };
        let project_id = self
            .project_id
            .ok_or_else(|| Error::Config("no project id: set project_id".into()))?;
        if let Some(parameter) = crate::spec::project_id_parameter() {
            crate::validate::check_value(parameter, &project_id).map_err(|allowed| {
                Error::Config(format!(
                    "the project id must be {allowed}, got {} characters",
                    project_id.chars().count()
                ))
            })?;
        }
        crate::credentials::header_safe(&project_id, "the project id")?;
        let credentials = self
            .credentials
            .ok_or_else(|| Error::Config("no credentials: set AK/SK or an IAM token".into()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let hooks = Hooks::with(
            Some(credentials),
            Some(project_id.clone()),
            self.retry,
            self.clock.map(|ClockDebug(clock)| clock),
            self.budget,
        );
        Ok(HssClient {
            client: Client::new_with_client(&endpoint.base_url(), http, hooks),
            project_id,
            endpoint,
        })
    }
}
