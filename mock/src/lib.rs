//! `hss-mock`: a mock HSS service for tests, benchmarks and conformance
//! runs, driven by the spec.
//!
//! It serves every operation of the spec's generated operations table
//! ([`hss_client::spec::operations`]): routing, parameter checks, paging, the
//! total, filters and the time window all follow that table
//! ([`handlers`]), so a spec change reaches the mock through
//! `cargo xtask generate` alone. Records are computed, never stored: two
//! operations have hand-tuned data ([`data`]), every other one gets records
//! built from its response schema ([`synthetic`]). It checks every
//! request's credentials ([`auth`]), and on request misbehaves
//! ([`faults`], [`limit`]). Two opt-in settings make it the service as it
//! is: the API gateway's documented throttling, from the spec
//! ([`gateway`], [`MockConfig::gateway_limits`]), and lists that move
//! while they are paged ([`live`], [`MockConfig::live`]), whose truth
//! `GET /_mock/truth/{operationId}` gives. `GET /_mock/stats` counts the
//! answers given, by status. Every answer carries an `X-Request-Id`;
//! every error answer has the Huawei error body (`error_code`,
//! `error_msg`).
//!
//! Tests start it in-process with [`start`]; the `hss-mock` binary is a
//! command line over the same function.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hss_mock::MockError> {
//! use hss_mock::{Credentials, MockConfig, start};
//!
//! let config = MockConfig {
//!     credentials: Credentials::new().with_token("test-token"),
//!     ..MockConfig::default()
//! };
//! let mock = start(config).await?;
//! println!("serving on {}", mock.base_url());
//! mock.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod auth;
pub mod clock;
pub mod data;
pub mod error;
pub mod faults;
pub mod gate;
pub mod gateway;
pub mod handlers;
pub mod identity;
pub mod limit;
pub mod live;
pub mod records;
pub mod signing;
pub mod source;
pub mod synthetic;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use hss_client::Operation;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

pub use auth::Credentials;
pub use clock::{Clock, ManualClock};
pub use data::Dataset;
pub use error::ApiError;
pub use faults::{Fault, FaultConfig};
pub use gate::Gate;
pub use live::{Arrive, LiveConfig};

/// The project id the mock's data belongs to unless told otherwise (the one
/// of the shared signing vectors).
pub const DEFAULT_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

/// Everything the mock can be told.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Seed of the synthetic dataset.
    pub seed: u64,
    /// Number of records of each operation that pages.
    pub events: u64,
    /// Number of clusters the records are spread over.
    pub clusters: usize,
    /// Project id written into the alarm events.
    pub project_id: String,
    /// Accepted AK/SK pairs and IAM tokens.
    pub credentials: Credentials,
    /// How far `X-Sdk-Date` may be from the mock's clock.
    pub max_clock_skew: Duration,
    /// Injected faults.
    pub faults: FaultConfig,
    /// The API gateway's documented throttling (the spec's
    /// `x-rate-limit`), its windows divided by this time scale: `Some(1.0)`
    /// for the real windows, `Some(60.0)` for a minute in a second;
    /// `None` for none.
    pub gateway_limits: Option<f64>,
    /// How the lists move while they are paged (still by default).
    pub live: LiveConfig,
    /// The metadata service, federation and project lookup, and their
    /// temporary keys ([`identity`]).
    pub identity: identity::IdentityConfig,
    /// What the gateway's windows, the token bucket, the moving lists and
    /// (unless [`identity::IdentityConfig::clock`] gives them their own)
    /// the identity services' temporary keys take as now ([`clock`]): the
    /// system's, or a test's manual clock.
    pub clock: Clock,
    /// Where a test holds API requests unanswered ([`gate`]); open unless
    /// a test closes it.
    pub gate: Gate,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 1,
            events: 1_000,
            clusters: 8,
            project_id: DEFAULT_PROJECT_ID.to_string(),
            credentials: Credentials::new(),
            max_clock_skew: Duration::from_secs(15 * 60),
            faults: FaultConfig {
                retry_after_secs: 1,
                server_error_status: 500,
                ..FaultConfig::default()
            },
            gateway_limits: None,
            live: LiveConfig::default(),
            identity: identity::IdentityConfig::default(),
            clock: Clock::System,
            gate: Gate::new(),
        }
    }
}

