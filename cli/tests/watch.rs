//! `hss watch` against the service as it is: hss-mock with the documented
//! throttling (windows scaled down) and lists that move (arrivals,
//! changes, removals), killed with `kill -9` at random moments and
//! rerun, stopped with SIGTERM, idle, and serving metrics. Every record
//! version the mock's truth held is compared with the output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use hss_client::{Operation, RecordKey};
use hss_mock::{Arrive, Credentials, LiveConfig, MockConfig, RunningMock};
use hss_tests::service::{WINDOW, mock_config, scale};
use tokio::process::Command;

use crate::common;
use common::text;

pub(crate) const AK: &str = "CLIWATCHACCESSKEY001";
pub(crate) const SK: &str = "cli-watch-secret-key-do-not-print";

/// The first operation that pages and has a documented limit, else the
/// first operation: the one whose window scales the mock's gateway.
fn limited_or_first() -> Operation {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| op.pagination().is_some() && op.rate_limit().is_some())
        .unwrap_or(Operation::ALL[0])
}

pub(crate) async fn mock(events: u64, live: LiveConfig, latency: Duration) -> RunningMock {
    hss_mock::start(MockConfig {
        credentials: Credentials::new().with_key_pair(AK, SK),
        ..mock_config(
            events,
            Some(scale(limited_or_first(), WINDOW)),
            live,
            latency,
        )
    })
    .await
    .expect("the mock starts")
}

/// The documented budget of `operation`, scaled to [`WINDOW`], as
/// `--rate-limit` takes it.
pub(crate) fn budget(operation: Operation) -> String {
    let calls = operation.rate_limit().map_or(1_000, |l| l.calls());
    format!("{calls}/{}ms", WINDOW.as_millis())
}

/// The first operation that pages and has no time window (read from the
/// head or in full passes), and its command name.
pub(crate) fn listed() -> Option<Operation> {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| op.pagination().is_some() && op.time_window().is_none())
}

pub(crate) fn hss(
    mock: &RunningMock,
    operation: Operation,
    state: &Path,
    output: &Path,
) -> Command {
    let mut command = common::hss(mock, AK, SK);
    command
        .args(["--rate-limit", &budget(operation)])
        .arg("watch")
        .arg(operation.method_name().replace('_', "-"))
        .arg("--state")
        .arg(state)
        .arg("--output")
        .arg(output)
        .args(["--interval", "1"]);
    command
}

/// Every line of the output: (key, version) and the line's id.
pub(crate) fn lines(
    operation: Operation,
    path: &Path,
) -> Vec<((RecordKey, Option<String>), String)> {
    let version = operation.pagination().and_then(|p| p.record_version);
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("whole JSON lines");
            assert_eq!(value["operation"], operation.operation_id(), "{line}");
            let record = &value["record"];
            let key = RecordKey::from_json(operation, record);
            let version = version.map(|field| record[field].to_string());
            (
                (key, version),
                value["id"].as_str().expect("an id").to_string(),
            )
        })
        .collect()
}

/// The (key, version) of every record the mock holds at `at`.
pub(crate) fn truth(
    mock: &RunningMock,
    operation: Operation,
    at: SystemTime,
) -> BTreeSet<(RecordKey, Option<String>)> {
    let version = operation.pagination().and_then(|p| p.record_version);
    mock.truth(operation, Some(at))
        .expect("truth")
        .1
        .iter()
        .map(|record| {
            (
                RecordKey::from_json(operation, record),
                version.map(|field| record[field].to_string()),
            )
        })
        .collect()
}

/// No version of a record twice, and ids that match versions one to one.
pub(crate) fn assert_once(written: &[((RecordKey, Option<String>), String)], what: &str) {
    let mut seen = BTreeMap::new();
    for (version, id) in written {
        if let Some(before) = seen.insert(version.clone(), id.clone()) {
            panic!("{what}: {version:?} written twice (ids {before} and {id})");
        }
    }
    let ids: BTreeSet<&String> = written.iter().map(|(_, id)| id).collect();
    assert_eq!(ids.len(), written.len(), "{what}: two versions share an id");
}

