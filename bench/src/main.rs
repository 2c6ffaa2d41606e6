//! `hss-bench`: one benchmark contender per process, run by
//! `cargo xtask bench`. It fetches every alarm event (the operation the
//! official Python SDK contender pages through too) from
//! hss-mock with AK/SK signing and prints one JSON line: `items`, `wall_s`
//! (the fetch alone, from the first request to the last item), `cpu_s`
//! (CPU time of the fetch) and `peak_rss_bytes` (the process's high-water
//! mark, VmHWM).
//!
//! The AK and SK come from `HSS_BENCH_AK` and `HSS_BENCH_SK`, never from
//! the command line.

use std::hint::black_box;
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use futures::TryStreamExt;
use hss_bench::floor;
use hss_client::RecordKey;
use hss_client::prelude::*;
use hss_client::signer::sign_get;

/// The operation every contender pages through: the one the official
/// Python SDK contender pages too.
const OPERATION: Operation = Operation::ListClusterEvents;

/// Items per page for every contender: the operation's default page size
/// (the largest the spec allows).
fn page_size() -> i64 {
    OPERATION
        .pagination()
        .map_or(1, |pagination| pagination.default_page_size)
}

#[derive(Parser)]
#[command(name = "hss-bench", about = "One benchmark contender against hss-mock")]
struct Args {
    /// hss-mock's base URL, such as http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// The project id in the request path.
    #[arg(long, default_value = hss_mock::DEFAULT_PROJECT_ID)]
    project_id: String,
    /// Fail unless exactly this many items arrive.
    #[arg(long)]
    expect: Option<u64>,
    #[command(subcommand)]
    contender: Contender,
}

