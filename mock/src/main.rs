//! `hss-mock`: a mock Huawei Cloud HSS service on loopback.
//!
//! `cargo run -p hss-mock -- --port 8080 --events 100000`
//!
//! Its banner says where it listens, then how to try `hss` against it:
//! the environment with the keys and project it accepts (its own test
//! constants), and ready commands with `--rate-limit off` and why.
//!
//! Faults are opt-in (`--throttle-rate`, `--server-error-rate`,
//! `--reset-rate`, `--truncate-rate`, `--latency-ms`), as are a rate limit
//! (`--rate-limit N`: a token bucket, at most N requests a second, 429 with
//! `Retry-After` beyond it) and records of the wrong type
//! (`--bad-record-every K`). So is the service as it is: the API gateway's
//! documented throttling (`--gateway-limits`, `--time-scale`) and lists
//! that move while they are paged (`--arrivals-per-sec`, `--arrive-at`,
//! `--removals-per-sec`, `--changes-per-sec`). `GET /_mock/stats` needs no
//! credentials and gives the answers so far by status:
//! `{"answers": {"200": 1234, "429": 17}, "total": 1251}`;
//! `GET /_mock/truth/{operationId}[?at=MS]` the records present.
//!
//! It also serves the other side of the credential chain: an ECS metadata
//! service (`PUT /meta-data/latest/api/token`, `GET
//! /openstack/latest/securitykey`), IAM's OIDC federation and project list,
//! with temporary keys that rotate (`--temporary-key-lifetime`); `GET
//! /_mock/identity` counts what they were asked.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use hss_client::Operation;
use hss_client::env::{ENV_AK, ENV_PROJECT_ID, ENV_SK};
use hss_client::spec::{ParameterLocation, Schema};
use hss_mock::identity::IdentityConfig;
use hss_mock::{Arrive, Credentials, FaultConfig, LiveConfig, MockConfig, RunningMock, start};

/// Access key accepted when no --key-pair or --token is given.
const DEFAULT_AK: &str = "MOCKACCESSKEY0000001";
/// Secret key of [`DEFAULT_AK`].
const DEFAULT_SK: &str = "mock-secret-key-0000000000000000000000001";
/// IAM token accepted when no --key-pair or --token is given.
const DEFAULT_TOKEN: &str = "mock-iam-token";

