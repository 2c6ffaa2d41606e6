//! hss-mock answers requests that break the spec's constraints with 400 and
//! the Huawei error body naming the parameter.

use hss_mock::{Credentials, DEFAULT_PROJECT_ID, MockConfig, RunningMock, start};
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

async fn get(mock: &RunningMock, path: &str, query: &str) -> (u16, Value) {
    let url = format!("{}/v5/{DEFAULT_PROJECT_ID}/{path}?{query}", mock.base_url());
    let response = reqwest::Client::new()
        .get(url)
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

async fn assert_bad(mock: &RunningMock, path: &str, query: &str, names: &str) {
    let (status, body) = get(mock, path, query).await;
    assert_eq!(status, 400, "{query}: {body}");
    assert_eq!(body["error_code"], "HSS.0001", "{body}");
    let message = body["error_msg"].as_str().expect("error_msg");
    assert!(message.contains(names), "{query}: {message}");
}

#[tokio::test]
async fn list_cluster_events_checks_offset_and_limit() {
    let mock = mock().await;
    let events = "cluster-protect/events";
    assert_bad(&mock, events, "limit=10", "offset is required").await;
    assert_bad(&mock, events, "offset=0", "limit is required").await;
    assert_bad(
        &mock,
        events,
        "offset=0&limit=9",
        "limit must be between 10 and 200",
    )
    .await;
    assert_bad(
        &mock,
        events,
        "offset=0&limit=201",
        "limit must be between 10 and 200",
    )
    .await;
    assert_bad(
        &mock,
        events,
        "offset=-1&limit=10",
        "offset must be between 0 and 2000000",
    )
    .await;
    assert_bad(&mock, events, "offset=2000001&limit=10", "offset").await;
    assert_bad(
        &mock,
        events,
        "offset=zero&limit=10",
        "offset must be an integer",
    )
    .await;
    assert_bad(
        &mock,
        events,
        "offset=0&limit=10&limit=20",
        "limit is given more than once",
    )
    .await;
    assert_bad(
        &mock,
        events,
        "offset=0&limit=10&enterprise_project_id=",
        "enterprise_project_id must be 1 to 256",
    )
    .await;
    // The bounds themselves are valid.
    for query in ["offset=0&limit=10", "offset=2000000&limit=200"] {
        let (status, body) = get(&mock, events, query).await;
        assert_eq!(status, 200, "{query}: {body}");
    }
}

#[tokio::test]
async fn list_cluster_event_logs_checks_required_parameters_and_event_type() {
    let mock = mock().await;
    let logs = "container/kubernetes/cluster/events";
    let full = "cluster_id=c&start_time=0&end_time=1&offset=0&limit=10";
    let (status, body) = get(&mock, logs, full).await;
    assert_eq!(status, 200, "{body}");
    for name in ["cluster_id", "start_time", "end_time", "offset", "limit"] {
        let query: Vec<&str> = full
            .split('&')
            .filter(|p| !p.starts_with(&format!("{name}=")))
            .collect();
        assert_bad(
            &mock,
            logs,
            &query.join("&"),
            &format!("{name} is required"),
        )
        .await;
    }
    assert_bad(
        &mock,
        logs,
        &format!("{full}&event_type=Error"),
        "event_type must be Warning or Normal",
    )
    .await;
    assert_bad(
        &mock,
        logs,
        "cluster_id=c&start_time=x&end_time=1&offset=0&limit=10",
        "start_time must be an integer",
    )
    .await;
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

    let response = reqwest::Client::new()
        .post(format!("{}/v5/p/cluster-protect/events", mock.base_url()))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 405);
}
