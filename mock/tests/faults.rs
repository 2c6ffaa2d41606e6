//! hss-mock's opt-in faults: 429 with Retry-After, 5xx, connection resets,
//! truncated bodies, and `--rate-limit N` (429 with `Retry-After` once the
//! token bucket is empty); and `GET /_mock/stats`, the answers given by
//! status, without credentials.

use hss_mock::{Clock, Credentials, FaultConfig, MockConfig, RunningMock, STATS_PATH, start};
use serde_json::{Value, json};

const TOKEN: &str = "fault-test-token";

async fn mock(faults: FaultConfig) -> RunningMock {
    mock_on(faults, Clock::System).await
}

/// A mock whose token bucket reads `clock`.
async fn mock_on(faults: FaultConfig, clock: Clock) -> RunningMock {
    let defaults = MockConfig::default();
    start(MockConfig {
        events: 500,
        credentials: Credentials::new().with_token(TOKEN),
        faults: FaultConfig { seed: 3, ..faults },
        clock,
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
    get_with(mock, TOKEN).await
}

/// [`get`] with `token`.
async fn get_with(mock: &RunningMock, token: &str) -> reqwest::Result<reqwest::Response> {
    let operation = hss_client::Operation::ALL[0];
    let query = operation
        .example_query()
        .expect("the spec allows some query");
    reqwest::Client::new()
        .get(mock.url_of(operation))
        .query(&query)
        .header("X-Auth-Token", token)
        .send()
        .await
}

/// `GET /_mock/stats` without credentials.
async fn stats(mock: &RunningMock) -> Value {
    let response = reqwest::get(format!("{}{STATS_PATH}", mock.base_url()))
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("JSON")
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

#[tokio::test]
async fn stats_count_every_answer_by_status_without_credentials() {
    let mock = mock(faults()).await;
    assert_eq!(stats(&mock).await, json!({"answers": {}, "total": 0}));
    for _ in 0..3 {
        let response = get(&mock).await.expect("answered");
        assert_eq!(response.status().as_u16(), 200);
    }
    let response = get_with(&mock, "wrong-token").await.expect("answered");
    assert_eq!(response.status().as_u16(), 401);
    let response = reqwest::get(format!("{}/v5/nothing/here", mock.base_url()))
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 404);
    // The mock's own paths are not API requests: not counted, no
    // credentials.
    let response = reqwest::get(format!("{}/_mock/nothing", mock.base_url()))
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 404);
    let response = reqwest::Client::new()
        .post(format!("{}{STATS_PATH}", mock.base_url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 405);
    let expected = json!({"answers": {"200": 3, "401": 1, "404": 1}, "total": 5});
    assert_eq!(stats(&mock).await, expected);
    assert_eq!(stats(&mock).await, expected, "reading them counts nothing");
    assert_eq!(mock.stats(), expected);
    mock.shutdown().await;
}

#[tokio::test]
async fn stats_count_faults_and_resets() {
    let throttled = mock(FaultConfig {
        throttle_rate: 1.0,
        ..faults()
    })
    .await;
    let response = get(&throttled).await.expect("answered");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(
        stats(&throttled).await,
        json!({"answers": {"429": 1}, "total": 1})
    );
    throttled.shutdown().await;

    let resets = mock(FaultConfig {
        reset_rate: 1.0,
        ..faults()
    })
    .await;
    assert!(get(&resets).await.is_err(), "reset");
    assert_eq!(
        stats(&resets).await,
        json!({"answers": {"reset": 1}, "total": 1})
    );
    resets.shutdown().await;
}

#[tokio::test]
async fn beyond_the_rate_limit_requests_get_429_with_retry_after() {
    // One token, refilled once a second: of requests sent together, the
    // first passes and the others wait. The bucket's clock stands still,
    // so "together" holds however slow the machine is.
    let (clock, _hand) = Clock::manual();
    let mock = mock_on(
        FaultConfig {
            rate_limit: 1.0,
            ..faults()
        },
        clock,
    )
    .await;
    let response = get(&mock).await.expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    let response = get(&mock).await.expect("answered");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error_code"], "APIGW.0308");
    assert!(
        body["error_msg"]
            .as_str()
            .is_some_and(|m| m.contains("rate limit")),
        "{body}"
    );
    // The mock's own endpoints take no token.
    for _ in 0..3 {
        stats(&mock).await;
    }
    assert_eq!(
        stats(&mock).await,
        json!({"answers": {"200": 1, "429": 1}, "total": 2})
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn a_rate_limit_that_is_no_number_of_requests_is_refused() {
    for rate_limit in [-1.0, f64::NAN, f64::INFINITY] {
        let config = FaultConfig {
            rate_limit,
            ..faults()
        };
        let error = config.validate().expect_err("refused");
        assert!(error.contains("rate limit"), "{error}");
    }
    let config = FaultConfig {
        rate_limit: 0.0,
        ..faults()
    };
    assert_eq!(config.validate(), Ok(()));
}