/// Why the mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// A setting is out of range.
    #[error("invalid mock setting: {0}")]
    Config(String),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// State shared by all requests.
#[derive(Debug)]
pub struct Shared {
    /// The hand-tuned data.
    pub dataset: Arc<Dataset>,
    sources: Vec<(Operation, Box<dyn records::Records>)>,
    credentials: Credentials,
    max_clock_skew: Duration,
    /// The identity services and their temporary keys.
    pub identity: Arc<identity::Identity>,
    project_id: String,
    faults: faults::FaultPlan,
    request_counter: std::sync::atomic::AtomicU64,
    instance: u64,
    bucket: Option<limit::TokenBucket>,
    gateway: Option<gateway::Gateway>,
    live: Vec<(Operation, live::LiveList)>,
    clock: Clock,
    gate: Gate,
    answers: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
}

/// The most clusters the mock spreads its records over (each is kept in
/// memory, with its id and name).
pub const MAX_CLUSTERS: usize = 10_000;

impl Shared {
    /// The records the mock serves for `operation`.
    pub fn records(&self, operation: Operation) -> Option<&dyn records::Records> {
        self.sources
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, source)| source.as_ref())
    }

    /// The mock's clock ([`clock`]).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The moving list of `operation`, when the lists move.
    pub fn live(&self, operation: Operation) -> Option<&live::LiveList> {
        self.live
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, list)| list)
    }

    /// The records of `operation` present at `at` (now when `None`), in
    /// list order, as they were then: the truth a test compares a client's
    /// result with. For a still list, its records. `None` for an operation
    /// the mock serves no records for.
    pub fn truth(
        &self,
        operation: Operation,
        at: Option<SystemTime>,
    ) -> Option<(i64, Vec<serde_json::Value>)> {
        let records = self.records(operation)?;
        if let Some(list) = self.live(operation) {
            return Some(list.truth(records, at, self.clock.now()));
        }
        let values = (0..records.len())
            .map(|index| {
                let mut out = Vec::new();
                records.write(index, &mut out);
                serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null)
            })
            .collect();
        let at = at.unwrap_or_else(|| self.clock.now());
        let ms = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Some((ms, values))
    }
}