#[derive(Subcommand)]
enum Contender {
    /// hss-client's `.stream_with()`, `prefetch` pages in flight.
    Stream {
        /// Pages in flight at once (1 = sequential), or `auto`.
        #[arg(long, default_value = "1")]
        prefetch: Prefetch,
        /// The client's request budget (`off`, `spec`, or such as
        /// `200/1s`).
        #[arg(long, default_value = "off")]
        rate_limit: Budget,
    },
    /// A plain reqwest + serde_json loop over offsets with the same signer,
    /// decoding into the minimal floor structs.
    Raw,
    /// `hss export --format ndjson` of the same operation to a file, one
    /// page in flight; `items` counts the lines written, and the wall time,
    /// CPU time and peak RSS are the `hss` process's.
    Export {
        /// The `hss` binary.
        #[arg(long)]
        hss: std::path::PathBuf,
        /// The file to export to.
        #[arg(long)]
        output: std::path::PathBuf,
        /// `hss --rate-limit`.
        #[arg(long, default_value = "off")]
        rate_limit: String,
        /// `hss export --prefetch`.
        #[arg(long, default_value = "1")]
        prefetch: String,
        /// `hss export --schema`.
        #[arg(long, default_value = "hss")]
        schema: String,
    },
    /// `hss export` of a list that moves while it is exported, checked
    /// against the mock's truth at its start and its end: prints, besides
    /// the usual, `duplicates` (records written twice) and `missing`
    /// (records present throughout that were not written).
    Live {
        /// The `hss` binary.
        #[arg(long)]
        hss: std::path::PathBuf,
        /// The file to export to.
        #[arg(long)]
        output: std::path::PathBuf,
        /// `hss --rate-limit`.
        #[arg(long, default_value = "off")]
        rate_limit: String,
    },
    /// `hss watch` for `--seconds`, then SIGTERM: the output is read as it
    /// grows, and each record that arrived while it ran is timed from its
    /// arrival (its version field, which a new record's arrival sets) to
    /// the moment its line appeared. Prints, besides the usual, `lag_p50_s`
    /// and `lag_p99_s`, `arrived` (records timed) and `duplicates`.
    Watch {
        /// The `hss` binary.
        #[arg(long)]
        hss: std::path::PathBuf,
        /// The file the watch appends to.
        #[arg(long)]
        output: std::path::PathBuf,
        /// The watch's state file.
        #[arg(long)]
        state: std::path::PathBuf,
        /// `hss --rate-limit`.
        #[arg(long, default_value = "off")]
        rate_limit: String,
        /// `hss watch --interval`.
        #[arg(long, default_value_t = 2)]
        interval: u64,
        /// How long to run it.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
}

/// Lag of each record that arrived during a watch, in seconds, and
/// duplicates.
struct Watched {
    lines: u64,
    lags: Vec<f64>,
    duplicates: u64,
    wall_s: f64,
}

/// Runs `hss watch` of [`OPERATION`] and times every record that arrives
/// while it runs.
async fn watch(args: &Args, ak: &str, sk: &str, contender: &Contender) -> Result<Watched> {
    let Contender::Watch {
        hss,
        output,
        state,
        rate_limit,
        interval,
        seconds,
    } = contender
    else {
        bail!("not a watch");
    };
    let version = OPERATION
        .pagination()
        .and_then(|p| p.record_version)
        .context("the operation's records have no version")?;
    let command = OPERATION.method_name().replace('_', "-");
    let started_ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let start = Instant::now();
    let mut child = tokio::process::Command::new(hss)
        .env_clear()
        .env("HUAWEICLOUD_SDK_AK", ak)
        .env("HUAWEICLOUD_SDK_SK", sk)
        .args(["--endpoint", &args.url, "--project-id", &args.project_id])
        .args(["--rate-limit", rate_limit.as_str()])
        .args([
            "watch",
            &command,
            "--interval",
            &interval.to_string(),
            "--state",
        ])
        .arg(state)
        .arg("--output")
        .arg(output)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {}", hss.display()))?;
    let mut seen_bytes = 0usize;
    let mut lags = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    let mut lines = 0u64;
    let mut duplicates = 0u64;
    let deadline = start + std::time::Duration::from_secs(*seconds);
    while Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let now_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let text = std::fs::read(output).unwrap_or_default();
        let Some(fresh) = text.get(seen_bytes..) else {
            continue;
        };
        let Some(end) = fresh.iter().rposition(|b| *b == b'\n') else {
            continue;
        };
        for line in fresh[..end].split(|b| *b == b'\n') {
            if line.is_empty() {
                continue;
            }
            let value: serde_json::Value = serde_json::from_slice(line)
                .with_context(|| format!("{} holds a line that is not JSON", output.display()))?;
            lines += 1;
            let id = value["id"].as_str().unwrap_or_default().to_string();
            if !ids.insert(id) {
                duplicates += 1;
            }
            if let Some(arrived) = value["record"][version].as_i64()
                && arrived >= started_ms
            {
                lags.push((now_ms - arrived) as f64 / 1000.0);
            }
        }
        seen_bytes += end + 1;
    }
    if let Some(pid) = child.id() {
        // SAFETY: kill with a valid signal number on our own child.
        unsafe {
            libc::kill(pid as i32, libc::SIGTERM);
        }
    }
    let status = child.wait().await.context("cannot wait for hss watch")?;
    if !status.success() {
        bail!("hss watch ended with {status} after SIGTERM");
    }
    Ok(Watched {
        lines,
        lags,
        duplicates,
        wall_s: start.elapsed().as_secs_f64(),
    })
}

/// The `p`-th percentile (0 to 1) of `values`.
fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let at = ((values.len() - 1) as f64 * p).round() as usize;
    values[at.min(values.len() - 1)]
}

/// How `hss export` is run.
struct ExportRun<'a> {
    hss: &'a std::path::Path,
    output: &'a std::path::Path,
    rate_limit: &'a str,
    prefetch: &'a str,
    schema: &'a str,
}

