//! Client-side validation: out-of-range input never reaches the server, and
//! the constraint table matches spec/hss.yaml.

mod common;

use std::collections::BTreeMap;

use hss_client::prelude::*;
use hss_client::validate::{CONSTRAINTS, Kind, Location};
use serde_yaml_ng::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"total_num": 0})))
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn invalid(error: &Error) -> (&str, &str, &str) {
    match error {
        Error::InvalidInput {
            parameter,
            value,
            allowed,
            ..
        } => (parameter, value, allowed),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn out_of_range_limit_and_offset_send_nothing() {
    let server = silent_server().await;
    let client = common::client(&server.uri());
    for (limit, offset, parameter, value, allowed) in [
        (9, 0, "limit", "9", "from 10 to 200"),
        (201, 0, "limit", "201", "from 10 to 200"),
        (10, -1, "offset", "-1", "from 0 to 2000000"),
        (10, 2_000_001, "offset", "2000001", "from 0 to 2000000"),
    ] {
        let error = client
            .list_cluster_events()
            .limit(limit)
            .offset(offset)
            .call()
            .await
            .unwrap_err();
        assert_eq!(invalid(&error), (parameter, value, allowed));
        assert_eq!(error.attempt(), 0);
        assert_eq!(error.operation(), Some("ListClusterEvents"));
        assert!(!error.is_retryable());
    }
}

#[tokio::test]
async fn event_log_rules_send_nothing() {
    let server = silent_server().await;
    let client = common::client(&server.uri());
    let logs = || {
        client
            .list_cluster_event_logs()
            .cluster_id("c-1")
            .start_time(100_i64)
            .end_time(200_i64)
    };
    let error = logs().offset(-5).call().await.unwrap_err();
    assert_eq!(invalid(&error), ("offset", "-5", "of at least 0"));
    let error = logs().start_time(300_i64).call().await.unwrap_err();
    assert_eq!(
        invalid(&error),
        ("start_time", "300", "at most end_time (200)")
    );
    let error = logs().cluster_id("").call().await.unwrap_err();
    assert_eq!(invalid(&error).0, "cluster_id");
    let long = "x".repeat(300);
    let error = logs()
        .enterprise_project_id(long.clone())
        .call()
        .await
        .unwrap_err();
    let (parameter, value, allowed) = invalid(&error);
    assert_eq!(
        (parameter, allowed),
        ("enterprise_project_id", "1 to 256 characters")
    );
    assert_eq!(
        value,
        format!("{:?}... (300 characters)", &long[..80]),
        "a long value is shown cut short, with its length"
    );
    for error in [
        logs().enterprise_project_id("").call().await.unwrap_err(),
        client
            .list_cluster_events()
            .enterprise_project_id("")
            .call()
            .await
            .unwrap_err(),
    ] {
        assert_eq!(
            invalid(&error),
            ("enterprise_project_id", "\"\"", "1 to 256 characters")
        );
    }
    let error = client
        .list_cluster_event_logs()
        .cluster_id("c-1")
        .call()
        .await
        .unwrap_err();
    assert_eq!(invalid(&error).0, "end_time");
}

#[test]
fn builder_rejects_bad_project_ids_and_missing_settings() {
    let long = "p".repeat(257);
    let error = common::builder("http://127.0.0.1:1")
        .project_id(long)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("1 to 256"), "{error}");
    let error = HssClient::builder()
        .project_id("p")
        .credentials(Credentials::ak_sk("a", "s").unwrap())
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("region"), "{error}");
}

