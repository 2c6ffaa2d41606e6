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
    let operations = mapped(SiemSchema::Ocsf);
    assert!(!operations.is_empty(), "the spec maps an operation to OCSF");
    for op in operations {
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
    let operations = mapped(SiemSchema::Ocsf);
    assert!(!operations.is_empty(), "the spec maps an operation to OCSF");
    for op in operations {
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
    assert!(
        !versioned.is_empty(),
        "the spec maps to OCSF an operation whose records have a version"
    );
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

/// The ECS target the spec fills with the id of the record's version
/// (the same as the `id` of an `hss` line).
fn ecs_id_target(op: Operation) -> &'static str {
    use hss_client::spec::siem::{ContextValue, Source};
    op.siem(SiemSchema::Ecs)
        .expect("mapped to ECS")
        .rules
        .iter()
        .find(|rule| rule.value == Source::Context(ContextValue::Id))
        .map(|rule| rule.target)
        .unwrap_or_else(|| panic!("{op}: no ECS field holds the version's id"))
}

/// The value of `key` in a shipping file of `docs/siem/` (`key = "v"` in
/// TOML, `key: v` in YAML).
fn shipper_setting(file: &str, key: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/siem")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let rest = line.strip_prefix(key)?.trim_start();
            rest.strip_prefix('=')
                .or_else(|| rest.strip_prefix(':'))
                .map(|value| value.trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(|| panic!("{file} sets no {key}"))
}

/// The keys Vector's path syntax names: `event.id` is `id` inside
/// `event` (a leading `.` is optional).
fn vector_path(path: &str) -> Vec<String> {
    assert!(
        !path.contains(['"', '[']),
        "{path}: the test reads plain dotted paths"
    );
    path.trim_start_matches('.')
        .split('.')
        .map(str::to_string)
        .collect()
}

/// The keys Fluent Bit's record accessor names: `$event['id']` is `id`
/// inside `event`; a value without `$` is one top-level key, dots and
/// all, as Fluent Bit's `flb_ra_create` reads it.
fn record_accessor(pattern: &str) -> Vec<String> {
    let Some(rest) = pattern.strip_prefix('$') else {
        return vec![pattern.to_string()];
    };
    let (name, mut rest) = rest.split_at(rest.find('[').unwrap_or(rest.len()));
    let mut keys = vec![name.to_string()];
    while let Some(inner) = rest.strip_prefix('[') {
        let end = inner
            .find(']')
            .unwrap_or_else(|| panic!("{pattern}: a [ without ]"));
        keys.push(inner[..end].trim_matches(['\'', '"']).to_string());
        rest = &inner[end + 1..];
    }
    assert!(rest.is_empty(), "{pattern}: {rest:?} after the keys");
    keys
}

/// The value at `keys` in `event`, as a shipper resolves it.
fn resolve<'v>(event: &'v Value, keys: &[String]) -> Option<&'v Value> {
    keys.iter().try_fold(event, |node, key| match node {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        other => other.get(key),
    })
}

/// The documented shippers key Elasticsearch documents by the version's
/// id, so that a line written twice replaces itself: each one's `id_key`,
/// read with that shipper's own syntax (Vector's paths, Fluent Bit's
/// record accessor), finds the id in every ECS event that `hss export
/// --schema ecs` writes, and distinct events get distinct ids.
///
/// Fluent Bit itself is not run: no package of it installs here (Debian
/// has none, and neither PyPI nor npm ships its binary), so its record
/// accessor is read as its source (`flb_record_accessor.c`) reads it.
#[tokio::test(flavor = "multi_thread")]
async fn the_documented_shippers_find_the_id_of_every_ecs_event() {
    let keys = [
        (
            "vector.toml",
            vector_path(&shipper_setting("vector.toml", "id_key")),
        ),
        (
            "fluent-bit.yaml",
            record_accessor(&shipper_setting("fluent-bit.yaml", "id_key")),
        ),
    ];
    let mock = mock(60, LiveConfig::default()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let ops = mapped(SiemSchema::Ecs);
    assert!(!ops.is_empty(), "the spec maps an operation to ECS");
    for op in ops {
        let name = hss_cli::app::command_name(op);
        let out = dir.path().join(format!("{name}.ecs.ndjson"));
        let output = hss(&mock)
            .args(["export", &name])
            .args(filters(&mock, op, true))
            .args(["--schema", "ecs", "-q", "--output"])
            .arg(&out)
            .output()
            .await
            .expect("runs");
        assert!(output.status.success(), "{name}: {}", text(&output.stderr));
        let lines = events(&out);
        assert!(!lines.is_empty(), "{name}: events to key");
        let target: Vec<String> = ecs_id_target(op).split('.').map(str::to_string).collect();
        for (file, key) in &keys {
            let mut ids = HashSet::new();
            for event in &lines {
                let id = resolve(event, key).and_then(Value::as_str);
                assert!(
                    id.is_some(),
                    "{file}: id_key {key:?} finds no string in {name}'s ECS event {event}"
                );
                assert_eq!(
                    id,
                    resolve(event, &target).and_then(Value::as_str),
                    "{file}: id_key {key:?} is not the version's id"
                );
                ids.extend(id.map(str::to_string));
            }
            assert_eq!(ids.len(), lines.len(), "{file}: {name}: one id an event");
        }
    }
}