/// Runs `hss export` of [`OPERATION`]; the number of lines written and the
/// wall time of the `hss` process alone (not the count afterwards).
fn export(args: &Args, ak: &str, sk: &str, run: &ExportRun<'_>) -> Result<(u64, f64)> {
    let start = Instant::now();
    let command = OPERATION.method_name().replace('_', "-");
    let (hss, output) = (run.hss, run.output);
    let status = std::process::Command::new(hss)
        .env_clear()
        .env("HUAWEICLOUD_SDK_AK", ak)
        .env("HUAWEICLOUD_SDK_SK", sk)
        .args(["--endpoint", &args.url, "--project-id", &args.project_id])
        .args(["--rate-limit", run.rate_limit])
        .args(["export", &command, "--format", "ndjson", "--quiet"])
        .args(["--prefetch", run.prefetch])
        .args(["--schema", run.schema])
        .args(["--page-size", &page_size().to_string(), "--output"])
        .arg(output)
        .status()
        .with_context(|| format!("cannot run {}", hss.display()))?;
    let wall_s = start.elapsed().as_secs_f64();
    if !status.success() {
        bail!("hss export failed ({status})");
    }
    let written =
        std::fs::read(output).with_context(|| format!("cannot read {}", output.display()))?;
    let lines = written.iter().filter(|b| **b == b'\n').count() as u64;
    Ok((lines, wall_s))
}

/// The keys of the records of [`OPERATION`] the mock at `url` holds now.
async fn truth(url: &str) -> Result<std::collections::BTreeSet<RecordKey>> {
    let address = format!("{url}{}/{}", hss_mock::TRUTH_PATH, OPERATION.operation_id());
    let body: serde_json::Value = reqwest::get(&address)
        .await
        .with_context(|| format!("cannot read {address}"))?
        .json()
        .await
        .with_context(|| format!("{address} is not JSON"))?;
    let records = body["records"]
        .as_array()
        .with_context(|| format!("{address} has no records"))?;
    Ok(records
        .iter()
        .map(|record| RecordKey::from_json(OPERATION, record))
        .collect())
}

/// The keys of the records of an NDJSON file, in order.
fn written_keys(path: &std::path::Path) -> Result<Vec<RecordKey>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .with_context(|| format!("{} holds a line that is not JSON", path.display()))?;
            Ok(RecordKey::from_json(OPERATION, &value))
        })
        .collect()
}

/// CPU seconds (user + system) of the children waited for.
fn children_cpu_seconds() -> Option<f64> {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid `who` and a valid pointer.
    let done = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (done == 0).then(|| seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

/// The largest resident set size of the children waited for, in bytes.
fn children_peak_rss_bytes() -> Option<u64> {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid `who` and a valid pointer.
    let done = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    (done == 0).then(|| u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024)
}

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("environment variable {name} is not set"))
}

/// CPU seconds (user + system) the process has used so far, from
/// /proc/self/stat (fields 14 and 15, in clock ticks of 1/100 s, the
/// Linux default).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces; the fields after it are plain.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// The process's peak resident set size, from /proc/self/status (VmHWM).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

async fn stream(
    args: &Args,
    ak: String,
    sk: String,
    prefetch: Prefetch,
    budget: Budget,
) -> Result<u64> {
    let client = HssClient::builder()
        .endpoint(Endpoint::parse(&args.url)?)
        .project_id(args.project_id.clone())
        .credentials(Credentials::ak_sk(ak, sk)?)
        .budget(budget)
        .build()?;
    let mut options = PageOptions::default().with_page_size(page_size());
    options.prefetch = prefetch;
    let mut items = client.list_cluster_events().stream_with(options);
    let mut count = 0u64;
    while let Some(item) = items.try_next().await? {
        black_box(&item);
        count += 1;
    }
    Ok(count)
}