/// A mock Huawei Cloud HSS service serving every operation of the spec over
/// a deterministic synthetic dataset, with the spec's parameter checks and
/// paging.
///
/// Every request must carry credentials: an X-Auth-Token equal to a --token,
/// or an SDK-HMAC-SHA256 signature made with a --key-pair. Without either
/// option the mock accepts the AK MOCKACCESSKEY0000001 with the SK
/// mock-secret-key-0000000000000000000000001 and the token mock-iam-token.
///
/// GET /_mock/stats, which needs no credentials, counts the answers given so
/// far by status: {"answers": {"200": 1234, "429": 17}, "total": 1251}, a
/// connection reset counting as "reset".
#[derive(Parser, Debug)]
#[command(name = "hss-mock", version, about, long_about)]
struct Args {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Port to listen on; 0 picks a free one (printed at start).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Number of records each paginated operation serves (at most
    /// 2147483647).
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// Seed of the synthetic data: the same seed gives the same records.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of clusters the records are spread over (1 to 10000).
    #[arg(long, default_value_t = 8)]
    clusters: usize,
    /// Project id written into the records.
    #[arg(long, default_value = hss_mock::DEFAULT_PROJECT_ID)]
    project_id: String,
    /// An accepted AK/SK pair, as AK:SK (repeatable). Also read from
    /// HSS_MOCK_KEY_PAIRS (comma-separated), which keeps the SK off the
    /// command line.
    #[arg(long = "key-pair", value_name = "AK:SK")]
    key_pairs: Vec<String>,
    /// An accepted IAM token for X-Auth-Token (repeatable).
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// How many seconds X-Sdk-Date may be from the mock's clock.
    #[arg(long, default_value_t = 900)]
    max_clock_skew: u64,
    /// Share of requests answered 429 with Retry-After (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    throttle_rate: f64,
    /// Seconds in the Retry-After header of a 429.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Share of requests answered with a 5xx status (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    server_error_rate: f64,
    /// The 5xx status of --server-error-rate.
    #[arg(long, default_value_t = 500)]
    server_error_status: u16,
    /// Share of requests whose connection is reset without an answer.
    #[arg(long, default_value_t = 0.0)]
    reset_rate: f64,
    /// Share of answers whose body is cut off halfway.
    #[arg(long, default_value_t = 0.0)]
    truncate_rate: f64,
    /// Milliseconds added before every answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Seed of the fault decisions.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// Most requests a second (a token bucket of N tokens refilled at N a
    /// second); beyond it, 429 with Retry-After. 0 for no limit.
    #[arg(long, default_value_t = 0.0, value_name = "N")]
    rate_limit: f64,
    /// Serve every K-th record of each paginated result (positions K-1,
    /// 2K-1, ... from 0) with a value of the wrong type: its first string
    /// field whose name ends in _id (else its first string field) becomes
    /// the number 12345, in place. For testing clients that must keep the
    /// page's other records. 0 for none.
    #[arg(long, default_value_t = 0, value_name = "K")]
    bad_record_every: u64,
    /// Apply the API gateway's documented throttling, from the spec: per
    /// operation, the calls a user and an address may make in a window,
    /// over a sliding window; beyond it, 429 with error_code APIG.0308 and
    /// no Retry-After.
    #[arg(long)]
    gateway_limits: bool,
    /// Divide the gateway's windows by this: 60 runs a minute's window in a
    /// second.
    #[arg(long, default_value_t = 1.0, value_name = "N")]
    time_scale: f64,
    /// New records a second in every paginated list (0 for none).
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    arrivals_per_sec: f64,
    /// Where new records arrive: head (newest first) or tail (oldest
    /// first).
    #[arg(long, default_value = "head", value_parser = ["head", "tail"])]
    arrive_at: String,
    /// Records a second that leave every paginated list, from anywhere.
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    removals_per_sec: f64,
    /// Records a second that change (a new version, a new listed value).
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    changes_per_sec: f64,
    /// Seconds a temporary key of the metadata service and of federation
    /// lives; a new one is issued every half of it.
    #[arg(long, default_value_t = 21_600.0, value_name = "SECONDS")]
    temporary_key_lifetime: f64,
    /// The metadata service gives no session tokens (it answers their PUT
    /// 404, and keys without one).
    #[arg(long)]
    metadata_without_session_tokens: bool,
    /// The identity provider OIDC federation accepts.
    #[arg(long, default_value = "mock-idp")]
    idp_id: String,
    /// The OIDC id token federation accepts.
    #[arg(long, default_value = "mock-id-token")]
    id_token: String,
    /// The region whose one project GET /v3/projects?name= finds.
    #[arg(long, default_value = "cn-north-4")]
    project_region: String,
}

/// How to try `hss` against this mock, as the banner says it: the
/// environment `hss` reads the mock's keys and project from, `hss --help`
/// (which lists every operation as a command), and a ready export of one
/// that needs no flag, picked from the operations table. The keys are the
/// mock's own test constants: printing them shows no secret of anyone's.
fn try_it(args: &Args, url: &str) -> Vec<String> {
    let mut lines = vec!["Try hss against it, from another shell:".to_string()];
    // The defaults are accepted only when no credential was given (see
    // `credentials`).
    let from_env = std::env::var("HSS_MOCK_KEY_PAIRS").unwrap_or_default();
    let defaults = args.key_pairs.is_empty()
        && args.tokens.is_empty()
        && from_env.split(',').all(|pair| pair.trim().is_empty());
    let (ak, sk) = if defaults {
        (DEFAULT_AK, DEFAULT_SK)
    } else {
        ("<an AK given>", "<its SK>")
    };
    lines.push(format!(
        "  export {ENV_AK}={ak} {ENV_SK}={sk} {ENV_PROJECT_ID}={}",
        args.project_id
    ));
    let hss = format!("hss --endpoint {url} --rate-limit off");
    lines.push(format!("  {hss} --help"));
    let ready = ready_export();
    if let Some(operation) = ready {
        lines.push(format!(
            "  {hss} export {} --output events.ndjson",
            operation.method_name().replace('_', "-")
        ));
    }
    lines.push(format!(
        "--rate-limit off: without it, hss keeps to the service's documented budget{}; \
         this mock enforces it only with --gateway-limits.",
        ready.map(|op| budget(op, args.events)).unwrap_or_default()
    ));
    lines
}

/// The budget `operation` keeps to against the service, and what it costs
/// an export of `records`.
fn budget(operation: Operation, records: u64) -> String {
    let (Some(limit), Some(paging)) = (operation.rate_limit(), operation.pagination()) else {
        return String::new();
    };
    let page = paging.max_limit.unwrap_or(paging.default_page_size).max(1);
    let requests = records.div_ceil(page.unsigned_abs()).max(1);
    let calls = limit.calls().max(1);
    // The first window's calls go at once; each later window adds some.
    let minutes = ((requests - 1) / calls * limit.window_seconds).div_ceil(60);
    let time = match minutes {
        0 => "under a minute".to_string(),
        1 => "about a minute".to_string(),
        n => format!("about {n} minutes"),
    };
    format!(
        " ({} calls in {} s), so an export of {records} records, {requests} requests, \
         takes {time}",
        limit.calls(),
        limit.window_seconds
    )
}

/// The first operation that `hss export` runs with no flag: it pages,
/// and every parameter it requires is in the path (the project), pages,
/// or has a default.
fn ready_export() -> Option<Operation> {
    Operation::ALL.iter().copied().find(|operation| {
        let Some(paging) = operation.pagination() else {
            return false;
        };
        operation.parameters().iter().all(|parameter| {
            !parameter.required
                || parameter.location == ParameterLocation::Path
                || parameter.name == paging.offset
                || parameter.name == paging.limit
                || has_default(parameter.schema)
        })
    })
}

fn has_default(schema: &Schema) -> bool {
    match schema {
        Schema::Integer(integer) => integer.default.is_some(),
        Schema::String(string) => string.default.is_some(),
        Schema::Boolean { default } => default.is_some(),
        _ => false,
    }
}

fn credentials(args: &Args) -> Result<Credentials> {
    let mut credentials = Credentials::new();
    let from_env = std::env::var("HSS_MOCK_KEY_PAIRS").unwrap_or_default();
    let pairs = args
        .key_pairs
        .iter()
        .map(String::as_str)
        .chain(from_env.split(',').map(str::trim).filter(|s| !s.is_empty()));
    let mut any = false;
    for pair in pairs {
        let Some((ak, sk)) = pair.split_once(':') else {
            // The value is not repeated: it may be a secret key.
            bail!(
                "a key pair must be written AK:SK; one given to --key-pair or HSS_MOCK_KEY_PAIRS has no ':'"
            );
        };
        if ak.is_empty() || sk.is_empty() {
            bail!("a key pair needs a non-empty AK and SK (access key {ak:?})");
        }
        credentials = credentials.with_key_pair(ak, sk);
        any = true;
    }
    for token in &args.tokens {
        if token.is_empty() {
            bail!("--token must not be empty");
        }
        credentials = credentials.with_token(token.clone());
        any = true;
    }
    if !any {
        credentials = credentials
            .with_key_pair(DEFAULT_AK, DEFAULT_SK)
            .with_token(DEFAULT_TOKEN);
    }
    Ok(credentials)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The mock's configuration from its command line.
fn config(args: &Args) -> Result<MockConfig> {
    Ok(MockConfig {
        addr: SocketAddr::new(args.host, args.port),
        seed: args.seed,
        events: args.events,
        clusters: args.clusters,
        project_id: args.project_id.clone(),
        credentials: credentials(args)?,
        max_clock_skew: Duration::from_secs(args.max_clock_skew),
        faults: FaultConfig {
            throttle_rate: args.throttle_rate,
            retry_after_secs: args.retry_after,
            server_error_rate: args.server_error_rate,
            server_error_status: args.server_error_status,
            reset_rate: args.reset_rate,
            truncate_rate: args.truncate_rate,
            latency: Duration::from_millis(args.latency_ms),
            seed: args.fault_seed,
            rate_limit: args.rate_limit,
            bad_record_every: args.bad_record_every,
        },
        gateway_limits: args.gateway_limits.then_some(args.time_scale),
        live: LiveConfig {
            arrivals_per_sec: args.arrivals_per_sec,
            arrive_at: if args.arrive_at == "tail" {
                Arrive::Tail
            } else {
                Arrive::Head
            },
            removals_per_sec: args.removals_per_sec,
            changes_per_sec: args.changes_per_sec,
        },
        identity: IdentityConfig {
            key_lifetime: Duration::try_from_secs_f64(args.temporary_key_lifetime).map_err(
                |_| {
                    anyhow::anyhow!(
                        "--temporary-key-lifetime must be a number of seconds, got {}",
                        args.temporary_key_lifetime
                    )
                },
            )?,
            session_tokens: !args.metadata_without_session_tokens,
            idp_id: args.idp_id.clone(),
            id_token: args.id_token.clone(),
            region: args.project_region.clone(),
            clock: None,
        },
        clock: hss_mock::Clock::System,
        gate: hss_mock::Gate::new(),
    })
}

/// The banner: where the mock listens, what it serves and how to try hss
/// against it. The first line tells a launcher where to connect; a launcher
/// that stops reading after it must not bring the mock down, so write
/// errors (a closed pipe) are ignored.
fn banner(args: &Args, mock: &RunningMock) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "hss-mock listening on {} ({} events, seed {})",
        mock.base_url(),
        args.events,
        args.seed
    );
    for (operation, origin) in mock.operations() {
        let _ = writeln!(
            out,
            "  {} {} ({operation}): {origin}",
            operation.http_method(),
            operation.path()
        );
    }
    for line in try_it(args, &mock.base_url()) {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}

async fn run(args: Args) -> Result<()> {
    let config = config(&args)?;
    let mock = start(config).await.context("hss-mock cannot start")?;
    banner(&args, &mock);
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    mock.shutdown().await;
    Ok(())
}