/// The router of every operation with all checks, without a listener.
pub fn router(config: &MockConfig) -> Result<(Router, Arc<Shared>), MockError> {
    config.faults.validate().map_err(MockError::Config)?;
    if config.events > i32::MAX as u64 {
        return Err(MockError::Config(format!(
            "events must be at most {} (total_num is an int32), got {}",
            i32::MAX,
            config.events
        )));
    }
    config.live.validate().map_err(MockError::Config)?;
    config.identity.validate().map_err(MockError::Config)?;
    if let Some(scale) = config.gateway_limits
        && !(scale.is_finite() && scale > 0.0)
    {
        return Err(MockError::Config(format!(
            "the gateway's time scale must be a number above 0, got {scale}"
        )));
    }
    if config.clusters == 0 || config.clusters > MAX_CLUSTERS {
        return Err(MockError::Config(format!(
            "clusters must be from 1 to {MAX_CLUSTERS}, got {}",
            config.clusters
        )));
    }
    let instance = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let dataset = Arc::new(Dataset::new(
        config.seed,
        config.events,
        config.clusters,
        config.project_id.clone(),
    ));
    let sources = records::sources(&dataset, config.seed);
    let started = config.clock.now();
    let live = if config.live.is_live() {
        sources
            .iter()
            .filter(|(op, _)| op.pagination().is_some())
            .map(|(op, source)| {
                (
                    *op,
                    live::LiveList::new(*op, source.as_ref(), config.live, config.seed, started),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let identity = Arc::new(identity::Identity::new(
        &config.identity,
        instance,
        &config.clock,
    ));
    let shared = Arc::new(Shared {
        sources,
        dataset,
        credentials: config
            .credentials
            .clone()
            .with_temporary_keys(identity.clone()),
        max_clock_skew: config.max_clock_skew,
        identity,
        project_id: config.project_id.clone(),
        faults: faults::FaultPlan::new(config.faults.clone()),
        request_counter: std::sync::atomic::AtomicU64::new(0),
        instance,
        bucket: (config.faults.rate_limit > 0.0)
            .then(|| limit::TokenBucket::new(config.faults.rate_limit, config.clock.instant())),
        gateway: config.gateway_limits.map(gateway::Gateway::new),
        live,
        clock: config.clock.clone(),
        gate: config.gate.clone(),
        answers: std::sync::Mutex::new(std::collections::BTreeMap::new()),
    });
    let api = Router::new()
        .fallback(handlers::dispatch)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            inject_faults,
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), throttle))
        .layer(middleware::from_fn_with_state(shared.clone(), request_id))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            count_answers,
        ))
        .with_state(shared.clone());
    // The mock's own endpoints: no credentials, no faults, no rate limit,
    // not counted.
    let control = Router::new()
        .route(
            STATS_PATH,
            axum::routing::get(stats).fallback(control_method_not_allowed),
        )
        .route(
            IDENTITY_PATH,
            axum::routing::get(identity_stats).fallback(control_method_not_allowed),
        )
        .route(
            &format!("{TRUTH_PATH}/{{operation}}"),
            axum::routing::get(truth).fallback(control_method_not_allowed),
        )
        .route(
            &format!("{CONTROL_PREFIX}{{*rest}}"),
            axum::routing::any(control_not_found),
        )
        .with_state(shared.clone())
        .merge(identity::router(shared.clone()));
    Ok((control.merge(api), shared))
}

/// The prefix of the mock's own endpoints, which are not API requests: they
/// need no credentials, see no fault or rate limit and are not counted.
pub const CONTROL_PREFIX: &str = "/_mock/";

/// The path of the answer counts ([`Shared::stats`]).
pub const STATS_PATH: &str = "/_mock/stats";

/// The path of what the identity services were asked: `{"session_tokens":
/// n, "security_keys": n, "id_token_exchanges": n,
/// "security_token_exchanges": n, "project_lookups": n}` ([`identity`]).
pub const IDENTITY_PATH: &str = "/_mock/identity";

/// The path under which `/{operationId}` gives the records present now,
/// or at `?at=` milliseconds since the epoch ([`Shared::truth`]):
/// `{"operation": ..., "at": ms, "total": n, "records": [...]}`.
pub const TRUTH_PATH: &str = "/_mock/truth";

impl Shared {
    /// The answers given so far to API requests (every path outside
    /// [`CONTROL_PREFIX`]): their count by status as a decimal string
    /// (`"200"`, `"401"`, `"429"`, ...), sorted, and the total. Faults and
    /// the rate limit count like any answer; a connection reset
    /// (`--reset-rate`) counts under `"reset"`, and a truncated body under
    /// the status its head carried. This is the body of `GET /_mock/stats`:
    /// `{"answers": {"200": 1234, "429": 17}, "total": 1251}`.
    pub fn stats(&self) -> serde_json::Value {
        let answers = self
            .answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let total: u64 = answers.values().sum();
        serde_json::json!({"answers": answers, "total": total})
    }
}

async fn identity_stats(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.identity.stats()).into_response()
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.stats()).into_response()
}

async fn truth(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(operation): axum::extract::Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let Some(operation) = Operation::from_operation_id(&operation) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            error::NOT_FOUND,
            format!("no operation {operation}"),
        )
        .into_response();
    };
    let at = match handlers::parse_query(query.as_deref()) {
        Ok(pairs) => match pairs.iter().find(|(k, _)| k == "at") {
            None => None,
            Some((_, value)) => match value.parse::<u64>() {
                Ok(ms) => Some(SystemTime::UNIX_EPOCH + Duration::from_millis(ms)),
                Err(_) => {
                    return ApiError::bad_request(format!(
                        "at must be milliseconds since the epoch, got {value:?}"
                    ))
                    .into_response();
                }
            },
        },
        Err(error) => return error.into_response(),
    };
    match shared.truth(operation, at) {
        Some((at, records)) => axum::Json(live::truth_body(operation, at, records)).into_response(),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            error::NOT_FOUND,
            "the mock serves no records for this operation",
        )
        .into_response(),
    }
}

