//! `hss watch` leaves nothing out without a word: against hss-mock serving
//! a record that breaks its schema every few (`bad_record_every`), with
//! `--schema ocsf` and no `-v`, each such record is a warning on stderr,
//! a line of `--rejects` (as `hss export --rejects` writes it), counted in
//! `hss_watch_records_left_out_total` and not as delivered, and `--once`
//! exits 1. Operations come from the generated table: each the spec maps
//! to OCSF that pages without a time window (whose records the mock
//! serves all of, at known positions).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use hss_client::{Operation, SiemSchema};
use hss_mock::{Credentials, MockConfig, RunningMock};
use hss_tests::requests::selecting_filters;
use hss_tests::siem::mapped;
use serde_json::Value;
use tokio::process::Command;

use crate::common::{self, text};

const AK: &str = "CLIREPORTSACCESSKEY1";
const SK: &str = "cli-reports-secret-key-do-not-print";

/// A broken record every this many.
const EVERY: u64 = 50;

async fn mock(events: u64) -> RunningMock {
    let mut config = MockConfig {
        events,
        clusters: 1,
        credentials: Credentials::new().with_key_pair(AK, SK),
        ..MockConfig::default()
    };
    config.faults.bad_record_every = EVERY;
    hss_mock::start(config).await.expect("the mock starts")
}

/// The operations these tests watch; never none.
fn operations() -> Vec<Operation> {
    let found: Vec<Operation> = mapped(SiemSchema::Ocsf)
        .into_iter()
        .filter(|op| op.pagination().is_some() && op.time_window().is_none())
        .collect();
    assert!(
        !found.is_empty(),
        "no operation mapped to OCSF pages without a time window"
    );
    found
}

/// `hss watch` of `op` with `--schema ocsf`, the filters that select the
/// mock's records, `--state`, `--output` and `--rejects` in `dir`.
fn watch(mock: &RunningMock, op: Operation, dir: &Path) -> Command {
    let mut command = common::hss(mock, AK, SK);
    command
        .env("HSS_RATE_LIMIT", "off")
        .args(["watch", &hss_cli::app::command_name(op)]);
    for (name, value) in selecting_filters(mock, op, false) {
        if let Some(parameter) = op.parameter(&name) {
            command.arg(format!("--{}", parameter.rust_name.replace('_', "-")));
            command.arg(value);
        }
    }
    command
        .args(["--schema", "ocsf", "--interval", "1", "--state"])
        .arg(dir.join("state.json"))
        .arg("--output")
        .arg(dir.join("out.ndjson"))
        .arg("--rejects")
        .arg(dir.join("rejects.ndjson"));
    command
}

/// The records of `op` the mock serves, and the positions of the broken
/// ones.
fn served(mock: &RunningMock, op: Operation) -> (u64, Vec<u64>) {
    let total = mock.truth(op, None).expect("truth").1.len() as u64;
    let broken: Vec<u64> = (0..total).filter(|p| p % EVERY == EVERY - 1).collect();
    assert!(!broken.is_empty(), "{op}: no broken record served");
    (total, broken)
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_left_out_is_said_on_stderr_and_set_aside_in_the_rejects() {
    let mock = mock(500).await;
    for op in operations() {
        let (total, broken) = served(&mock, op);
        let dir = tempfile::tempdir().expect("temp dir");
        let output = watch(&mock, op, dir.path())
            .arg("--once")
            .output()
            .await
            .expect("runs");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{op}: {stderr}");
        let warned = stderr
            .lines()
            .filter(|l| l.contains("WARN") && l.contains("does not match its schema"))
            .count();
        assert_eq!(
            warned,
            broken.len(),
            "{op}: a warning each, without -v: {stderr}"
        );
        let written = read_lines(&dir.path().join("out.ndjson"));
        assert_eq!(written.len() as u64, total - broken.len() as u64, "{op}");
        let rejects = read_lines(&dir.path().join("rejects.ndjson"));
        let positions: Vec<u64> = rejects
            .iter()
            .map(|line| {
                let reject: Value = serde_json::from_str(line).expect("a JSON line");
                assert_eq!(reject["operation"], op.operation_id(), "{line}");
                assert!(reject["record"].is_object(), "the raw record: {line}");
                assert!(reject["error"].as_str().is_some_and(|e| !e.is_empty()));
                assert!(reject["id"].as_str().is_some_and(|id| id.len() == 32));
                reject["position"].as_u64().expect("a position")
            })
            .collect();
        assert_eq!(
            positions, broken,
            "{op}: exactly the broken records, in order"
        );
        // The next cycle meets them again, and sets none aside twice.
        let again = watch(&mock, op, dir.path())
            .arg("--once")
            .output()
            .await
            .expect("runs");
        assert_eq!(
            again.status.code(),
            Some(0),
            "{op}: {}",
            text(&again.stderr)
        );
        assert_eq!(
            read_lines(&dir.path().join("rejects.ndjson")),
            rejects,
            "{op}"
        );
    }
    mock.shutdown().await;
}

/// The sum of the samples of `metric` whose labels include `labels`.
fn sum(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_left_out_is_counted_apart_from_those_delivered() {
    let mock = mock(300).await;
    for op in operations() {
        let (total, broken) = served(&mock, op);
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = watch(&mock, op, dir.path())
            .args(["--metrics", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawns");
        let id = op.operation_id();
        let (mut delivered, mut left_out, mut body) = (0.0, 0.0, String::new());
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        // Scrapes until the first cycle's pages are all counted.
        while std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{op}: watch ended: {status}");
            }
            let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await
            else {
                continue;
            };
            let Ok(text) = response.text().await else {
                continue;
            };
            let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
                .expect("Prometheus text");
            delivered = sum(
                &scrape,
                "hss_watch_records_delivered_total",
                &[("operation", id)],
            );
            left_out = sum(
                &scrape,
                "hss_watch_records_left_out_total",
                &[("operation", id), ("reason", "schema")],
            );
            body = text;
            if delivered + left_out >= total as f64 {
                break;
            }
        }
        let _ = child.start_kill();
        let _ = child.wait().await;
        assert_eq!(left_out, broken.len() as f64, "{op}: {body}");
        assert_eq!(
            delivered,
            (total - broken.len() as u64) as f64,
            "{op}: {body}"
        );
    }
    mock.shutdown().await;
}
