//! Records as SIEM events (`hss_client::siem`, mapped as the spec's
//! `x-siem` says): every OCSF event validates against the official OCSF
//! schema of its class, and every ECS document uses ECS fields with ECS's
//! types; for the spec's documented examples, the edge fixtures, and
//! records of hss-mock's moving lists, read by watch feeds. Nothing here
//! names an operation: each mapped operation is taken from the table.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use hss_client::prelude::*;
use hss_client::siem::{Context, MapError, map_record};
use hss_client::spec::siem::{Const, Convert, Source};
use hss_client::watch::{Feed, FeedState, Step};
use hss_client::{Query, RecordKey, SiemSchema};
use hss_mock::{Credentials as MockCredentials, LiveConfig, MockConfig, RunningMock, start};
use hss_tests::requests::selecting_filters;
use hss_tests::service::mock_config;
use hss_tests::siem::{assert_versions, ecs_problems, mapped, validate_ocsf};
use hss_tests::{decode_as, fixtures, load_spec, operation_answering_with, response_examples};
use serde_json::Value;

const AK: &str = "AKSIEMTEST0000000001";
const SK: &str = "sk-siem-test-0000000000000000000000001";

/// The records of a response body: its items field, as the typed response
/// encodes them.
fn records(operation: Operation, body: &Value) -> Vec<Value> {
    let items = operation
        .pagination()
        .map(|p| p.items)
        .unwrap_or("data_list");
    body.get(items)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn context(id: RecordKey) -> Context {
    Context::default()
        .with_region("cn-north-4")
        .with_project("0123456789abcdef0123456789abcdef")
        .with_account("fedcba9876543210fedcba9876543210")
        .with_id(id.to_string())
}

/// The top-level names an ECS mapping keeps for itself (where the
/// original record goes).
fn custom(operation: Operation) -> Vec<&'static str> {
    operation
        .siem(SiemSchema::Ecs)
        .and_then(|m| m.original)
        .map(|o| o.split('.').next().unwrap_or(o))
        .into_iter()
        .collect()
}

/// Maps `record` to every schema, checking the ECS document on the way;
/// the OCSF event (to validate together), or the error.
fn map_both(operation: Operation, record: &Value, label: &str) -> Result<Value, MapError> {
    let id = RecordKey::of_version(RecordKey::from_json(operation, record), None);
    let ocsf = map_record(operation, record, SiemSchema::Ocsf, &context(id))?;
    if operation.siem(SiemSchema::Ecs).is_some() {
        let ecs = map_record(operation, record, SiemSchema::Ecs, &context(id))?;
        let problems = ecs_problems(&ecs, &custom(operation));
        assert!(
            problems.is_empty(),
            "{label}: ECS problems: {problems:#?}\n{ecs:#}"
        );
        assert!(ecs["@timestamp"].is_string(), "{label}: no @timestamp");
    }
    Ok(ocsf)
}

/// Every documented example, and every edge fixture the generated types
/// accept, maps to an OCSF event of its class that the official schema
/// accepts and an ECS document of ECS fields. A fixture record the
/// schemas cannot take (no time at all) is refused with the target it
/// lacks, and costs only itself.
#[test]
fn documented_examples_and_fixtures_become_valid_events() {
    let spec = load_spec().expect("spec loads");
    let mut events = Vec::new();
    let mut refused = Vec::new();
    let mut bodies: Vec<(String, Operation, Value, bool)> = Vec::new();
    for example in response_examples(&spec) {
        if let Some(operation) = operation_answering_with(&example.schema) {
            let body = decode_as(&example.schema, &example.value).expect("example decodes");
            bodies.push((example.label, operation, body.reencoded, true));
        }
    }
    for (schema, name, value) in fixtures() {
        if let (Some(operation), Ok(body)) = (
            operation_answering_with(&schema),
            decode_as(&schema, &value),
        ) {
            bodies.push((format!("{schema}/{name}"), operation, body.reencoded, false));
        }
    }
    for (label, operation, body, documented) in &bodies {
        if operation.siem(SiemSchema::Ocsf).is_none() {
            continue;
        }
        for record in records(*operation, body) {
            match map_both(*operation, &record, label) {
                Ok(event) => events.push(event),
                Err(MapError::Required { target, .. }) if !documented => {
                    refused.push(format!("{label}: {target}"));
                }
                Err(other) => panic!("{label}: {other}"),
            }
        }
    }
    let per_operation = mapped(SiemSchema::Ocsf).len();
    assert!(
        events.len() >= per_operation,
        "events from every mapped operation: {}",
        events.len()
    );
    let report = validate_ocsf(&events);
    assert_eq!(report.checked, events.len() as u64, "{}", report.problems);
    assert_eq!(report.invalid, 0, "{}", report.problems);
    eprintln!("{} events valid; refused: {refused:?}", events.len());
}

