//! `cargo xtask bench`: decode and end-to-end benchmarks against hss-mock.
//!
//! Everything runs on loopback, from release builds: two hss-mock processes
//! (the same seed, 100,000 and 1,000,000 events) that verify the AK/SK
//! signature of every request, and one process per contender run, so that
//! each one's peak RSS is its own. The contenders run interleaved, `--runs`
//! times; the table shows medians, and every ratio is taken within one run
//! and then its median reported.
//!
//! Then the service as it is ([`service`]): `hss export` against hss-mock
//! with the API gateway's documented throttling, its window divided by
//! `--service-scale`, against the ideal schedule; the official Python SDK
//! against the same; and an export of a list that moves while it is read.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// The official SDK and every package it needs, pinned with hashes; it is
/// installed into a venv under `target/`.
const PYTHON_SDK_REQUIREMENTS: &str = "bench/python-sdk-requirements.txt";
/// The key pair the mocks accept and every contender signs with. It only
/// ever reaches the mocks on loopback.
const AK: &str = "BENCHACCESSKEY000001";
const SK: &str = "bench-secret-key-000000000000000000000001";

/// What `cargo xtask bench` is told.
#[derive(Debug, Clone)]
pub struct Options {
    /// Interleaved repetitions of every end-to-end contender.
    pub runs: usize,
    /// Items of contenders (a) to (d).
    pub events: u64,
    /// Items of contender (e).
    pub big_events: u64,
    /// Leave out the official Python SDK (d).
    pub skip_python: bool,
    /// Leave out the criterion decode benchmark.
    pub skip_decode: bool,
    /// Items of the pacing benchmark against the throttled mock; 0 leaves
    /// it out.
    pub throttle_events: u64,
    /// The time scale of the documented throttling in the service
    /// benchmark (its window divided by this); 0 leaves it out.
    pub service_scale: f64,
}

/// One end-to-end contender.
struct Contender {
    key: &'static str,
    name: &'static str,
    big: bool,
}

const CONTENDERS: [Contender; 7] = [
    Contender {
        key: "a",
        name: "(a) hss-client stream, sequential",
        big: false,
    },
    Contender {
        key: "b",
        name: "(b) hss-client stream, 4 pages in flight",
        big: false,
    },
    Contender {
        key: "c",
        name: "(c) raw reqwest + serde_json (floor)",
        big: false,
    },
    Contender {
        key: "d",
        name: "(d) official Python SDK huaweicloudsdkhss 3.1.219",
        big: false,
    },
    Contender {
        key: "e",
        name: "(e) hss-client stream, sequential, large mock",
        big: true,
    },
    Contender {
        key: "f",
        name: "(f) hss export --format ndjson to a file, large mock",
        big: true,
    },
    Contender {
        key: "g",
        name: "(g) hss export --schema ocsf to a file, large mock",
        big: true,
    },
];

/// The throttled service of the pacing benchmark: this latency and at most
/// this many requests a second.
const THROTTLE_LATENCY_MS: u64 = 50;
/// See [`THROTTLE_LATENCY_MS`].
const THROTTLE_RATE: f64 = 40.0;
/// The mock's answer counts (hss-mock's `STATS_PATH`).
const MOCK_STATS_PATH: &str = "/_mock/stats";
/// The client budget of the pacing benchmark: five times the service's
/// limit, so that the client paces by the answers.
const PACING_BUDGET: &str = "200/1s";
/// Records of the pacing benchmark's export with no budget of its own.
const PACING_EXPORT_EVENTS: u64 = 40_000;
/// Records of the service benchmark's exports.
const SERVICE_EVENTS: [u64; 2] = [1_200, 10_000];
/// Arrivals a second of the moving list in the service benchmark.
const SERVICE_ARRIVALS: f64 = 20.0;
/// Arrivals a second of the watch benchmark's runs.
const WATCH_ARRIVALS: [f64; 2] = [1.0, 20.0];
/// `hss watch --interval` in the watch benchmark, seconds.
const WATCH_INTERVAL: u64 = 2;
/// How long each watch runs, seconds.
const WATCH_SECONDS: u64 = 40;
/// Records the watch benchmark's list starts with.
const WATCH_EVENTS: u64 = 400;

/// One measured run of one contender.
#[derive(Debug, Clone, Copy)]
struct Sample {
    items: u64,
    wall_s: f64,
    peak_rss_bytes: u64,
    /// CPU seconds the contender spent in its fetch.
    cpu_s: f64,
    /// CPU seconds the mock spent while the contender ran.
    mock_cpu_s: f64,
}