/// A path under [`CONTROL_PREFIX`] that is no endpoint.
async fn control_not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        error::NOT_FOUND,
        "the mock has no such endpoint",
    )
    .into_response()
}

/// A mock endpoint asked with a method it does not take (they take GET).
async fn control_method_not_allowed() -> Response {
    let mut error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        error::METHOD_NOT_ALLOWED,
        "this path takes GET only",
    );
    error.allow = Some("GET".to_string());
    error.into_response()
}

/// Counts every answer by status ([`Shared::stats`]).
async fn count_answers(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let key = if response.extensions().get::<ResetConnection>().is_some() {
        "reset".to_string()
    } else {
        response.status().as_u16().to_string()
    };
    *shared
        .answers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(key)
        .or_insert(0) += 1;
    response
}

/// The request id of a request, set by the first middleware.
#[derive(Debug, Clone)]
struct RequestId(String);

/// When a request arrived, by the system's clock and by the identity
/// services' ([`auth::CheckedAt`]): its credentials are checked as of
/// then, not after the injected latency.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival(pub(crate) auth::CheckedAt);

/// The address a request came from.
#[derive(Debug, Clone, Copy)]
struct Peer(std::net::IpAddr);

/// Adds an `X-Request-Id` to every answer.
async fn request_id(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    shared.clock.request_arrived();
    shared.identity.request_arrived();
    let n = shared
        .request_counter
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let id = format!(
        "{:016x}{:016x}",
        data::mix(shared.instance ^ n),
        data::mix(n ^ 0x1d)
    );
    request.extensions_mut().insert(RequestId(id.clone()));
    request.extensions_mut().insert(Arrival(auth::CheckedAt {
        system: SystemTime::now(),
        keys: shared.identity.now(),
    }));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The API gateway's throttling ([`gateway`]), when it is on: a request
/// of an operation beyond one of its documented limits is answered 429
/// `APIG.0308` before anything else looks at it.
async fn throttle(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(gateway) = shared.gateway.as_ref() else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    let operation = Operation::ALL.iter().copied().find(|op| {
        op.http_method() == request.method().as_str()
            && hss_client::spec::check::match_path(op.path(), path).is_some()
    });
    let Some(operation) = operation else {
        return next.run(request).await;
    };
    let ip = request.extensions().get::<Peer>().map(|peer| peer.0);
    match gateway.admit(operation, request.headers(), ip, shared.clock.instant()) {
        Ok(()) => next.run(request).await,
        Err((policy, calls, window)) => {
            let id = request
                .extensions()
                .get::<RequestId>()
                .map(|id| id.0.clone())
                .unwrap_or_default();
            gateway::refusal(policy, calls, window, &id).into_response()
        }
    }
}

/// Marks an answer whose connection must be reset instead of answered.
#[derive(Debug, Clone, Copy)]
struct ResetConnection;

/// Takes a token of the rate limit ([`limit`]) as the request arrives,
/// waits while a test holds the [`gate`], adds latency, then answers 429
/// if there was no token, else with the fault planned for this request,
/// if any.
async fn inject_faults(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let config = shared.faults.config();
    // The limit is decided as the request arrives, so that latency does not
    // change which requests pass.
    let limited = shared
        .bucket
        .as_ref()
        .and_then(|bucket| bucket.take_at(shared.clock.instant()).err());
    shared.gate.pass().await;
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    if let Some(wait) = limited {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            error::THROTTLED,
            "the request rate limit was exceeded",
        );
        error.retry_after = Some(limit::retry_after_secs(wait));
        return error.into_response();
    }
    match shared.faults.next() {
        None => next.run(request).await,
        Some(Fault::Throttle) => {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                error::THROTTLED,
                "the request rate limit was exceeded (injected fault)",
            );
            error.retry_after = Some(config.retry_after_secs);
            error.into_response()
        }
        Some(Fault::ServerError) => ApiError::new(
            StatusCode::from_u16(config.server_error_status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            error::INTERNAL,
            "the service failed (injected fault)",
        )
        .into_response(),
        Some(Fault::Reset) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(ResetConnection);
            response
        }
        Some(Fault::Truncate) => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let half = bytes.slice(..bytes.len() / 2);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            // The error comes a moment after the first half, so that the
            // head and the half are on the wire before the connection drops.
            let chunks = futures::stream::iter([Ok::<Bytes, std::io::Error>(half)]).chain(
                futures::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Err(std::io::Error::other("body truncated (injected fault)"))
                }),
            );
            Response::from_parts(parts, Body::from_stream(chunks))
        }
    }
}