async fn run_watch_killed_and_resumed(arrive_at: Arrive) {
    let operation = listed().expect("the spec has an operation that pages without a time window");
    let live = LiveConfig {
        arrivals_per_sec: 20.0,
        changes_per_sec: 5.0,
        removals_per_sec: 2.0,
        arrive_at,
    };
    let mock = mock(600, live, Duration::from_millis(5)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, output) = (dir.path().join("state.json"), dir.path().join("out.ndjson"));
    let start = SystemTime::now();
    // Kill it at random moments, anywhere in a cycle (the seed is in the
    // message of any failure).
    let seed = start
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(7);
    let mut draw = seed;
    let mut moments = Vec::new();
    for _ in 0..4 {
        draw = draw
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        moments.push(300 + (draw >> 33) % 2_400);
    }
    eprintln!("kill -9 after {moments:?} ms (seed {seed})");
    for millis in moments {
        let mut child = hss(&mock, operation, &state, &output)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns");
        tokio::time::sleep(Duration::from_millis(millis)).await;
        child.start_kill().expect("kill -9");
        let _ = child.wait().await;
    }
    // One cycle to finish the one the last kill cut short, then a last
    // cycle, whole: every version present from its start to its end must
    // be written by then.
    let finish = hss(&mock, operation, &state, &output)
        .arg("--once")
        .output()
        .await
        .expect("runs");
    assert!(finish.status.success(), "{}", text(&finish.stderr));
    let last_start = SystemTime::now();
    let done = hss(&mock, operation, &state, &output)
        .arg("--once")
        .output()
        .await
        .expect("runs");
    assert!(done.status.success(), "{}", text(&done.stderr));
    let last_end = SystemTime::now();
    let written = lines(operation, &output);
    assert_once(&written, &format!("{arrive_at:?}"));
    let have: BTreeSet<_> = written.iter().map(|(v, _)| v.clone()).collect();
    let present_through_last: Vec<_> = truth(&mock, operation, last_start)
        .intersection(&truth(&mock, operation, last_end))
        .cloned()
        .collect();
    assert!(
        !present_through_last.is_empty(),
        "{arrive_at:?}: no version was present through the last cycle"
    );
    let through_last: Vec<_> = present_through_last
        .iter()
        .filter(|v| !have.contains(*v))
        .collect();
    assert!(
        through_last.is_empty(),
        "{arrive_at:?}: {} versions present through the last cycle were not written",
        through_last.len()
    );
    // And what was there from the very start to the end, unchanged.
    let present_throughout: Vec<_> = truth(&mock, operation, start)
        .intersection(&truth(&mock, operation, last_end))
        .cloned()
        .collect();
    assert!(
        !present_throughout.is_empty(),
        "{arrive_at:?}: no version was present throughout"
    );
    let through_all = present_throughout
        .iter()
        .filter(|v| !have.contains(*v))
        .count();
    assert_eq!(
        through_all, 0,
        "{arrive_at:?}: versions present throughout not written"
    );
    let stats = mock.stats();
    assert_eq!(stats["answers"]["429"].as_u64().unwrap_or(0), 0, "{stats}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newest_first_list_watched_killed_and_resumed_gives_every_version_once() {
    run_watch_killed_and_resumed(Arrive::Head).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oldest_first_list_watched_killed_and_resumed_gives_every_version_once() {
    run_watch_killed_and_resumed(Arrive::Tail).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_made_with_other_filters_is_refused() {
    let operation = listed().expect("the spec has an operation that pages without a time window");
    let mock = mock(50, LiveConfig::default(), Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, output) = (dir.path().join("state.json"), dir.path().join("out.ndjson"));
    let filter = operation
        .parameters()
        .iter()
        .find(|p| {
            !p.required
                && p.location == hss_client::spec::ParameterLocation::Query
                && p.wildcard.is_none()
        })
        .unwrap_or_else(|| {
            panic!("{operation} has no optional query filter to tell two watches apart")
        });
    let flag = format!("--{}", filter.rust_name.replace('_', "-"));
    let first = hss(&mock, operation, &state, &output)
        .arg("--once")
        .output()
        .await
        .expect("runs");
    assert!(first.status.success(), "{}", text(&first.stderr));
    let other = hss(&mock, operation, &state, &output)
        .args(["--once", &flag, "x"])
        .output()
        .await
        .expect("runs");
    assert_eq!(other.status.code(), Some(2), "{}", text(&other.stderr));
    let stderr = text(&other.stderr);
    assert!(stderr.contains("belongs to another watch"), "{stderr}");
}

/// Whether `operation`'s records have no field `name`, or one of its first
/// records has `value` there.
fn holds(mock: &RunningMock, operation: Operation, name: &str, value: &str) -> bool {
    let has_field = operation
        .item_schema()
        .is_some_and(|item| item.field(name).is_some());
    let records = mock
        .records(operation)
        .unwrap_or_else(|| panic!("the mock serves no records of {operation}"));
    !has_field
        || (0..records.len().min(64)).any(|i| records.field(i, name).as_deref() == Some(value))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_cycle_costs_one_request_per_operation_and_filter_set() {
    // A list that is newest first and (all but) still; a time-window
    // operation's window holds nothing.
    let live = LiveConfig {
        arrivals_per_sec: 0.001,
        ..LiveConfig::default()
    };
    let mock = mock(450, live, Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, output) = (dir.path().join("state.json"), dir.path().join("out.ndjson"));
    let operations = hss_tests::service::paged();
    // A cluster that the records of every watched operation with a
    // cluster field hold, whichever operation comes first.
    let cluster = mock
        .dataset()
        .clusters()
        .iter()
        .map(|cluster| cluster.id.clone())
        .find(|id| {
            operations
                .iter()
                .all(|&op| holds(&mock, op, "cluster_id", id))
        });
    let run = || {
        let mut command = common::hss(&mock, AK, SK);
        command
            .args(["--rate-limit", &budget(operations[0]), "watch"])
            .args(
                operations
                    .iter()
                    .map(|op| op.method_name().replace('_', "-")),
            )
            .arg("--state")
            .arg(&state)
            .arg("--output")
            .arg(&output)
            .arg("--once");
        if let Some(cluster) = &cluster {
            command.args(["--cluster-id", cluster]);
        }
        command
    };
    // The backfill, then a cycle that decides the order, then idle ones.
    for _ in 0..2 {
        let out = run().output().await.expect("runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let before = mock.stats()["total"].as_u64().unwrap_or(0);
    let out = run().output().await.expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = mock.stats()["total"].as_u64().unwrap_or(0);
    let log = text(&out.stderr);
    // Each feed's line: what it cost. A time window or a list known to be
    // newest first costs one request when idle; a list whose order its
    // records cannot tell (no version, nothing new yet) a full pass.
    let mut logged = 0;
    for &operation in &operations {
        let line = log
            .lines()
            .find(|line| line.starts_with(&format!("hss watch: {operation}")))
            .unwrap_or_else(|| panic!("{operation}: no cycle line in {log}"));
        assert!(line.contains(": 0 records, "), "{line}");
        let requests: u64 = line
            .split(" records, ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no request count in {line}"));
        let orderable = operation.time_window().is_some()
            || operation
                .pagination()
                .is_some_and(|p| p.record_version.is_some());
        if orderable {
            assert!(!line.contains("(full pass)"), "{line}");
            assert_eq!(requests, 1, "{line}");
        }
        logged += requests;
    }
    assert_eq!(
        after - before,
        logged,
        "the lines tell every request: {log}"
    );
    if operations.iter().any(|op| {
        op.time_window().is_none() && op.pagination().is_some_and(|p| p.record_version.is_some())
    }) {
        assert!(
            log.contains("(from the head)"),
            "no list read from its head: {log}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_in_the_middle_of_a_page_leaves_state_and_output_agreeing() {
    let operation = listed().expect("the spec has an operation that pages without a time window");
    let live = LiveConfig {
        arrivals_per_sec: 10.0,
        ..LiveConfig::default()
    };
    // The mock's gate: closed, it holds every request unanswered for as
    // long as the test needs, however slow the machine.
    let gate = hss_mock::Gate::new();
    let mock = hss_mock::start(MockConfig {
        credentials: Credentials::new().with_key_pair(AK, SK),
        gate: gate.clone(),
        ..mock_config(
            2_000,
            Some(scale(limited_or_first(), WINDOW)),
            live,
            Duration::ZERO,
        )
    })
    .await
    .expect("the mock starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, output) = (dir.path().join("state.json"), dir.path().join("out.ndjson"));
    let child = hss(&mock, operation, &state, &output)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    // Once a page has been delivered (its state saved; the state is saved
    // before the first byte too, so a page was delivered once it names
    // some of the output), the gate closes, and the signal comes while
    // the mock holds a request of the next page unanswered.
    let page_saved = || {
        std::fs::read_to_string(&state)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|saved| saved["output_bytes"].as_u64())
            .is_some_and(|bytes| bytes > 0)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !page_saved() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(page_saved(), "no page was delivered in two minutes");
    gate.close();
    while gate.held() == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        gate.held() > 0,
        "no request of a page was in flight within two minutes"
    );
    let pid = child.id().expect("running");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    // The watch stops with the page's answer still held: it does not wait
    // for it.
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await;
    let held = gate.held();
    gate.open();
    let out = out
        .expect("SIGTERM stops the watch while a page is on its way")
        .expect("waits");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    eprintln!("requests held when the watch had stopped: {held}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("a state")).expect("JSON");
    let length = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    assert!(length > 0, "a page was written before the signal");
    assert_eq!(
        saved["output_bytes"].as_u64(),
        Some(length),
        "the state covers the output"
    );
    let written = lines(operation, &output);
    assert_once(&written, "before the signal");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_served_as_prometheus_text() {
    let operation = listed().expect("the spec has an operation that pages without a time window");
    let mock = mock(300, LiveConfig::default(), Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, output) = (dir.path().join("state.json"), dir.path().join("out.ndjson"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = hss(&mock, operation, &state, &output)
        .args(["--metrics", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    // Every series of the watched operation shows from the first scrape;
    // scrapes go on until the backfill has been delivered.
    let mut body = String::new();
    let mut names = BTreeSet::new();
    let mut delivered = 0.0;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await else {
            continue;
        };
        let Ok(text) = response.text().await else {
            continue;
        };
        let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
            .expect("Prometheus text");
        if names.is_empty() {
            for name in [
                "hss_watch_records_delivered_total",
                "hss_watch_lag_seconds",
                "hss_watch_budget_wait_seconds_total",
            ] {
                assert!(
                    scrape.samples.iter().any(|s| s.metric == name),
                    "{name} from the first scrape:\n{text}"
                );
            }
        }
        names = scrape.samples.iter().map(|s| s.metric.clone()).collect();
        delivered = scrape
            .samples
            .iter()
            .filter(|s| s.metric == "hss_watch_records_delivered_total")
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum();
        body = text;
        if delivered >= 300.0 && names.contains("hss_watch_requests_total") {
            break;
        }
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
    assert!(
        names.contains("hss_watch_requests_total"),
        "requests in {names:?}"
    );
    assert!(delivered >= 300.0, "{body}");
}
