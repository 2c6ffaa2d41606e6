//! hss-mock answers requests that break the spec's constraints with 400
//! and the Huawei error body naming the parameter. Every operation and
//! parameter comes from the generated operations table; the bounds
//! themselves are checked, for the client and the mock together, by
//! `hss-tests`' spec_bounds test.

use hss_client::Operation;
use hss_client::spec::{ParameterLocation, Schema};
use hss_mock::{Credentials, MockConfig, RunningMock, start};
use serde_json::Value;

const TOKEN: &str = "validation-test-token";

async fn mock() -> RunningMock {
    start(MockConfig {
        events: 100,
        credentials: Credentials::new().with_token(TOKEN),
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

/// Every required query parameter at a value the spec allows.
fn valid(operation: Operation) -> Vec<(String, String)> {
    operation
        .example_query()
        .expect("the spec allows some query")
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

async fn get(mock: &RunningMock, operation: Operation, query: &[(String, String)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(mock.url_of(operation))
        .query(query)
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .expect("answered");
    assert!(response.headers().contains_key("x-request-id"));
    (
        response.status().as_u16(),
        response.json().await.expect("JSON"),
    )
}

async fn assert_bad(
    mock: &RunningMock,
    operation: Operation,
    query: &[(String, String)],
    names: &str,
) {
    let (status, body) = get(mock, operation, query).await;
    assert_eq!(status, 400, "{operation} {query:?}: {body}");
    assert_eq!(body["error_code"], "HSS.0001", "{body}");
    let message = body["error_msg"].as_str().expect("error_msg");
    assert!(message.contains(names), "{query:?}: {message}");
}

#[tokio::test]
async fn every_required_parameter_is_required_and_integers_must_be_integers() {
    let mock = mock().await;
    for &operation in Operation::ALL {
        let full = valid(operation);
        let (status, body) = get(&mock, operation, &full).await;
        assert_eq!(status, 200, "{operation}: {body}");
        for (name, _) in &full {
            let without: Vec<_> = full.iter().filter(|(k, _)| k != name).cloned().collect();
            assert_bad(&mock, operation, &without, &format!("{name} = (missing)")).await;
        }
        for parameter in operation.parameters() {
            if parameter.location == ParameterLocation::Query
                && matches!(parameter.schema, Schema::Integer(_))
            {
                let mut query: Vec<_> = full
                    .iter()
                    .filter(|(k, _)| k != parameter.name)
                    .cloned()
                    .collect();
                query.push((parameter.name.to_string(), "zero".to_string()));
                assert_bad(
                    &mock,
                    operation,
                    &query,
                    &format!("{} = \"zero\"", parameter.name),
                )
                .await;
            }
        }
        let mut twice = full.clone();
        if let Some(first) = full.first() {
            twice.push(first.clone());
            assert_bad(&mock, operation, &twice, "given more than once").await;
        }
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_get_the_error_body() {
    let mock = mock().await;
    let response = reqwest::Client::new()
        .get(format!("{}/v5/p/nothing-here", mock.base_url()))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error_code"], "APIGW.0101");

    let operation = Operation::ALL[0];
    let response = reqwest::Client::new()
        .delete(mock.url_of(operation))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], operation.http_method());
}
