//! hss-mock verifies SDK-HMAC-SHA256 signatures and IAM tokens; every
//! rejection is a 401 or 403 with the Huawei error body and an
//! X-Request-Id.

use std::time::{Duration, SystemTime};

use hss_client::signer::{SignedGet, sign_get};
use hss_mock::{Credentials, DEFAULT_PROJECT_ID, MockConfig, RunningMock, start};
use serde_json::Value;

const AK: &str = "AKMOCKTEST0000000001";
const SK: &str = "sk-mock-test-0000000000000000000000000001";
const TOKEN: &str = "token-for-the-auth-test";

async fn mock() -> RunningMock {
    start(MockConfig {
        events: 300,
        credentials: Credentials::new().with_key_pair(AK, SK).with_token(TOKEN),
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

fn path(project: &str) -> String {
    format!("/v5/{project}/cluster-protect/events")
}

fn query() -> Vec<(String, String)> {
    vec![
        ("offset".into(), "0".into()),
        ("limit".into(), "10".into()),
        ("cluster_id".into(), "a b+c/é".into()),
    ]
}

async fn send(signed: &SignedGet) -> (u16, Option<String>, Value) {
    let mut request = reqwest::Client::new().get(&signed.url);
    for (name, value) in &signed.headers {
        if !name.eq_ignore_ascii_case("host") {
            request = request.header(name, value);
        }
    }
    answer(request.send().await.expect("answered")).await
}

/// The status, `X-Request-Id` and JSON body of an answer.
async fn answer(response: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = response.status().as_u16();
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, id, response.json().await.expect("JSON body"))
}

fn signed(mock: &RunningMock, ak: &str, sk: &str, now: SystemTime) -> SignedGet {
    sign_get(
        &mock.base_url(),
        &path(DEFAULT_PROJECT_ID),
        &query(),
        DEFAULT_PROJECT_ID,
        ak,
        sk,
        now,
    )
}

fn assert_rejected(status: u16, id: Option<String>, body: &Value, expected: u16, says: &str) {
    assert_eq!(status, expected, "{body}");
    assert!(id.is_some_and(|id| !id.is_empty()), "no X-Request-Id");
    assert!(
        body["error_code"].as_str().is_some_and(|c| !c.is_empty()),
        "{body}"
    );
    let message = body["error_msg"].as_str().expect("error_msg");
    assert!(message.contains(says), "{message}");
}

#[tokio::test]
async fn a_request_signed_with_a_configured_pair_is_served() {
    let mock = mock().await;
    let (status, id, body) = send(&signed(&mock, AK, SK, SystemTime::now())).await;
    assert_eq!(status, 200, "{body}");
    assert!(id.is_some());
    assert_eq!(body["total_num"], 0, "the odd cluster_id matches nothing");
}

#[tokio::test]
async fn a_wrong_secret_key_is_rejected() {
    let mock = mock().await;
    let wrong_sk = "sk-mock-test-0000000000000000000000000002";
    let (status, id, body) = send(&signed(&mock, AK, wrong_sk, SystemTime::now())).await;
    assert_rejected(status, id, &body, 401, "signature does not match");
    assert!(!body.to_string().contains(SK) && !body.to_string().contains(wrong_sk));
}

#[tokio::test]
async fn an_unknown_access_key_is_rejected() {
    let mock = mock().await;
    let (status, id, body) = send(&signed(&mock, "AKUNKNOWN", SK, SystemTime::now())).await;
    assert_rejected(status, id, &body, 401, "access key AKUNKNOWN is unknown");
}

#[tokio::test]
async fn a_stale_or_future_date_is_rejected() {
    let mock = mock().await;
    for now in [
        SystemTime::now() - Duration::from_secs(16 * 60),
        SystemTime::now() + Duration::from_secs(16 * 60),
    ] {
        let (status, id, body) = send(&signed(&mock, AK, SK, now)).await;
        assert_rejected(status, id, &body, 401, "away from the server's clock");
    }
    // Within the allowed skew it passes.
    let (status, _, body) = send(&signed(
        &mock,
        AK,
        SK,
        SystemTime::now() - Duration::from_secs(60),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_tampered_query_breaks_the_signature() {
    let mock = mock().await;
    let mut request = signed(&mock, AK, SK, SystemTime::now());
    request.url = request.url.replace("limit=10", "limit=20");
    let (status, id, body) = send(&request).await;
    assert_rejected(status, id, &body, 401, "signature does not match");
}

#[tokio::test]
async fn a_project_header_that_differs_from_the_path_is_forbidden() {
    let mock = mock().await;
    let request = sign_get(
        &mock.base_url(),
        &path(DEFAULT_PROJECT_ID),
        &query(),
        "another-project",
        AK,
        SK,
        SystemTime::now(),
    );
    let (status, id, body) = send(&request).await;
    assert_rejected(status, id, &body, 403, "does not match the project");
}

#[tokio::test]
async fn a_token_with_another_project_header_is_forbidden_too() {
    let mock = mock().await;
    let url = format!("{}{}?offset=0&limit=10", mock.base_url(), path("p"));
    for (project, expected) in [("p", 200), ("another-project", 403)] {
        let response = reqwest::Client::new()
            .get(&url)
            .header("X-Auth-Token", TOKEN)
            .header("X-Project-Id", project)
            .send()
            .await
            .expect("answered");
        let (status, id, body) = answer(response).await;
        if expected == 200 {
            assert_eq!(status, 200, "{body}");
        } else {
            assert_rejected(status, id, &body, 403, "does not match the project");
        }
    }
}

#[tokio::test]
async fn tokens_are_checked() {
    let mock = mock().await;
    let url = format!("{}{}?offset=0&limit=10", mock.base_url(), path("p"));
    for (token, expected) in [(Some(TOKEN), 200), (Some("wrong-token"), 401), (None, 401)] {
        let mut request = reqwest::Client::new().get(&url);
        if let Some(token) = token {
            request = request.header("X-Auth-Token", token);
        }
        let response = request.send().await.expect("answered");
        assert_eq!(response.status().as_u16(), expected, "token {token:?}");
        assert!(response.headers().contains_key("x-request-id"));
        let body: Value = response.json().await.expect("JSON");
        if expected != 200 {
            assert!(body["error_msg"].is_string(), "{body}");
        }
    }
}

#[test]
fn credentials_debug_hides_secrets() {
    let text = format!(
        "{:?}",
        Credentials::new().with_key_pair(AK, SK).with_token(TOKEN)
    );
    assert!(text.contains(AK));
    assert!(!text.contains(SK) && !text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn a_good_token_does_not_excuse_a_bad_signature() {
    let mock = mock().await;
    let url = format!("{}{}?offset=0&limit=10", mock.base_url(), path("p"));
    let response = reqwest::Client::new()
        .get(&url)
        .header("X-Auth-Token", TOKEN)
        .header(
            "Authorization",
            "SDK-HMAC-SHA256 Access=AKMOCKTEST0000000001, SignedHeaders=x-sdk-date, Signature=00",
        )
        .header("X-Sdk-Date", "20000101T000000Z")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 401);
}