/// A record without what a schema requires is refused, naming the target;
/// the mapping of an operation the spec does not map says so.
#[test]
fn a_record_without_a_required_target_is_refused_by_name() {
    for operation in mapped(SiemSchema::Ocsf) {
        let mapping = operation.siem(SiemSchema::Ocsf).expect("mapped");
        let error = map_record(
            operation,
            &serde_json::json!({}),
            SiemSchema::Ocsf,
            &Context::default(),
        )
        .expect_err("an empty record has none of the required targets");
        match error {
            MapError::Required { target, .. } => {
                assert!(mapping.required.contains(&target), "{target}");
                assert!(error.to_string().contains(target), "{error}");
            }
            other => panic!("{operation}: {other}"),
        }
        let not_object = map_record(
            operation,
            &Value::from(1),
            SiemSchema::Ocsf,
            &Context::default(),
        );
        assert!(matches!(not_object, Err(MapError::NotAnObject { .. })));
    }
}

/// A severity mapped from a listed value is never Unknown (0): every value
/// the spec lists for the field a severity is read from is a known
/// severity, so a SIEM rule that filters on severity sees every one.
#[test]
fn every_listed_value_a_severity_is_read_from_has_a_severity() {
    let mut maps = 0;
    for operation in mapped(SiemSchema::Ocsf) {
        let mapping = operation.siem(SiemSchema::Ocsf).expect("mapped");
        for rule in mapping.rules.iter().filter(|r| r.target == "severity_id") {
            if let Source::Map { field, cases, .. } = rule.value {
                maps += 1;
                for (value, constant) in cases {
                    assert!(
                        matches!(constant, Const::Int(n) if *n > 0),
                        "{operation}: {field} {value} maps to severity {constant:?}"
                    );
                }
            }
        }
    }
    assert!(maps > 0, "no OCSF mapping reads its severity from a field");
}

