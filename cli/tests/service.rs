//! `hss` against the service as it is: hss-mock with the API gateway's
//! documented throttling (windows scaled down) and lists that move while
//! they are exported, through a `kill -9` and a resume too. Limits, page
//! sizes and record keys come from the spec.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use hss_client::{Operation, RecordKey};
use hss_mock::{Credentials, LiveConfig, MockConfig, RunningMock};
use hss_tests::requests::selecting_query;
use hss_tests::service::{WINDOW, keys, limited, mock_config, scale};
use tokio::process::Command;

use crate::common;
use common::text;
const AK: &str = "CLISERVICEACCESSKEY";
const SK: &str = "cli-service-secret-key-do-not-print";

async fn mock(
    events: u64,
    gateway: Option<f64>,
    live: LiveConfig,
    latency: Duration,
) -> RunningMock {
    hss_mock::start(MockConfig {
        credentials: Credentials::new().with_key_pair(AK, SK),
        ..mock_config(events, gateway, live, latency)
    })
    .await
    .expect("the mock starts")
}

/// `hss` pointed at `mock`, with credentials and no other environment.
fn hss(mock: &RunningMock) -> Command {
    common::hss(mock, AK, SK)
}

/// The export command's name and filters for `operation`.
fn export_args(mock: &RunningMock, operation: Operation) -> Vec<String> {
    let paging = operation.pagination().expect("pages");
    let mut args = vec![
        "export".to_string(),
        operation.method_name().replace('_', "-"),
    ];
    for (name, value) in selecting_query(mock, operation) {
        if name == paging.offset || name == paging.limit {
            continue;
        }
        let Some(parameter) = operation.parameter(&name) else {
            continue;
        };
        args.push(format!("--{}", parameter.rust_name.replace('_', "-")));
        args.push(value);
    }
    args
}

/// The keys of the records of an NDJSON output.
fn written(operation: Operation, path: &Path) -> Vec<RecordKey> {
    std::fs::read_to_string(path)
        .expect("written")
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("whole JSON lines");
            RecordKey::from_json(operation, &value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_under_the_documented_limit_gets_every_record_and_no_429() {
    for operation in limited() {
        let limit = operation.rate_limit().expect("limited");
        let page = operation.pagination().expect("pages").default_page_size as u64;
        // More pages than one window allows.
        let events = (limit.calls() + 1) * page;
        let mock = mock(
            events,
            Some(scale(operation, WINDOW)),
            LiveConfig::default(),
            Duration::ZERO,
        )
        .await;
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out.ndjson");
        let budget = format!("{}/{}ms", limit.calls(), WINDOW.as_millis());
        let output = hss(&mock)
            .args(export_args(&mock, operation))
            .args(["--rate-limit", &budget, "--output"])
            .arg(&out)
            .output()
            .await
            .expect("runs");
        assert!(
            output.status.success(),
            "{operation}: {}",
            text(&output.stderr)
        );
        let keys = written(operation, &out);
        let distinct: BTreeSet<_> = keys.iter().collect();
        assert_eq!(keys.len() as u64, events, "{operation}");
        assert_eq!(distinct.len(), keys.len(), "{operation}: duplicates");
        let stats = mock.stats();
        assert_eq!(
            stats["answers"]["429"].as_u64().unwrap_or(0),
            0,
            "{operation}: {stats}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_rate_limit_is_a_usage_error_naming_the_flag() {
    let mock = mock(10, None, LiveConfig::default(), Duration::ZERO).await;
    let operation = Operation::ALL[0];
    let output = hss(&mock)
        .args(["--rate-limit", "fast"])
        .arg(operation.method_name().replace('_', "-"))
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("--rate-limit") && stderr.contains("5/60s"),
        "{stderr}"
    );
    let output = hss(&mock)
        .env("HSS_RATE_LIMIT", "often")
        .arg(operation.method_name().replace('_', "-"))
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("HSS_RATE_LIMIT"),
        "{}",
        text(&output.stderr)
    );
}

async fn wait_for_lines(path: &Path, lines: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        let count = std::fs::read_to_string(path)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if count >= lines {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{} never reached {lines} lines", path.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moving_list_exported_killed_and_resumed_repeats_nothing_and_misses_nothing() {
    let operations = hss_tests::service::paged();
    for operation in operations {
        let live = LiveConfig {
            arrivals_per_sec: 200.0,
            removals_per_sec: 50.0,
            ..LiveConfig::default()
        };
        // The list moves on the mock's clock, which steps on 10 ms at each
        // request: by the same records between two requests however long
        // the export, its kill and its restart take.
        let (clock, _) = hss_mock::Clock::stepped(Duration::from_millis(10));
        let mock = hss_mock::start(MockConfig {
            credentials: Credentials::new().with_key_pair(AK, SK),
            clock,
            ..mock_config(3_000, None, live, Duration::from_millis(10))
        })
        .await
        .expect("the mock starts");
        let paging = operation.pagination().expect("pages");
        let size = paging
            .min_limit
            .max(100)
            .min(paging.default_page_size)
            .to_string();
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out.ndjson");
        let checkpoint = dir.path().join("export.checkpoint");
        let run = || {
            let mut command = hss(&mock);
            command
                .args(["--rate-limit", "off"])
                .args(export_args(&mock, operation))
                .args(["--page-size", &size, "--output"])
                .arg(&out)
                .arg("--checkpoint")
                .arg(&checkpoint);
            command
        };
        let first = keys(operation, &mock.truth(operation, None).expect("truth").1);
        let mut child = run()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns");
        wait_for_lines(&out, 500).await;
        child.start_kill().expect("kill -9");
        let status = child.wait().await.expect("waits");
        assert!(
            !status.success(),
            "{operation}: the export ended before it was killed"
        );
        let output = run().output().await.expect("reruns");
        assert!(
            output.status.success(),
            "{operation}: {}",
            text(&output.stderr)
        );
        let last = keys(operation, &mock.truth(operation, None).expect("truth").1);
        let yielded = written(operation, &out);
        let distinct: BTreeSet<_> = yielded.iter().copied().collect();
        assert_eq!(distinct.len(), yielded.len(), "{operation}: duplicates");
        let throughout: Vec<&RecordKey> = first.intersection(&last).collect();
        assert!(
            !throughout.is_empty(),
            "{operation}: no record was present throughout"
        );
        let missing = throughout
            .iter()
            .filter(|k| !distinct.contains(**k))
            .count();
        assert_eq!(
            missing, 0,
            "{operation}: missed {missing} records present throughout"
        );
        assert!(
            !checkpoint.exists(),
            "{operation}: the checkpoint is removed"
        );
    }
}
