//! [`HssClient`]: the generated client configured once with endpoint,
//! project id, credentials, timeouts and retry policy; [`environment`]:
//! the one loader of the environment; [`hooks`]: the hooks progenitor's
//! client calls.

pub(crate) mod environment;
pub(crate) mod hooks;

use std::time::Duration;

use progenitor_client::ClientInfo;

use crate::auth::cache::{Keys, Signing};
use crate::auth::credentials::{Credentials, header_safe};
use crate::auth::provider::{DEFAULT_IAM_ENDPOINT, ProvideCredentials, Provided};
use crate::error::Error;
use crate::generated::Client;
use crate::http::USER_AGENT;
use crate::region::{Endpoint, Region};
use crate::runtime::budget::{Budget, Limiter, Observation, Observer, Quota};
use crate::runtime::retry::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, RetryPolicy};
use crate::runtime::state::ClientState;
use crate::spec::Operation;
use crate::time::Clock;
use environment::Environment;

/// An HSS client. Calls never ask for the project id or credentials again:
/// it has one method per operation of the spec (generated, in
/// the generated `crate::presets`), named as the generated client's, that returns the
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
    region: Option<Region>,
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
    /// For credentials from a profile file, the ECS metadata service or
    /// OIDC federation as well, kept current while the client runs, see
    /// [`HssClient::from_default_chain`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`HssClient::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Environment::new(lookup);
        let credentials = env.credentials()?;
        let project_id = env.required(crate::vars::ENV_PROJECT_ID)?;
        let region = env.region()?;
        Self::builder()
            .region(region)
            .endpoint(env.endpoint(region)?)
            .project_id(project_id)
            .credentials(credentials)
            .budget(env.budget()?)
            .build()
    }

    /// A client configured from the environment as [`HssClient::from_env`]
    /// does, but with credentials from the default chain
    /// ([`crate::provider::DefaultChain`]: the environment, then the
    /// profile file, then the ECS metadata service), kept current while
    /// it runs. The project id is `HUAWEICLOUD_SDK_PROJECT_ID`, else the
    /// one the source names, else the one project of the region at IAM
    /// (`HUAWEICLOUD_SDK_IAM_ENDPOINT`, else the source's, else
    /// [`crate::provider::DEFAULT_IAM_ENDPOINT`]). As `aws_config::load_from_env`
    /// does, it fetches the first key before it returns.
    pub async fn from_default_chain() -> Result<Self, Error> {
        Self::from_default_chain_with(|name| std::env::var(name).ok()).await
    }

    /// Like [`HssClient::from_default_chain`], reading variables through
    /// `lookup`.
    pub async fn from_default_chain_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let env = Environment::new(lookup);
        let region = env.region()?;
        let mut builder = Self::builder()
            .region(region)
            .endpoint(env.endpoint(region)?)
            .credentials_provider(env.default_chain()?)
            .budget(env.budget()?);
        if let Some(project_id) = env.project_id() {
            builder = builder.project_id(project_id);
        }
        if let Some(iam) = env.iam_endpoint() {
            builder = builder.iam_endpoint(iam);
        }
        builder.load().await
    }

    /// The source of its credentials, for logs: never a secret.
    pub fn credentials_source(&self) -> Option<String> {
        self.client.inner().config().keys.describe()
    }

    /// How many times its credentials' source was asked for keys.
    pub fn credentials_fetches(&self) -> u64 {
        self.client.inner().config().keys.fetches()
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

    /// The region, when it was given (an endpoint alone names none).
    pub fn region(&self) -> Option<Region> {
        self.region
    }

    /// The request budget it keeps to.
    pub fn budget(&self) -> Budget {
        self.client.inner().budget()
    }

    /// The calls per window it sends `operation` at now: the budget's, or
    /// lower once the service named a stricter quota. `None` without one.
    pub fn quota(&self, operation: Operation) -> Option<Quota> {
        self.client.inner().config().limiters.of(operation)?.quota()
    }

    /// The requests of `operation` that still count against its budget,
    /// oldest first; keep them to
    /// pass to [`HssClient::remember_requests`] after a restart.
    pub fn recent_requests(&self, operation: Operation) -> Vec<Observation> {
        self.client
            .inner()
            .config()
            .limiters
            .of(operation)
            .map(Limiter::recent)
            .unwrap_or_default()
    }

    /// Counts requests of `operation` an earlier process made against the
    /// budget, so that a restarted process stays inside it
    /// (a request sent and not answered counts from now).
    pub fn remember_requests(&self, operation: Operation, requests: &[Observation]) {
        if let Some(limiter) = self.client.inner().config().limiters.of(operation) {
            limiter.remember(requests);
        }
    }

    /// Tells `observer` of every request of every operation with a
    /// budget, as it takes its place before it is sent, and when it is
    /// answered.
    pub fn observe_requests(&self, observer: Observer) {
        for &operation in Operation::ALL {
            if let Some(limiter) = self.client.inner().config().limiters.of(operation) {
                limiter.observe(observer.clone());
            }
        }
    }

    /// How long requests of `operation` have waited for the budget in all.
    pub fn budget_waited(&self, operation: Operation) -> Duration {
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
    pub fn answers(&self) -> Vec<(Operation, String, u64)> {
        self.client.inner().config().answers()
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
    provider: Option<ProviderDebug>,
    iam_endpoint: Option<String>,
    connect_timeout: Duration,
    read_timeout: Duration,
    retry: RetryPolicy,
    clock: Option<ClockDebug>,
    budget: Budget,
}

#[derive(Clone)]
struct ClockDebug(Clock);

#[derive(Clone, Debug)]
struct ProviderDebug {
    provider: std::sync::Arc<dyn ProvideCredentials>,
    first: Option<Provided>,
}

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
            provider: None,
            iam_endpoint: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            retry: RetryPolicy::default(),
            clock: None,
            budget: Budget::Spec,
        }
    }
}