impl Sample {
    fn items_per_s(&self) -> f64 {
        self.items as f64 / self.wall_s
    }
}

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn status(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot run {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Starts a release hss-mock and returns it with its base URL.
fn start_mock(bin: &Path, events: u64, extra: &[String]) -> Result<(Guard, String)> {
    let mut child = Command::new(bin)
        .args([
            "--port",
            "0",
            "--seed",
            "1",
            "--events",
            &events.to_string(),
        ])
        .args(extra)
        .env("HSS_MOCK_KEY_PAIRS", format!("{AK}:{SK}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let stdout = child.stdout.take().context("hss-mock has no stdout")?;
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .context("cannot read hss-mock's first line")?;
    let url = line
        .strip_prefix("hss-mock listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .with_context(|| format!("hss-mock did not report its address; it said {line:?}"))?
        .to_string();
    Ok((guard, url))
}

/// Makes sure the venv holds the pinned SDK; returns its python.
fn python_sdk(root: &Path, target: &Path) -> Result<PathBuf> {
    let requirements = root.join(PYTHON_SDK_REQUIREMENTS);
    let pins = std::fs::read_to_string(&requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let pinned = pins
        .lines()
        .find_map(|line| line.strip_prefix("huaweicloudsdkhss=="))
        .map(|rest| rest.trim_end_matches(" \\").trim().to_string())
        .with_context(|| format!("{} pins no huaweicloudsdkhss", requirements.display()))?;
    let venv = target.join("venvs/huaweicloud");
    let python = venv.join("bin/python");
    let installed = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('huaweicloudsdkhss'))",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if installed.as_deref() != Some(pinned.as_str()) {
        eprintln!(
            "==> installing huaweicloudsdkhss {pinned} ({}) into {}",
            PYTHON_SDK_REQUIREMENTS,
            venv.display()
        );
        status(
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            "python3 -m venv",
        )?;
        status(
            Command::new(venv.join("bin/pip"))
                .args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--require-hashes",
                    "-r",
                ])
                .arg(&requirements),
            "pip install of the official SDK",
        )?;
    }
    Ok(python)
}

/// CPU seconds (user + system) process `pid` has used, from
/// /proc/PID/stat in clock ticks of 1/100 s (the Linux default).
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Runs one contender process and reads its JSON line.
fn run_contender(mut command: Command, what: &str) -> Result<Sample> {
    let output = command
        .env("HSS_BENCH_AK", AK)
        .env("HSS_BENCH_SK", SK)
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let value: Value = serde_json::from_str(line)
        .with_context(|| format!("{what} printed no JSON line: {stdout:?}"))?;
    let number = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_f64)
            .with_context(|| format!("{what}: no {key} in {line}"))
    };
    Ok(Sample {
        items: number("items")? as u64,
        wall_s: number("wall_s")?,
        peak_rss_bytes: number("peak_rss_bytes")? as u64,
        cpu_s: number("cpu_s").unwrap_or(f64::NAN),
        mock_cpu_s: f64::NAN,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Runs the criterion decode benchmark and reads its medians.
fn decode(root: &Path, target: &Path, out: &Path) -> Result<Vec<Value>> {
    eprintln!("==> decode benchmark (criterion)");
    status(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .env("HSS_BENCH_OUT", out)
            .args([
                "bench",
                "--locked",
                "-p",
                "hss-bench",
                "--bench",
                "decode",
                "--",
                "--noplot",
                "--warm-up-time",
                "1",
                "--measurement-time",
                "3",
            ]),
        "cargo bench --bench decode",
    )?;
    let sizes: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("decode_sizes.json"))
            .context("the decode benchmark wrote no decode_sizes.json")?,
    )?;
    let estimate = |id: &str| -> Result<f64> {
        let path = target
            .join("criterion/decode")
            .join(id)
            .join("new/estimates.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let value: Value = serde_json::from_str(&text)?;
        value
            .pointer("/median/point_estimate")
            .and_then(Value::as_f64)
            .with_context(|| format!("no median in {}", path.display()))
    };
    let mut rows = Vec::new();
    for ty in ["ListClusterEventsResponse", "ListClusterEventLogsResponse"] {
        let bytes = sizes.get(ty).and_then(Value::as_f64).unwrap_or(f64::NAN);
        let generated = estimate(&format!("{ty}_generated"))?;
        let floor = estimate(&format!("{ty}_floor"))?;
        // bytes per nanosecond * 1000 = MB/s (10^6 bytes).
        rows.push(json!({
            "type": ty,
            "page_bytes": bytes,
            "generated_ns": generated,
            "floor_ns": floor,
            "generated_mb_s": bytes / generated * 1e3,
            "floor_mb_s": bytes / floor * 1e3,
            "time_ratio": generated / floor,
        }));
    }
    Ok(rows)
}

/// Runs everything, prints the table, writes `target/bench/results.json`.
pub fn run(root: &Path, options: &Options) -> Result<ExitCode> {
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let target = target_dir(root);
    let out = target.join("bench");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());

    eprintln!("==> building hss-mock and hss-bench (release)");
    status(
        Command::new(&cargo).current_dir(root).args([
            "build",
            "--release",
            "--locked",
            "-p",
            "hss-mock",
            "-p",
            "hss-bench",
            "-p",
            "hss-cli",
        ]),
        "cargo build --release",
    )?;
    let mock_bin = target.join("release/hss-mock");
    let bench_bin = target.join("release/hss-bench");
    let python = if options.skip_python {
        None
    } else {
        Some(python_sdk(root, &target)?)
    };
    let script = root.join("bench/python_sdk.py");

    let (small_mock, small_url) = start_mock(&mock_bin, options.events, &[])?;
    let (big_mock, big_url) = start_mock(&mock_bin, options.big_events, &[])?;
    let hss_bin = target.join("release/hss");
    let export_file = out.join("export.ndjson");

    if let Some(python) = &python {
        // The official SDK, unchanged, pages through the whole large mock
        // once (untimed), every request signed by the SDK and verified.
        eprintln!(
            "==> the official Python SDK pages all {} events of the large mock (untimed)",
            options.big_events
        );
        let mut command = Command::new(python);
        command.arg(&script).args([
            "--url",
            &big_url,
            "--expect",
            &options.big_events.to_string(),
        ]);
        let check = run_contender(command, "the official Python SDK on the large mock")?;
        eprintln!(
            "==> the official Python SDK paged all {} events in {:.1} s, every signature verified",
            check.items, check.wall_s
        );
        // And with a wrong SK the mock rejects it, in a form the SDK reads.
        let output = Command::new(python)
            .arg(&script)
            .args(["--url", &small_url])
            .env("HSS_BENCH_AK", AK)
            .env("HSS_BENCH_SK", "not-the-secret-key")
            .output()
            .context("cannot run the official Python SDK")?;
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        let status = answer["error_status"].as_u64();
        if output.status.code() != Some(3) || !matches!(status, Some(401 | 403)) {
            bail!(
                "the official Python SDK with a wrong SK was not rejected with 401/403: {} {}",
                String::from_utf8_lossy(&output.stdout).trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        eprintln!(
            "==> the official Python SDK with a wrong SK: HTTP {} {}, request id {}",
            status.unwrap_or_default(),
            answer["error_code"].as_str().unwrap_or("-"),
            answer["request_id"].as_str().unwrap_or("-")
        );
    }

    let contenders: Vec<&Contender> = CONTENDERS
        .iter()
        .filter(|c| !(options.skip_python && c.key == "d"))
        .collect();
    let mut samples: BTreeMap<&str, Vec<Sample>> = BTreeMap::new();
    let mut per_run: Vec<BTreeMap<&str, Sample>> = Vec::new();
    let started = Instant::now();
    for run in 0..options.runs {
        let mut this_run = BTreeMap::new();
        // Rotate the order, so that no contender always goes first.
        for i in 0..contenders.len() {
            let contender = contenders[(i + run) % contenders.len()];
            let (url, items, mock_pid) = if contender.big {
                (&big_url, options.big_events, big_mock.0.id())
            } else {
                (&small_url, options.events, small_mock.0.id())
            };
            let command = match contender.key {
                "d" => {
                    let mut c = Command::new(python.as_deref().unwrap_or(Path::new("python3")));
                    c.arg(&script);
                    c.args(["--url", url, "--expect", &items.to_string()]);
                    c
                }
                key => {
                    let mut c = Command::new(&bench_bin);
                    c.args(["--url", url, "--expect", &items.to_string()]);
                    match key {
                        "b" => c.args(["stream", "--prefetch", "4"]),
                        "c" => c.arg("raw"),
                        "f" | "g" => c
                            .args(["export", "--hss"])
                            .arg(&hss_bin)
                            .arg("--output")
                            .arg(&export_file)
                            .args(["--schema", if key == "g" { "ocsf" } else { "hss" }]),
                        _ => c.args(["stream", "--prefetch", "1"]),
                    };
                    c
                }
            };
            let mock_before = process_cpu_seconds(mock_pid);
            let mut sample = run_contender(command, contender.name)?;
            if let (Some(before), Some(after)) = (mock_before, process_cpu_seconds(mock_pid)) {
                sample.mock_cpu_s = after - before;
            }
            eprintln!(
                "    run {}/{}: {:<52} {:>9} items {:>8.3} s {:>12.0} items/s {:>7.1} MiB, CPU {:.2} s, mock CPU {:.2} s",
                run + 1,
                options.runs,
                contender.name,
                sample.items,
                sample.wall_s,
                sample.items_per_s(),
                sample.peak_rss_bytes as f64 / (1024.0 * 1024.0),
                sample.cpu_s,
                sample.mock_cpu_s
            );
            samples.entry(contender.key).or_default().push(sample);
            this_run.insert(contender.key, sample);
        }
        per_run.push(this_run);
    }
    let end_to_end_s = started.elapsed();
    let _ = std::fs::remove_file(&export_file);
    drop(small_mock);
    drop(big_mock);

    let pacing = if options.throttle_events == 0 {
        Vec::new()
    } else {
        pacing(
            &mock_bin,
            &bench_bin,
            &hss_bin,
            python.as_deref().map(|p| (p, script.as_path())),
            options.throttle_events,
        )?
    };

    let service_rows = if options.service_scale > 0.0 {
        service(
            root,
            &mock_bin,
            &bench_bin,
            &hss_bin,
            python.as_deref().map(|p| (p, script.as_path())),
            options.service_scale,
            &out,
        )?
    } else {
        Vec::new()
    };

    let decode_rows = if options.skip_decode {
        Vec::new()
    } else {
        decode(root, &target, &out)?
    };

    // Medians per contender.
    let mut results = Vec::new();
    for contender in &contenders {
        let list = &samples[contender.key];
        results.push(json!({
            "key": contender.key,
            "name": contender.name,
            "items": list[0].items,
            "wall_s": median(list.iter().map(|s| s.wall_s).collect()),
            "items_per_s": median(list.iter().map(Sample::items_per_s).collect()),
            "peak_rss_bytes": median(list.iter().map(|s| s.peak_rss_bytes as f64).collect()) as u64,
            "cpu_s": median(list.iter().map(|s| s.cpu_s).collect()),
            "mock_cpu_s": median(list.iter().map(|s| s.mock_cpu_s).collect()),
            "runs": list.len(),
        }));
    }

    // Ratios within each run, then their medians.
    let ratio = |f: &dyn Fn(&BTreeMap<&str, Sample>) -> Option<f64>| -> Option<f64> {
        let values: Vec<f64> = per_run.iter().filter_map(f).collect();
        (!values.is_empty()).then(|| median(values))
    };
    let a_over_d = ratio(&|r| Some(r.get("a")?.items_per_s() / r.get("d")?.items_per_s()));
    let a_time_over_c = ratio(&|r| Some(r.get("a")?.wall_s / r.get("c")?.wall_s));
    let b_over_a = ratio(&|r| Some(r.get("b")?.items_per_s() / r.get("a")?.items_per_s()));
    let e_rss_over_a =
        ratio(&|r| Some(r.get("e")?.peak_rss_bytes as f64 / r.get("a")?.peak_rss_bytes as f64));
    let f_time_over_e = ratio(&|r| Some(r.get("f")?.wall_s / r.get("e")?.wall_s));
    let g_time_over_f = ratio(&|r| Some(r.get("g")?.wall_s / r.get("f")?.wall_s));
    let mut targets = vec![
        goal_row("(a) items/s vs (d)", ">= 20x", a_over_d, |v| v >= 20.0),
        goal_row("(a) wall time vs (c)", "<= 1.25x", a_time_over_c, |v| {
            v <= 1.25
        }),
        goal_row("(b) items/s vs (a)", ">= 1.5x", b_over_a, |v| v >= 1.5),
        goal_row("(e) peak RSS vs (a)", "<= 1.2x", e_rss_over_a, |v| v <= 1.2),
        goal_row(
            "(f) export wall time vs (e) stream",
            "<= 1.2x",
            f_time_over_e,
            |v| v <= 1.2,
        ),
        goal_row(
            "(g) export --schema ocsf wall time vs (f) --schema hss",
            "<= 1.3x",
            g_time_over_f,
            |v| v <= 1.3,
        ),
    ];
    for (key, what) in [
        ("auto", "auto"),
        ("export-auto-off", "export, auto, no budget"),
    ] {
        let Some(row) = pacing.iter().find(|row| row["key"] == key) else {
            continue;
        };
        targets.push(goal_row(
            &format!("{what}: pages/s vs the allowed rate"),
            ">= 0.9x",
            row["of_allowed"].as_f64(),
            |v| v >= 0.9,
        ));
        targets.push(goal_row(
            &format!("{what}: share of answers that were 429"),
            "<= 0.05x",
            row["throttled_share"].as_f64(),
            |v| v <= 0.05,
        ));
    }
    for row in &service_rows {
        let name = row["name"].as_str().unwrap_or("?");
        if let Some(ratio) = row["of_ideal"].as_f64() {
            targets.push(goal_row(
                &format!("{name}: wall time vs the ideal schedule"),
                "<= 1.05x",
                Some(ratio),
                |v| v <= 1.05,
            ));
            targets.push(goal_row(
                &format!("{name}: answers 429"),
                "0",
                row["throttled"].as_f64(),
                |v| v == 0.0,
            ));
        }
        if let Some(duplicates) = row["duplicates"].as_f64() {
            targets.push(goal_row(
                &format!("{name}: records written twice"),
                "0",
                Some(duplicates),
                |v| v == 0.0,
            ));
        }
        if let Some(missing) = row["missing"].as_f64() {
            targets.push(goal_row(
                &format!("{name}: records present throughout not written"),
                "0",
                Some(missing),
                |v| v == 0.0,
            ));
        }
    }
    for row in &decode_rows {
        let ty = row["type"].as_str().unwrap_or("?");
        targets.push(goal_row(
            &format!("decode {ty}: generated time vs floor"),
            "<= 1.3x",
            row["time_ratio"].as_f64(),
            |v| v <= 1.3,
        ));
    }

    let report = json!({
        "runs": options.runs,
        "page_size": 200,
        "end_to_end_seconds": end_to_end_s.as_secs_f64(),
        "contenders": results,
        "ratios": {
            "a_items_per_s_over_d": a_over_d,
            "a_wall_s_over_c": a_time_over_c,
            "b_items_per_s_over_a": b_over_a,
            "e_peak_rss_over_a": e_rss_over_a,
            "f_wall_s_over_e": f_time_over_e,
        },
        "pacing": pacing,
        "service": service_rows,
        "decode": decode_rows,
        "targets": targets,
    });
    let path = out.join("results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    say!("{}", markdown(&report));
    eprintln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// The answer counts of the mock at `url` (`http://HOST:PORT`), read with
/// a plain HTTP/1.0 request.
fn mock_stats(url: &str) -> Result<Value> {
    use std::io::{Read, Write};
    let addr = url
        .strip_prefix("http://")
        .with_context(|| format!("not an http URL: {url}"))?;
    let mut stream =
        std::net::TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
    write!(
        stream,
        "GET {MOCK_STATS_PATH} HTTP/1.0\r\nHost: {addr}\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .with_context(|| format!("no body in the answer of {MOCK_STATS_PATH}"))?;
    serde_json::from_str(body).with_context(|| format!("{MOCK_STATS_PATH} is not JSON: {body}"))
}

/// Answers of `status` (a key of the stats, or `None` for all) between
/// two readings.
fn answers_between(before: &Value, after: &Value, status: Option<&str>) -> f64 {
    let count = |stats: &Value| match status {
        Some(status) => stats["answers"][status].as_f64().unwrap_or(0.0),
        None => stats["total"].as_f64().unwrap_or(0.0),
    };
    count(after) - count(before)
}

/// The pacing benchmark: against a mock with [`THROTTLE_LATENCY_MS`] of
/// latency and at most [`THROTTLE_RATE`] requests a second, the `auto`
/// stream, fixed prefetch 1 and 8, the official Python SDK paging one
/// page after another, and `hss export --prefetch auto` with no budget of
/// its own ([`PACING_EXPORT_EVENTS`] records, `--rate-limit off`), which
/// has nothing but the service's answers to go by. Each against a fresh
/// mock, its bucket full: pages a second against the allowed rate, and the
/// share of answers that were 429.
fn pacing(
    mock_bin: &Path,
    bench_bin: &Path,
    hss_bin: &Path,
    python: Option<(&Path, &Path)>,
    events: u64,
) -> Result<Vec<Value>> {
    let extra = [
        "--latency-ms".to_string(),
        THROTTLE_LATENCY_MS.to_string(),
        "--rate-limit".to_string(),
        THROTTLE_RATE.to_string(),
    ];
    // Each contender: its key, its name, the records its mock holds, and
    // its command, given the mock's URL.
    type MakeCommand<'a> = Box<dyn Fn(&str) -> Command + 'a>;
    let mut contenders: Vec<(&str, String, u64, MakeCommand<'_>)> = Vec::new();
    for (key, prefetch) in [("auto", "auto"), ("fixed-1", "1"), ("fixed-8", "8")] {
        contenders.push((
            key,
            format!("hss-client stream, prefetch {prefetch}"),
            events,
            Box::new(move |url: &str| {
                let mut c = Command::new(bench_bin);
                c.args(["--url", url, "--expect", &events.to_string()]);
                // A budget well above what the service allows, which says
                // nothing of its limit: the client learns it from the 429s.
                c.args([
                    "stream",
                    "--prefetch",
                    prefetch,
                    "--rate-limit",
                    PACING_BUDGET,
                ]);
                c
            }),
        ));
    }
    if let Some((python, script)) = python {
        contenders.push((
            "python",
            "official Python SDK, one page after another".to_string(),
            events,
            Box::new(move |url: &str| {
                let mut c = Command::new(python);
                c.arg(script)
                    .args(["--url", url, "--expect", &events.to_string()]);
                c
            }),
        ));
    }
    let export_file =
        std::env::temp_dir().join(format!("hss-bench-pacing-{}.ndjson", std::process::id()));
    let file = export_file.clone();
    contenders.push((
        "export-auto-off",
        "hss export, prefetch auto, no budget".to_string(),
        PACING_EXPORT_EVENTS,
        Box::new(move |url: &str| {
            let mut c = Command::new(bench_bin);
            c.args(["--url", url, "--expect", &PACING_EXPORT_EVENTS.to_string()])
                .args(["export", "--hss"])
                .arg(hss_bin)
                .arg("--output")
                .arg(&file)
                .args(["--rate-limit", "off", "--prefetch", "auto"]);
            c
        }),
    ));
    let mut rows = Vec::new();
    for (key, name, events, command) in contenders {
        let (_mock, url) = start_mock(mock_bin, events, &extra)?;
        rows.push(pacing_row(key, &name, command(&url), &url)?);
    }
    let _ = std::fs::remove_file(&export_file);
    Ok(rows)
}

/// One row of the pacing benchmark: `command` run against the mock at
/// `url`, and what the mock answered meanwhile.
fn pacing_row(key: &str, name: &str, command: Command, url: &str) -> Result<Value> {
    let before = mock_stats(url)?;
    let sample = run_contender(command, name)?;
    let after = mock_stats(url)?;
    let pages = answers_between(&before, &after, Some("200"));
    let all = answers_between(&before, &after, None);
    let throttled = answers_between(&before, &after, Some("429"));
    let pages_per_s = pages / sample.wall_s;
    eprintln!(
        "    pacing: {name:<48} {:>8} items {:>7.2} s {:>6.1} pages/s ({:>3.0}% of {THROTTLE_RATE}), {throttled} of {all} answers 429",
        sample.items,
        sample.wall_s,
        pages_per_s,
        pages_per_s / THROTTLE_RATE * 100.0
    );
    Ok(json!({
        "key": key,
        "name": name,
        "items": sample.items,
        "wall_s": sample.wall_s,
        "pages": pages,
        "pages_per_s": pages_per_s,
        "of_allowed": pages_per_s / THROTTLE_RATE,
        "answers": all,
        "throttled": throttled,
        "throttled_share": if all > 0.0 { throttled / all } else { 0.0 },
    }))
}

/// The spec's documented limit of the operation the contenders page:
/// calls per window, the window in seconds, and the page size of streams.
fn documented_limit(root: &Path) -> Result<(u64, u64, u64)> {
    let source = hss_codegen::SpecSource::load(root.join(crate::generate::SPEC))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let operations = hss_codegen::operations::collect(&source)
        .map_err(|_| anyhow::anyhow!("the spec has findings"))?;
    let operation = operations
        .iter()
        .find(|op| op.operation_id == SERVICE_OPERATION)
        .with_context(|| format!("the spec has no {SERVICE_OPERATION}"))?;
    let limit = operation
        .rate_limit
        .as_ref()
        .with_context(|| format!("the spec states no rate limit for {SERVICE_OPERATION}"))?;
    let page = operation
        .pagination
        .as_ref()
        .with_context(|| format!("{SERVICE_OPERATION} does not page"))?
        .default_page_size;
    Ok((limit.budget(), limit.window_seconds, page.max(1) as u64))
}

/// The operation hss-bench's contenders page (and the Python SDK's).
const SERVICE_OPERATION: &str = "ListClusterEvents";

/// The service benchmark: `hss export` against hss-mock with the
/// documented throttling (`--gateway-limits`, its window divided by
/// `scale`), the client keeping to the same limit, scaled: for each size,
/// one page after another, `--prefetch auto` and 8 pages in flight, each
/// against the ideal schedule (`ceil(N / largest page)` requests, the
/// documented calls per window: `(ceil(requests / calls) - 1)` windows).
/// Then the official Python SDK paging one page after another against the
/// same mock, and an export of a list with [`SERVICE_ARRIVALS`] arrivals a
/// second at its head, against the still list.
fn service(
    root: &Path,
    mock_bin: &Path,
    bench_bin: &Path,
    hss_bin: &Path,
    python: Option<(&Path, &Path)>,
    scale: f64,
    out: &Path,
) -> Result<Vec<Value>> {
    let (calls, window_s, page) = documented_limit(root)?;
    let window = window_s as f64 / scale;
    let budget = format!("{calls}/{}ms", (window * 1000.0).round() as u64);
    let file = out.join("service.ndjson");
    let mut rows = Vec::new();
    let gateway = [
        "--gateway-limits".to_string(),
        "--time-scale".to_string(),
        scale.to_string(),
    ];
    for events in SERVICE_EVENTS {
        let requests = events.div_ceil(page);
        let ideal = (requests.div_ceil(calls).saturating_sub(1)) as f64 * window;
        for (key, prefetch) in [("1", "1"), ("auto", "auto"), ("8", "8")] {
            // A fresh mock for each, so that no window is already in use.
            let (mock, url) = start_mock(mock_bin, events, &gateway)?;
            let name = format!("hss export of {events}, prefetch {prefetch}");
            let mut command = Command::new(bench_bin);
            command
                .args(["--url", &url, "--expect", &events.to_string()])
                .args(["export", "--hss"])
                .arg(hss_bin)
                .arg("--output")
                .arg(&file)
                .args(["--rate-limit", &budget, "--prefetch", prefetch]);
            let sample = run_contender(command, &name)?;
            let stats = mock_stats(&url)?;
            drop(mock);
            let sent = stats["total"].as_f64().unwrap_or(f64::NAN);
            let throttled = stats["answers"]["429"].as_f64().unwrap_or(0.0);
            eprintln!(
                "    service: {name:<40} {:>6} items {:>7.2} s (ideal {ideal:.2} s, {:.3}x), {sent} requests, {throttled} answers 429",
                sample.items,
                sample.wall_s,
                sample.wall_s / ideal
            );
            rows.push(json!({
                "key": format!("export-{events}-{key}"),
                "name": name,
                "items": sample.items,
                "wall_s": sample.wall_s,
                "ideal_s": ideal,
                "of_ideal": sample.wall_s / ideal,
                "requests": sent,
                "ideal_requests": requests,
                "throttled": throttled,
            }));
        }
    }
    if let Some((python, script)) = python {
        let events = SERVICE_EVENTS[0];
        let (mock, url) = start_mock(mock_bin, events, &gateway)?;
        let started = Instant::now();
        let output = Command::new(python)
            .arg(script)
            .args(["--url", &url, "--expect", &events.to_string()])
            .env("HSS_BENCH_AK", AK)
            .env("HSS_BENCH_SK", SK)
            .output()
            .context("cannot run the official Python SDK")?;
        let wall_s = started.elapsed().as_secs_f64();
        let stats = mock_stats(&url)?;
        drop(mock);
        let answer: Value = serde_json::from_slice(
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .last()
                .unwrap_or_default()
                .as_bytes(),
        )
        .unwrap_or(Value::Null);
        let finished = output.status.success();
        let pages = stats["answers"]["200"].as_f64().unwrap_or(0.0);
        let throttled = stats["answers"]["429"].as_f64().unwrap_or(0.0);
        let name = format!("official Python SDK, {events}, one page after another");
        eprintln!(
            "    service: {name:<40} finished: {finished}, {pages} pages, {throttled} answers 429 ({} {})",
            answer["error_status"],
            answer["error_code"].as_str().unwrap_or("")
        );
        rows.push(json!({
            "key": "python",
            "name": name,
            "finished": finished,
            "wall_s": wall_s,
            "items": (pages as u64 * page).min(events),
            "requests": stats["total"],
            "throttled": throttled,
            "error_status": answer["error_status"],
            "error_code": answer["error_code"],
        }));
    }
    // A moving list: arrivals at the head while it is exported.
    let events = SERVICE_EVENTS[0];
    let live = [
        gateway.to_vec(),
        vec![
            "--arrivals-per-sec".to_string(),
            SERVICE_ARRIVALS.to_string(),
        ],
    ]
    .concat();
    let (mock, url) = start_mock(mock_bin, events, &live)?;
    let mut command = Command::new(bench_bin);
    command
        .args(["--url", &url])
        .args(["live", "--hss"])
        .arg(hss_bin)
        .arg("--output")
        .arg(&file)
        .args(["--rate-limit", &budget]);
    let name = format!("hss export of {events}, {SERVICE_ARRIVALS} arrivals a second at the head");
    let output = command
        .env("HSS_BENCH_AK", AK)
        .env("HSS_BENCH_SK", SK)
        .output()
        .context("cannot run the moving-list export")?;
    if !output.status.success() {
        bail!(
            "{name} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let stats = mock_stats(&url)?;
    drop(mock);
    let line: Value = serde_json::from_slice(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .as_bytes(),
    )
    .context("the moving-list export printed no JSON line")?;
    let still = rows
        .iter()
        .find(|r| r["key"] == format!("export-{events}-1"))
        .and_then(|r| r["requests"].as_f64())
        .unwrap_or(f64::NAN);
    let sent = stats["total"].as_f64().unwrap_or(f64::NAN);
    eprintln!(
        "    service: {name:<40} {} items, {} duplicates, {} missing, {sent} requests ({} more than the still list), {} answers 429",
        line["items"],
        line["duplicates"],
        line["missing"],
        sent - still,
        stats["answers"]["429"]
    );
    rows.push(json!({
        "key": "live",
        "name": name,
        "items": line["items"],
        "wall_s": line["wall_s"],
        "duplicates": line["duplicates"],
        "missing": line["missing"],
        "records_at_start": line["records_at_start"],
        "records_at_end": line["records_at_end"],
        "requests": sent,
        "extra_requests": sent - still,
        "throttled": stats["answers"]["429"].as_f64().unwrap_or(0.0),
    }));
    let _ = std::fs::remove_file(&file);
    rows.extend(watch_rows(
        mock_bin, bench_bin, hss_bin, &gateway, &budget, out,
    )?);
    Ok(rows)
}

/// `hss watch` of a list with arrivals at its head, under the documented
/// limit (scaled): the lag from a record's arrival to its line, and the
/// requests per record written.
fn watch_rows(
    mock_bin: &Path,
    bench_bin: &Path,
    hss_bin: &Path,
    gateway: &[String],
    budget: &str,
    out: &Path,
) -> Result<Vec<Value>> {
    let mut rows = Vec::new();
    for arrivals in WATCH_ARRIVALS {
        let extra = [
            gateway.to_vec(),
            vec!["--arrivals-per-sec".to_string(), arrivals.to_string()],
        ]
        .concat();
        let (mock, url) = start_mock(mock_bin, WATCH_EVENTS, &extra)?;
        let output = out.join("watch.ndjson");
        let state = out.join("watch.state");
        let _ = std::fs::remove_file(&output);
        let _ = std::fs::remove_file(&state);
        let mut command = Command::new(bench_bin);
        command
            .args(["--url", &url])
            .args(["watch", "--hss"])
            .arg(hss_bin)
            .arg("--output")
            .arg(&output)
            .arg("--state")
            .arg(&state)
            .args(["--rate-limit", budget])
            .args(["--interval", &WATCH_INTERVAL.to_string()])
            .args(["--seconds", &WATCH_SECONDS.to_string()]);
        let name = format!("hss watch, {arrivals} arrivals a second, interval {WATCH_INTERVAL} s");
        let result = command
            .env("HSS_BENCH_AK", AK)
            .env("HSS_BENCH_SK", SK)
            .output()
            .context("cannot run the watch benchmark")?;
        if !result.status.success() {
            bail!(
                "{name} failed: {}",
                String::from_utf8_lossy(&result.stderr).trim()
            );
        }
        let stats = mock_stats(&url)?;
        drop(mock);
        let line: Value = serde_json::from_slice(
            String::from_utf8_lossy(&result.stdout)
                .lines()
                .last()
                .unwrap_or_default()
                .as_bytes(),
        )
        .context("the watch benchmark printed no JSON line")?;
        let requests = stats["total"].as_f64().unwrap_or(f64::NAN);
        let lines = line["items"].as_f64().unwrap_or(f64::NAN);
        eprintln!(
            "    watch: {name:<48} {lines} lines ({} arrivals timed), lag p50 {:.2} s, p99 {:.2} s, {requests} requests ({:.3} a line), {} duplicates, {} answers 429",
            line["arrived"],
            line["lag_p50_s"].as_f64().unwrap_or(f64::NAN),
            line["lag_p99_s"].as_f64().unwrap_or(f64::NAN),
            requests / lines,
            line["duplicates"],
            stats["answers"]["429"].as_f64().unwrap_or(0.0)
        );
        rows.push(json!({
            "key": format!("watch-{arrivals}"),
            "name": name,
            "items": line["items"],
            "wall_s": line["wall_s"],
            "arrived": line["arrived"],
            "lag_p50_s": line["lag_p50_s"],
            "lag_p99_s": line["lag_p99_s"],
            "interval_s": WATCH_INTERVAL,
            "requests": requests,
            "requests_per_line": requests / lines,
            "duplicates": line["duplicates"],
            "throttled": stats["answers"]["429"].as_f64().unwrap_or(0.0),
        }));
        let _ = std::fs::remove_file(&output);
        let _ = std::fs::remove_file(&state);
    }
    Ok(rows)
}

fn goal_row(name: &str, goal: &str, value: Option<f64>, met: fn(f64) -> bool) -> Value {
    json!({
        "name": name,
        "target": goal,
        "value": value,
        "met": value.map(met),
    })
}

/// The report as markdown tables.
fn markdown(report: &Value) -> String {
    let mut s = String::new();
    let runs = report["runs"].as_u64().unwrap_or(0);
    s.push_str(&format!(
        "\nEnd to end, ListClusterEvents, page size 200, AK/SK signed, medians of {runs} interleaved runs:\n\n"
    ));
    s.push_str(
        "| contender | items | wall s | items/s | peak RSS MiB | client CPU s | mock CPU s |\n",
    );
    s.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for c in report["contenders"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "| {} | {} | {:.3} | {:.0} | {:.1} | {:.2} | {:.2} |\n",
            c["name"].as_str().unwrap_or("?"),
            c["items"],
            c["wall_s"].as_f64().unwrap_or(f64::NAN),
            c["items_per_s"].as_f64().unwrap_or(f64::NAN),
            c["peak_rss_bytes"].as_f64().unwrap_or(f64::NAN) / (1024.0 * 1024.0),
            c["cpu_s"].as_f64().unwrap_or(f64::NAN),
            c["mock_cpu_s"].as_f64().unwrap_or(f64::NAN),
        ));
    }
    let pacing = report["pacing"].as_array().cloned().unwrap_or_default();
    if !pacing.is_empty() {
        s.push_str(&format!(
            "\nPacing against a throttled hss-mock (--latency-ms {THROTTLE_LATENCY_MS} --rate-limit {THROTTLE_RATE}), one run each:\n\n"
        ));
        s.push_str(
            "| contender | items | wall s | pages/s | of the allowed rate | answers 429 |\n",
        );
        s.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for row in pacing {
            s.push_str(&format!(
                "| {} | {} | {:.1} | {:.1} | {:.0}% | {:.1}% |\n",
                row["name"].as_str().unwrap_or("?"),
                row["items"],
                row["wall_s"].as_f64().unwrap_or(f64::NAN),
                row["pages_per_s"].as_f64().unwrap_or(f64::NAN),
                row["of_allowed"].as_f64().unwrap_or(f64::NAN) * 100.0,
                row["throttled_share"].as_f64().unwrap_or(f64::NAN) * 100.0,
            ));
        }
    }
    let service = report["service"].as_array().cloned().unwrap_or_default();
    if !service.is_empty() {
        s.push_str(
            "\nThe service as it is: hss-mock with the documented throttling (--gateway-limits, window scaled), one run each:\n\n",
        );
        s.push_str("| contender | records | wall s | ideal s | wall / ideal | requests | answers 429 | notes |\n");
        s.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for row in service {
            let notes = if row["key"] == "python" {
                format!(
                    "finished: {}{}",
                    if row["finished"].as_bool() == Some(true) {
                        "yes"
                    } else {
                        "no"
                    },
                    match row["error_status"].as_u64() {
                        Some(status) => format!(
                            " (HTTP {status} {})",
                            row["error_code"].as_str().unwrap_or("")
                        ),
                        None => String::new(),
                    }
                )
            } else if row["key"].as_str().is_some_and(|k| k.starts_with("watch-")) {
                format!(
                    "{} arrivals timed: lag median {:.2} s, p99 {:.2} s (interval {} s); {:.3} requests a line; {} written twice",
                    row["arrived"],
                    row["lag_p50_s"].as_f64().unwrap_or(f64::NAN),
                    row["lag_p99_s"].as_f64().unwrap_or(f64::NAN),
                    row["interval_s"],
                    row["requests_per_line"].as_f64().unwrap_or(f64::NAN),
                    row["duplicates"]
                )
            } else if row["key"] == "live" {
                format!(
                    "{} written twice, {} present throughout not written, {} requests more than the still list",
                    row["duplicates"], row["missing"], row["extra_requests"]
                )
            } else {
                String::new()
            };
            let number = |key: &str, digits: usize| {
                row[key]
                    .as_f64()
                    .map_or("".to_string(), |v| format!("{v:.digits$}"))
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {notes} |\n",
                row["name"].as_str().unwrap_or("?"),
                row["items"],
                number("wall_s", 2),
                number("ideal_s", 2),
                row["of_ideal"]
                    .as_f64()
                    .map_or(String::new(), |v| format!("{v:.3}x")),
                row["requests"],
                row["throttled"],
            ));
        }
    }
    let decode = report["decode"].as_array().cloned().unwrap_or_default();
    if !decode.is_empty() {
        s.push_str("\nDecode, one 200-item page (criterion medians):\n\n");
        s.push_str("| response type | page bytes | generated MB/s | floor MB/s | generated time / floor |\n");
        s.push_str("| --- | ---: | ---: | ---: | ---: |\n");
        for row in decode {
            s.push_str(&format!(
                "| {} | {:.0} | {:.0} | {:.0} | {:.2}x |\n",
                row["type"].as_str().unwrap_or("?"),
                row["page_bytes"].as_f64().unwrap_or(f64::NAN),
                row["generated_mb_s"].as_f64().unwrap_or(f64::NAN),
                row["floor_mb_s"].as_f64().unwrap_or(f64::NAN),
                row["time_ratio"].as_f64().unwrap_or(f64::NAN),
            ));
        }
    }
    s.push_str("\nTargets (ratios taken within each run, medians):\n\n");
    s.push_str("| target | goal | measured | met |\n| --- | --- | ---: | --- |\n");
    for t in report["targets"].as_array().into_iter().flatten() {
        let value = t["value"]
            .as_f64()
            .map_or("n/a".to_string(), |v| format!("{v:.2}x"));
        let met = match t["met"].as_bool() {
            Some(true) => "yes",
            Some(false) => "no",
            None => "not measured",
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            t["name"].as_str().unwrap_or("?"),
            t["target"].as_str().unwrap_or("?"),
            value,
            met
        ));
    }
    s
}