async fn raw(args: &Args, ak: String, sk: String) -> Result<u64> {
    let http = reqwest::Client::new();
    let path = OPERATION.path().replace(
        &format!("{{{}}}", hss_client::spec::PROJECT_ID),
        &args.project_id,
    );
    let pagination = OPERATION.pagination().context("the operation pages")?;
    let mut offset: u64 = 0;
    let mut count = 0u64;
    loop {
        let query = [
            (pagination.limit.to_string(), page_size().to_string()),
            (pagination.offset.to_string(), offset.to_string()),
        ];
        let signed = sign_get(
            &args.url,
            &path,
            &query,
            &args.project_id,
            &ak,
            &sk,
            SystemTime::now(),
        );
        let mut request = http.get(&signed.url);
        for (name, value) in &signed.headers {
            if !name.eq_ignore_ascii_case("host") {
                request = request.header(name, value);
            }
        }
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            bail!(
                "offset {offset}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        let page: floor::Events = serde_json::from_slice(&body)?;
        let n = page.data_list.len() as u64;
        count += n;
        black_box(&page);
        offset += n;
        let total = page.total_num.unwrap_or(0).max(0) as u64;
        if n == 0 || offset >= total {
            break;
        }
    }
    Ok(count)
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

async fn run(args: Args) -> Result<()> {
    let ak = env("HSS_BENCH_AK")?;
    let sk = env("HSS_BENCH_SK")?;
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let mut peak = peak_rss_bytes();
    let mut child = None;
    let mut moving = None;
    let mut watched = None;
    let items = match &args.contender {
        Contender::Watch { .. } => {
            let result = watch(&args, &ak, &sk, &args.contender).await?;
            peak = children_peak_rss_bytes();
            child = Some(result.wall_s);
            let lines = result.lines;
            watched = Some(result);
            lines
        }
        Contender::Stream {
            prefetch,
            rate_limit,
        } => stream(&args, ak, sk, *prefetch, *rate_limit).await?,
        Contender::Raw => raw(&args, ak, sk).await?,
        Contender::Export {
            hss,
            output,
            rate_limit,
            prefetch,
            schema,
        } => {
            let run = ExportRun {
                hss,
                output,
                rate_limit,
                prefetch,
                schema,
            };
            let (lines, wall_s) = export(&args, &ak, &sk, &run)?;
            peak = children_peak_rss_bytes();
            child = Some(wall_s);
            lines
        }
        Contender::Live {
            hss,
            output,
            rate_limit,
        } => {
            let first = truth(&args.url).await?;
            let run = ExportRun {
                hss,
                output,
                rate_limit,
                prefetch: "1",
                schema: "hss",
            };
            let (lines, wall_s) = export(&args, &ak, &sk, &run)?;
            let last = truth(&args.url).await?;
            let keys = written_keys(output)?;
            let distinct: std::collections::BTreeSet<RecordKey> = keys.iter().copied().collect();
            let missing = first
                .intersection(&last)
                .filter(|key| !distinct.contains(key))
                .count();
            moving = Some((
                keys.len() - distinct.len(),
                missing,
                first.len(),
                last.len(),
            ));
            peak = children_peak_rss_bytes();
            child = Some(wall_s);
            lines
        }
    };
    // For an export, the `hss` process's own wall and CPU time.
    let wall_s = child.unwrap_or_else(|| start.elapsed().as_secs_f64());
    let cpu_s = if child.is_some() {
        children_cpu_seconds()
    } else {
        cpu_seconds()
            .zip(cpu_before)
            .map(|(after, before)| after - before)
    };
    if let Some(expected) = args.expect
        && items != expected
    {
        bail!("expected {expected} items, got {items}");
    }
    let mut line = serde_json::json!({
        "items": items,
        "wall_s": wall_s,
        "peak_rss_bytes": match args.contender {
            Contender::Export { .. } | Contender::Live { .. } | Contender::Watch { .. } => peak,
            _ => peak_rss_bytes(),
        },
        "cpu_s": cpu_s,
    });
    if let Some(mut watched) = watched {
        line["arrived"] = watched.lags.len().into();
        line["duplicates"] = watched.duplicates.into();
        line["lag_p50_s"] = percentile(&mut watched.lags, 0.5).into();
        line["lag_p99_s"] = percentile(&mut watched.lags, 0.99).into();
    }
    if let Some((duplicates, missing, at_start, at_end)) = moving {
        line["duplicates"] = duplicates.into();
        line["missing"] = missing.into();
        line["records_at_start"] = at_start.into();
        line["records_at_end"] = at_end.into();
    }
    println!("{line}");
    Ok(())
}