impl HssClientBuilder {
    /// Sends requests to this region's endpoint (or its override variable
    /// `HUAWEICLOUD_SDK_REGION_HSS_<REGION>`, see
    /// [`crate::env::Environment::endpoint`]), unless an endpoint is set.
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

    /// Credentials given in code; they win over
    /// [`HssClientBuilder::credentials_provider`].
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Credentials from `provider`, fetched again before they expire
    /// ([`crate::provider`]). [`HssClientBuilder::load`] fetches the first
    /// key (and the project id when it is not set); `build` leaves that
    /// to the first request.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.provider = Some(ProviderDebug {
            provider: std::sync::Arc::new(provider),
            first: None,
        });
        self
    }

    /// The IAM endpoint the project id is looked up at, when the
    /// credentials' source names none (default
    /// [`crate::provider::DEFAULT_IAM_ENDPOINT`]).
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }

    /// Fetches the first key from the credentials provider, looks the
    /// project id up at IAM when neither it nor the source has one (the
    /// region's one project, see [`HssClient::from_default_chain`]), and
    /// builds the client.
    pub async fn load(mut self) -> Result<HssClient, Error> {
        if self.credentials.is_none()
            && let Some(source) = self.provider.as_mut()
            && source.first.is_none()
        {
            let first = source.provider.provide().await?;
            tracing::debug!(source = %source.provider.describe(), "credentials found");
            if self.project_id.is_none() {
                self.project_id = first.project_id.clone();
            }
            if self.project_id.is_none() {
                let region = self.region.ok_or(Error::NoProjectId)?;
                let iam = first
                    .iam_endpoint
                    .clone()
                    .or_else(|| self.iam_endpoint.clone())
                    .unwrap_or_else(|| DEFAULT_IAM_ENDPOINT.to_string());
                let now = self
                    .clock
                    .as_ref()
                    .map_or_else(std::time::SystemTime::now, |ClockDebug(clock)| clock());
                let signing = Signing::new(first.clone(), now);
                let id = crate::auth::project::look_up(&iam, region.id(), &signing).await?;
                tracing::debug!(region = region.id(), iam = %iam, "project id looked up");
                self.project_id = Some(id);
            }
            source.first = Some(first);
        }
        self.build()
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

    /// Replaces the system's clock (for tests): it dates signatures and
    /// tells when a temporary key is due to be fetched again or has
    /// expired, so that a test sharing it with the service decides when
    /// keys expire.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(ClockDebug(clock));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<HssClient, Error> {
        let endpoint = match (self.endpoint, self.region) {
            (Some(endpoint), _) => endpoint,
            (None, Some(region)) => Environment::process().endpoint(region)?,
            (None, None) => {
                return Err(Error::Config(
                    "no endpoint: set a region or a custom endpoint".into(),
                ));
            }
        };
        let project_id = self.project_id.ok_or(Error::NoProjectId)?;
        if let Some(parameter) = crate::spec::project_id_parameter() {
            crate::spec::check::check_value(parameter, &project_id).map_err(|allowed| {
                Error::Config(format!(
                    "the project id must be {allowed}, got {} characters",
                    project_id.chars().count()
                ))
            })?;
        }
        header_safe(&project_id, "the project id")?;
        let clock = self.clock.map(|ClockDebug(clock)| clock);
        let keys = match (self.credentials, self.provider) {
            (Some(credentials), _) => Keys::fixed(credentials),
            (None, Some(ProviderDebug { provider, first })) => {
                Keys::from_provider(provider, first, clock.clone())
            }
            (None, None) => {
                return Err(Error::Config(
                    "no credentials: set AK/SK, an IAM token or a credentials provider".into(),
                ));
            }
        };
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let state = ClientState::with_keys(
            keys,
            Some(project_id.clone()),
            self.retry,
            clock,
            self.budget,
        );
        Ok(HssClient {
            client: Client::new_with_client(&endpoint.base_url(), http, state),
            project_id,
            endpoint,
            region: self.region,
        })
    }
}