/// A running mock. Dropping it leaves it running until the runtime stops;
/// [`RunningMock::shutdown`] stops accepting connections.
#[derive(Debug)]
pub struct RunningMock {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningMock {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the endpoint to point a client at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL of `operation`, without a query: its path template with the
    /// project id of the served records in `{project_id}` and every other
    /// path parameter at its [`Parameter::example_value`].
    ///
    /// [`Parameter::example_value`]: hss_client::spec::Parameter::example_value
    pub fn url_of(&self, operation: Operation) -> String {
        let mut path = operation.path().to_string();
        for parameter in operation.parameters() {
            if parameter.location != hss_client::spec::ParameterLocation::Path {
                continue;
            }
            let value = if parameter.name == hss_client::spec::PROJECT_ID {
                self.shared.dataset.project_id().to_string()
            } else {
                parameter.example_value().unwrap_or_default()
            };
            path = path.replace(&format!("{{{}}}", parameter.name), &value);
        }
        format!("{}{path}", self.base_url())
    }

    /// The records it serves for `operation`.
    pub fn records(&self, operation: Operation) -> Option<&dyn records::Records> {
        self.shared.records(operation)
    }

    /// The answers given so far, by status ([`Shared::stats`]).
    pub fn stats(&self) -> serde_json::Value {
        self.shared.stats()
    }

    /// The records of `operation` present at `at` (now when `None`), as
    /// they were then ([`Shared::truth`]).
    pub fn truth(
        &self,
        operation: Operation,
        at: Option<SystemTime>,
    ) -> Option<(i64, Vec<serde_json::Value>)> {
        self.shared.truth(operation, at)
    }

    /// The state every request shares.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The dataset it serves.
    pub fn dataset(&self) -> &Dataset {
        &self.shared.dataset
    }

    /// Every operation served, in the spec's order, with where its records
    /// come from.
    pub fn operations(&self) -> impl Iterator<Item = (Operation, &'static str)> + '_ {
        self.shared
            .sources
            .iter()
            .map(|(operation, source)| (*operation, source.origin()))
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The error that makes hyper drop a connection instead of answering.
#[derive(Debug, thiserror::Error)]
#[error("connection reset (injected fault)")]
struct ResetError;

/// Binds `config.addr` and serves until [`RunningMock::shutdown`].
pub async fn start(config: MockConfig) -> Result<RunningMock, MockError> {
    let (app, shared) = router(&config)?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| MockError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| MockError::Bind {
        addr: config.addr,
        source,
    })?;
    let resets = config.faults.reset_rate > 0.0;
    let (stop, mut stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            if resets {
                // Closing with a zero linger time sends a TCP reset.
                let _ = stream.set_zero_linger();
            }
            let app = app.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                        let app = app.clone();
                        async move {
                            let mut request = request.map(Body::new);
                            request.extensions_mut().insert(Peer(peer.ip()));
                            let response = match app.oneshot(request).await {
                                Ok(response) => response,
                                Err(never) => match never {},
                            };
                            if response.extensions().get::<ResetConnection>().is_some() {
                                return Err(ResetError);
                            }
                            Ok::<_, ResetError>(response)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(RunningMock {
        addr,
        shared,
        stop: Some(stop),
        task,
    })
}
