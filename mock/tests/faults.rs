//! hss-mock's opt-in faults: 429 with Retry-After, 5xx, connection resets,
//! truncated bodies.

use hss_mock::{Credentials, FaultConfig, MockConfig, RunningMock, start};
use serde_json::Value;

const TOKEN: &str = "fault-test-token";

async fn mock(faults: FaultConfig) -> RunningMock {
    let defaults = MockConfig::default();
    start(MockConfig {
        events: 500,
        credentials: Credentials::new().with_token(TOKEN),
        faults: FaultConfig { seed: 3, ..faults },
        ..defaults
    })
    .await
    .expect("mock starts")
}

fn faults() -> FaultConfig {
    MockConfig::default().faults
}

/// A valid request of the first operation of the spec: every required
/// query parameter at a value the spec allows.
async fn get(mock: &RunningMock) -> reqwest::Result<reqwest::Response> {
    let operation = hss_client::Operation::ALL[0];
    let query = operation
        .example_query()
        .expect("the spec allows some query");
    reqwest::Client::new()
        .get(mock.url_of(operation))
        .query(&query)
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after_and_the_error_body() {
    let mock = mock(FaultConfig {
        throttle_rate: 1.0,
        retry_after_secs: 7,
        ..faults()
    })
    .await;
    let response = get(&mock).await.expect("answered");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error_code"], "APIGW.0308");
}

#[tokio::test]
async fn server_errors_use_the_configured_status() {
    let mock = mock(FaultConfig {
        server_error_rate: 1.0,
        server_error_status: 503,
        ..faults()
    })
    .await;
    let response = get(&mock).await.expect("answered");
    assert_eq!(response.status().as_u16(), 503);
    let body: Value = response.json().await.expect("JSON");
    assert!(body["error_msg"].is_string());
}

#[tokio::test]
async fn a_reset_connection_gives_no_answer() {
    let mock = mock(FaultConfig {
        reset_rate: 1.0,
        ..faults()
    })
    .await;
    assert!(
        get(&mock).await.is_err(),
        "a reset connection has no answer"
    );
}

#[tokio::test]
async fn a_truncated_body_fails_to_read() {
    let mock = mock(FaultConfig {
        truncate_rate: 1.0,
        ..faults()
    })
    .await;
    let response = get(&mock).await.expect("headers arrive");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.bytes().await.is_err(), "the body must be cut off");
}

#[tokio::test]
async fn a_partial_rate_fails_some_requests_and_serves_the_others() {
    let mock = mock(FaultConfig {
        server_error_rate: 0.5,
        ..faults()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(get(&mock).await.expect("answered").status().as_u16());
    }
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&500), "{statuses:?}");
}

#[test]
fn rates_out_of_range_are_refused() {
    let config = FaultConfig {
        throttle_rate: 1.5,
        ..faults()
    };
    let error = config.validate().expect_err("1.5 is not a rate");
    assert!(error.contains("throttle rate"), "{error}");
    let config = FaultConfig {
        throttle_rate: 0.6,
        reset_rate: 0.6,
        ..faults()
    };
    assert!(config.validate().is_err());
}