#[test]
fn from_env_names_missing_variables() {
    let error = HssClient::from_lookup(|name| match name {
        "HUAWEICLOUD_SDK_AK" => Some("ak".into()),
        "HUAWEICLOUD_SDK_SK" => Some("sk".into()),
        "HUAWEICLOUD_SDK_PROJECT_ID" => Some("p1".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(
        error.to_string().contains("HUAWEICLOUD_SDK_REGION"),
        "{error}"
    );
    let client = HssClient::from_lookup(|name| match name {
        "CLOUD_SDK_AK" => Some("ak".into()),
        "CLOUD_SDK_SK" => Some("sk".into()),
        "HUAWEICLOUD_SDK_PROJECT_ID" => Some("p1".into()),
        "HUAWEICLOUD_SDK_REGION" => Some("eu-west-101".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(
        client.endpoint().base_url(),
        "https://hss.eu-west-101.myhuaweicloud.eu"
    );
    assert_eq!(client.project_id(), "p1");
    let error = HssClient::from_lookup(|name| match name {
        "HUAWEICLOUD_SDK_AK" | "HUAWEICLOUD_SDK_SK" => Some("x".into()),
        "HUAWEICLOUD_SDK_PROJECT_ID" => Some(String::new()),
        _ => None,
    })
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("HUAWEICLOUD_SDK_PROJECT_ID is set but empty"),
        "{error}"
    );
}

/// One parameter as the spec describes it:
/// (location, required, minimum, maximum, minLength, maxLength).
type SpecEntry = (
    String,
    bool,
    Option<i64>,
    Option<i64>,
    Option<u64>,
    Option<u64>,
);

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let mut target = root;
            for part in reference.trim_start_matches("#/").split('/') {
                target = &target[part];
            }
            target
        }
        None => node,
    }
}

#[test]
fn constraint_table_matches_the_spec() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/hss.yaml")).unwrap();
    let spec: Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut from_spec: BTreeMap<(String, String), SpecEntry> = BTreeMap::new();
    let paths = spec["paths"].as_mapping().unwrap();
    for (_, item) in paths {
        for (verb, operation) in item.as_mapping().unwrap() {
            if verb.as_str() == Some("parameters") {
                continue;
            }
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            for parameter in operation["parameters"].as_sequence().unwrap() {
                let parameter = resolve(&spec, parameter);
                let schema = resolve(&spec, &parameter["schema"]);
                let int = |key: &str| schema.get(key).and_then(Value::as_i64);
                let uint = |key: &str| schema.get(key).and_then(Value::as_u64);
                from_spec.insert(
                    (
                        id.to_string(),
                        parameter["name"].as_str().unwrap().to_string(),
                    ),
                    (
                        parameter["in"].as_str().unwrap().to_string(),
                        parameter
                            .get("required")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        int("minimum"),
                        int("maximum"),
                        uint("minLength"),
                        uint("maxLength"),
                    ),
                );
            }
        }
    }
    let from_table: BTreeMap<(String, String), SpecEntry> = CONSTRAINTS
        .iter()
        .map(|c| {
            let location = match c.location {
                Location::Path => "path",
                Location::Query => "query",
            };
            let (minimum, maximum, min_length, max_length) = match c.kind {
                Kind::Integer { minimum, maximum } => (minimum, maximum, None, None),
                Kind::String {
                    min_length,
                    max_length,
                } => (None, None, min_length, max_length),
            };
            (
                (c.operation.to_string(), c.name.to_string()),
                (
                    location.to_string(),
                    c.required,
                    minimum,
                    maximum,
                    min_length,
                    max_length,
                ),
            )
        })
        .collect();
    assert_eq!(from_table.len(), CONSTRAINTS.len(), "duplicate table rows");
    assert_eq!(from_table, from_spec);
}

#[test]
fn table_kinds_match_spec_types() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/hss.yaml")).unwrap();
    let spec: Value = serde_yaml_ng::from_str(&text).unwrap();
    for constraint in CONSTRAINTS {
        let found = spec["paths"]
            .as_mapping()
            .unwrap()
            .iter()
            .filter_map(|(_, item)| item.get("get"))
            .filter(|op| op["operationId"].as_str() == Some(constraint.operation))
            .flat_map(|op| op["parameters"].as_sequence().unwrap().iter())
            .map(|p| resolve(&spec, p))
            .find(|p| p["name"].as_str() == Some(constraint.name))
            .unwrap();
        let spec_type = resolve(&spec, &found["schema"])["type"].as_str().unwrap();
        let table_type = match constraint.kind {
            Kind::Integer { .. } => "integer",
            Kind::String { .. } => "string",
        };
        assert_eq!(
            spec_type, table_type,
            "{}.{}",
            constraint.operation, constraint.name
        );
    }
}
