//! `--schema ocsf|ecs` of `hss export` and `hss watch` against hss-mock:
//! every line is one event its schema accepts (the official OCSF schema of
//! its class; ECS's fields and types), every record once; a record that
//! changes while watched comes again as an update of the same finding;
//! formats that cannot hold an event are refused. Operations come from
//! the generated table: each that the spec maps.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Duration;

use hss_client::{Operation, SiemSchema};
use hss_mock::{Credentials, LiveConfig, MockConfig, RunningMock};
use hss_tests::requests::selecting_filters;
use hss_tests::siem::{assert_versions, ecs_problems, mapped, validate_ocsf};
use serde_json::Value;
use tokio::process::Command;

use crate::common::{self, text};

const AK: &str = "CLISIEMACCESSKEY";
const SK: &str = "cli-siem-secret-key-do-not-print";

async fn mock(events: u64, live: LiveConfig) -> RunningMock {
    hss_mock::start(MockConfig {
        events,
        clusters: 1,
        live,
        credentials: Credentials::new().with_key_pair(AK, SK),
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts")
}

fn hss(mock: &RunningMock) -> Command {
    let mut command = common::hss(mock, AK, SK);
    command.env("HSS_RATE_LIMIT", "off");
    command
}

/// The flags that select the mock's records ([`selecting_filters`]).
fn filters(mock: &RunningMock, op: Operation, window: bool) -> Vec<String> {
    let mut flags = Vec::new();
    for (name, value) in selecting_filters(mock, op, window) {
        if let Some(parameter) = op.parameter(&name) {
            flags.push(format!("--{}", parameter.rust_name.replace('_', "-")));
            flags.push(value);
        }
    }
    flags
}

fn events(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line one JSON event"))
        .collect()
}

/// The top-level name the ECS mapping keeps the original record under.
fn custom(op: Operation) -> Vec<&'static str> {
    op.siem(SiemSchema::Ecs)
        .and_then(|m| m.original)
        .and_then(|o| o.split('.').next())
        .into_iter()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_write_events_their_schemas_accept() {
    let mock = mock(1_500, LiveConfig::default()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ocsf = Vec::new();
    for op in mapped(SiemSchema::Ocsf) {
        let name = hss_cli::app::command_name(op);
        let expected = mock.records(op).expect("records").len();
        for schema in ["ocsf", "ecs"] {
            let out = dir.path().join(format!("{name}.{schema}.ndjson"));
            let output = hss(&mock)
                .args(["export", &name])
                .args(filters(&mock, op, true))
                .args(["--schema", schema, "-q", "--output"])
                .arg(&out)
                .output()
                .await
                .expect("runs");
            assert!(
                output.status.success(),
                "{name} {schema}: {}",
                text(&output.stderr)
            );
            let lines = events(&out);
            assert_eq!(
                lines.len() as u64,
                expected,
                "{name} {schema}: every record once"
            );
            let ids: HashSet<String> = lines
                .iter()
                .map(|e| {
                    e.pointer("/metadata/uid")
                        .or_else(|| e.pointer("/event/id"))
                })
                .map(|id| id.and_then(Value::as_str).expect("an id").to_string())
                .collect();
            assert_eq!(ids.len(), lines.len(), "{name} {schema}: one id a record");
            if schema == "ecs" {
                for event in &lines {
                    let problems = ecs_problems(event, &custom(op));
                    assert!(problems.is_empty(), "{name}: {problems:#?}");
                }
            } else {
                ocsf.extend(lines);
            }
        }
    }
    let report = validate_ocsf(&ocsf);
    assert_eq!(report.checked, ocsf.len() as u64, "{}", report.problems);
    assert_eq!(report.invalid, 0, "{}", report.problems);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_format_that_cannot_hold_an_event_is_refused() {
    let mock = mock(10, LiveConfig::default()).await;
    for op in mapped(SiemSchema::Ocsf) {
        let name = hss_cli::app::command_name(op);
        for format in ["csv", "table"] {
            let output = hss(&mock)
                .args(["export", &name])
                .args(filters(&mock, op, true))
                .args(["--schema", "ocsf", "--format", format])
                .output()
                .await
                .expect("runs");
            assert_eq!(output.status.code(), Some(2), "{name} {format}");
            let stderr = text(&output.stderr);
            assert!(
                stderr.contains("--schema ocsf") && stderr.contains(&format!("--format {format}")),
                "{stderr}"
            );
            assert!(output.stdout.is_empty(), "nothing written");
        }
    }
}

/// Watch with `--schema ocsf`, cycle after cycle, of a list whose records
/// change: every line is an OCSF event the schema accepts, and a record
/// that changed comes again under the same `finding_info.uid`, with a
/// later `modified_time`, a new `metadata.uid`, and not as a new finding.
#[tokio::test(flavor = "multi_thread")]
async fn watch_writes_events_and_a_changed_record_updates_its_finding() {
    let live = LiveConfig {
        changes_per_sec: 100.0,
        arrivals_per_sec: 20.0,
        ..LiveConfig::default()
    };
    let mock = mock(400, live).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let versioned: Vec<Operation> = mapped(SiemSchema::Ocsf)
        .into_iter()
        .filter(|op| op.pagination().and_then(|p| p.record_version).is_some())
        .collect();
    let mut all = Vec::new();
    for op in &versioned {
        let name = hss_cli::app::command_name(*op);
        let (state, out) = (
            dir.path().join(format!("{name}.state")),
            dir.path().join(format!("{name}.ndjson")),
        );
        for run in 0..3 {
            if run > 0 {
                // Time for records to change; how many did is not asserted.
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            let output = hss(&mock)
                .args(["watch", &name])
                .args(filters(&mock, *op, false))
                .args(["--schema", "ocsf", "--once", "--state"])
                .arg(&state)
                .arg("--output")
                .arg(&out)
                .output()
                .await
                .expect("runs");
            assert!(output.status.success(), "{name}: {}", text(&output.stderr));
        }
        let lines = events(&out);
        let mut findings: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
        for event in &lines {
            let uid = event
                .pointer("/finding_info/uid")
                .or_else(|| event.pointer("/metadata/uid"));
            findings
                .entry(uid.map(Value::to_string).unwrap_or_default())
                .or_default()
                .push(event);
        }
        let versions: Vec<Vec<Value>> = findings
            .into_values()
            .map(|v| v.into_iter().cloned().collect())
            .collect();
        assert_versions(&name, versions.iter().map(Vec::as_slice));
        all.extend(lines);
    }
    let report = validate_ocsf(&all);
    assert_eq!(report.checked, all.len() as u64, "{}", report.problems);
    assert_eq!(report.invalid, 0, "{}", report.problems);
}