/// The fixture of policy actions (`blocked-admission`): a blocked
/// admission is ECS `event.type: [denied]`, and no action it holds maps
/// to an Unknown severity.
#[test]
fn a_blocked_admission_is_denied_and_every_action_has_a_severity() {
    let mut denied = 0;
    let mut checked = 0;
    for (schema, name, value) in fixtures() {
        if name != "blocked-admission" {
            continue;
        }
        let operation = operation_answering_with(&schema).expect("a fixture of an operation");
        let body = decode_as(&schema, &value).expect("the fixture decodes");
        for record in records(operation, &body.reencoded) {
            let id = RecordKey::of_version(RecordKey::from_json(operation, &record), None);
            let ocsf = map_record(operation, &record, SiemSchema::Ocsf, &context(id))
                .expect("maps to OCSF");
            let ecs =
                map_record(operation, &record, SiemSchema::Ecs, &context(id)).expect("maps to ECS");
            assert_ne!(ocsf["severity_id"], 0, "{schema}/{name}: {record}");
            if ecs["event"]["type"] == serde_json::json!(["denied"]) {
                denied += 1;
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no blocked-admission fixture");
    assert_eq!(denied, 1, "exactly the one blocked admission is denied");
}

async fn mock(live: LiveConfig) -> RunningMock {
    start(MockConfig {
        credentials: MockCredentials::new().with_key_pair(AK, SK),
        ..mock_config(1000, None, live, Duration::ZERO)
    })
    .await
    .expect("mock starts")
}

fn client(mock: &RunningMock) -> HssClient {
    HssClient::builder()
        .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
        .project_id(hss_mock::DEFAULT_PROJECT_ID)
        .credentials(Credentials::ak_sk(AK, SK).expect("credentials"))
        .budget(Budget::Off)
        .build()
        .expect("client builds")
}

/// The feed of `operation` over every record the mock serves.
fn feed(mock: &RunningMock, operation: Operation) -> Feed {
    let query = selecting_filters(mock, operation, false)
        .into_iter()
        .fold(Query::new(operation), |q, (name, value)| {
            q.with(name, value)
        });
    let mut feed = Feed::new(query);
    // From long before the mock's first record.
    feed.since = Duration::from_secs(5 * 365 * 86_400);
    feed
}

/// Records of moving lists (arrivals, changes, removals), read by a watch
/// feed cycle after cycle: every version maps to a valid OCSF event and
/// ECS document, and a record read again in a new version keeps its
/// finding's uid, with a new modified time and a new event uid.
#[tokio::test]
async fn records_of_moving_lists_become_valid_events() {
    let live = LiveConfig {
        arrivals_per_sec: 50.0,
        changes_per_sec: 200.0,
        removals_per_sec: 5.0,
        ..LiveConfig::default()
    };
    let mock = mock(live).await;
    let client = client(&mock);
    let mut events = Vec::new();
    for operation in mapped(SiemSchema::Ocsf) {
        let feed = feed(&mock, operation);
        let mut state = FeedState::default();
        let mut by_key: BTreeMap<RecordKey, Vec<Value>> = BTreeMap::new();
        for cycle in 0..3 {
            if cycle > 0 {
                // Time for the list to move; nothing here depends on how
                // much it moved, only that versions can be told apart.
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            let mut steps = feed.cycle(client.clone(), state.clone());
            while let Some(step) = steps.next().await {
                match step.expect("a step") {
                    Step::Page {
                        deliveries,
                        state: next,
                        ..
                    } => {
                        for d in deliveries {
                            let record: Value = serde_json::from_str(&d.json).expect("json");
                            let event =
                                map_record(operation, &record, SiemSchema::Ocsf, &context(d.id))
                                    .unwrap_or_else(|e| panic!("{operation}: {e}"));
                            assert_eq!(event["metadata"]["uid"], d.id.to_string());
                            let ecs =
                                map_record(operation, &record, SiemSchema::Ecs, &context(d.id))
                                    .unwrap_or_else(|e| panic!("{operation}: {e}"));
                            let problems = ecs_problems(&ecs, &custom(operation));
                            assert!(problems.is_empty(), "{operation}: {problems:#?}");
                            check_rules(operation, &record, &event, SiemSchema::Ocsf);
                            check_rules(operation, &record, &ecs, SiemSchema::Ecs);
                            by_key.entry(d.key).or_default().push(event.clone());
                            events.push(event);
                        }
                        state = next;
                    }
                    Step::Done { state: next, .. } => state = next,
                    _ => {}
                }
            }
        }
        let delivered: usize = by_key.values().map(Vec::len).sum();
        assert!(delivered >= 1000, "{operation}: {delivered} records");
        if operation
            .pagination()
            .and_then(|p| p.record_version)
            .is_some()
        {
            assert_versions(&operation.to_string(), by_key.values().map(Vec::as_slice));
        }
    }
    let report = validate_ocsf(&events);
    assert_eq!(report.checked, events.len() as u64, "{}", report.problems);
    assert_eq!(report.invalid, 0, "{}", report.problems);
}

/// The value at a dotted path.
fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |node, key| match node {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        other => other.get(key),
    })
}

/// The event carries what the spec's rules say: each field a rule copies
/// as it is, at its target (outside lists, whose items may be left out),
/// and, where the mapping keeps leftovers, every top-level field of the
/// record either copied by a rule or under the leftovers.
fn check_rules(operation: Operation, record: &Value, event: &Value, schema: SiemSchema) {
    let Some(mapping) = operation.siem(schema) else {
        return;
    };
    let mut copied = Vec::new();
    for rule in mapping.rules {
        let mut sources = vec![rule.value];
        while let Some(source) = sources.pop() {
            match source {
                Source::Field(path, how) => {
                    copied.push(path);
                    let in_list = rule.target.split('.').any(|s| s.parse::<usize>().is_ok());
                    if how == Convert::AsIs
                        && !in_list
                        && matches!(rule.value, Source::Field(..))
                        && let Some(value) = at(record, path).filter(|v| !v.is_null())
                    {
                        assert_eq!(
                            at(event, rule.target),
                            Some(value),
                            "{operation} {}",
                            rule.target
                        );
                    }
                }
                Source::First(list) => sources.extend(list.iter().copied()),
                _ => {}
            }
        }
    }
    let Some(leftovers) = mapping.unmapped else {
        return;
    };
    for (field, value) in record.as_object().into_iter().flatten() {
        let copied_here = copied
            .iter()
            .any(|c| *c == field || c.starts_with(&format!("{field}.")));
        if !value.is_null() && !copied_here {
            assert!(
                at(event, &format!("{leftovers}.{field}")).is_some(),
                "{operation}: {field} is neither mapped nor under {leftovers}"
            );
        }
    }
}

/// The ECS target whose value is the record version's id.
fn ecs_id_target() -> Vec<&'static str> {
    let mut targets: Vec<&str> = mapped(SiemSchema::Ecs)
        .into_iter()
        .filter_map(|op| op.siem(SiemSchema::Ecs))
        .flat_map(|m| m.rules.iter())
        .filter(|r| r.value == Source::Context(hss_client::spec::siem::ContextValue::Id))
        .map(|r| r.target)
        .collect();
    targets.sort_unstable();
    targets.dedup();
    targets
}

/// The shipping files of `docs/siem/` fit the events: the index template
/// maps every field the ECS documents hold outside ECS, the original
/// record as one flattened field, on top of the ECS mappings; Vector and
/// Fluent Bit read the output the systemd unit writes, as JSON. That their
/// `id_key` finds the version's id in real ECS events, each read with its
/// shipper's own syntax, is checked in `cli/tests/siem.rs`.
#[test]
fn the_documented_shippers_and_index_template_fit_the_events() {
    let root = hss_tests::workspace_root();
    let read =
        |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let template: Value = serde_json::from_str(&read("docs/siem/ecs-index-template.json"))
        .expect("the template is JSON");
    assert!(
        template["composed_of"]
            .as_array()
            .is_some_and(|c| c.contains(&Value::from("ecs@mappings"))),
        "the template builds on ecs@mappings"
    );
    for op in mapped(SiemSchema::Ecs) {
        let mapping = op.siem(SiemSchema::Ecs).expect("mapped");
        let custom = custom(op);
        let mut targets: Vec<&str> = mapping.rules.iter().map(|r| r.target).collect();
        targets.extend(mapping.original);
        for target in targets
            .into_iter()
            .filter(|t| custom.iter().any(|c| t.starts_with(&format!("{c}."))))
        {
            let pointer = format!(
                "/template/mappings/properties/{}",
                target.replace('.', "/properties/")
            );
            let kind = template
                .pointer(&format!("{pointer}/type"))
                .and_then(Value::as_str);
            assert!(kind.is_some(), "{op}: the template does not map {target}");
            if Some(target) == mapping.original {
                assert_eq!(kind, Some("flattened"), "{target}");
            }
        }
    }
    let unit = read("docs/watch/hss-watch.service");
    let ids = ecs_id_target();
    assert!(!ids.is_empty(), "an ECS field holds the version's id");
    for file in ["docs/siem/vector.toml", "docs/siem/fluent-bit.yaml"] {
        let text = read(file);
        let path = text
            .lines()
            .find_map(|l| {
                let l = l.trim();
                l.strip_prefix("include = [\"")
                    .or_else(|| l.strip_prefix("path: "))
            })
            .map(|p| p.split('"').next().unwrap_or(p).to_string())
            .unwrap_or_else(|| panic!("{file} names no file to read"));
        assert!(
            unit.contains(&format!("--output {path}")),
            "{file} reads {path}, the unit writes elsewhere"
        );
        assert!(
            text.contains("parse_json") || text.contains("parser: json"),
            "{file} parses each line as JSON"
        );
        assert!(text.contains("id_key"), "{file} keys documents by {ids:?}");
    }
}
