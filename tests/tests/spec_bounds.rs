//! Every bound the spec states holds in the client and in hss-mock alike:
//! for every operation and every bounded parameter, the value at the bound
//! is accepted (the client sends it and hss-mock answers 200) and the value
//! one past it is refused (the client before any I/O, hss-mock with a 400
//! and the Huawei error body naming the parameter). Operations, parameters
//! and bounds all come from the generated operations table, so a spec
//! change needs no edit here.

use hss_client::prelude::*;
use hss_client::spec::ParameterLocation;
use hss_mock::{
    Credentials as MockCredentials, DEFAULT_PROJECT_ID, MockConfig, RunningMock, start,
};
use hss_tests::requests::{boundary_values, send, valid_query, with};

const TOKEN: &str = "bounds-test-token";

fn client(endpoint: &str) -> HssClient {
    HssClient::builder()
        .endpoint(Endpoint::parse(endpoint).expect("endpoint"))
        .project_id(DEFAULT_PROJECT_ID)
        .credentials(Credentials::iam_token(TOKEN).expect("token"))
        .retry_policy(RetryPolicy::no_retries())
        .budget(hss_client::Budget::Off)
        .build()
        .expect("client")
}

/// hss-mock with `events` records per operation, accepting [`TOKEN`].
async fn mock(events: u64) -> RunningMock {
    start(MockConfig {
        events,
        credentials: MockCredentials::new().with_token(TOKEN),
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

#[tokio::test]
async fn every_bound_is_enforced_by_the_client_and_by_hss_mock() {
    let mock = mock(50).await;
    let served = client(&mock.base_url());
    // Nothing listens here: a request the client sent would fail with a
    // transport error, not with InvalidInput.
    let unreachable = client("http://127.0.0.1:9");
    let http = reqwest::Client::new();
    let mut checked = 0;
    for &operation in Operation::ALL {
        let base = valid_query(operation);
        let url = mock.url_of(operation);
        send(&served, operation, &base)
            .await
            .unwrap_or_else(|e| panic!("{operation}: the valid baseline fails: {e}"));
        for parameter in operation.parameters() {
            if parameter.location != ParameterLocation::Query {
                continue;
            }
            for (value, allowed) in boundary_values(parameter) {
                let query = with(&base, parameter.name, &value);
                let what = format!("{operation} {}={value}", parameter.name);
                let answer = http
                    .get(&url)
                    .query(&query)
                    .header("X-Auth-Token", TOKEN)
                    .send()
                    .await
                    .expect("answered");
                let status = answer.status().as_u16();
                let body: serde_json::Value = answer.json().await.expect("JSON body");
                if allowed {
                    assert_eq!(status, 200, "{what}: {body}");
                    send(&served, operation, &query)
                        .await
                        .unwrap_or_else(|e| panic!("{what}: the client refuses it: {e}"));
                } else {
                    assert_eq!(status, 400, "{what}: {body}");
                    assert_eq!(body["error_code"], "HSS.0001", "{what}: {body}");
                    let message = body["error_msg"].as_str().unwrap_or_default();
                    assert!(message.contains(parameter.name), "{what}: {message}");
                    match send(&unreachable, operation, &query).await {
                        Err(Error::InvalidInput {
                            parameter: name, ..
                        }) => assert_eq!(name, parameter.name, "{what}"),
                        other => panic!("{what}: the client must refuse it before I/O: {other:?}"),
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "the spec states no bound at all");
    mock.shutdown().await;
}

#[tokio::test]
async fn a_reversed_time_window_is_refused_by_the_client_and_empty_in_hss_mock() {
    let mock = mock(10).await;
    let unreachable = client("http://127.0.0.1:9");
    let http = reqwest::Client::new();
    let mut checked = 0;
    for &operation in Operation::ALL {
        let Some(window) = operation.time_window() else {
            continue;
        };
        checked += 1;
        let query = with(
            &with(&valid_query(operation), window.start, "2"),
            window.end,
            "1",
        );
        let url = mock.url_of(operation);
        let answer = http
            .get(&url)
            .query(&query)
            .header("X-Auth-Token", TOKEN)
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status().as_u16(), 200, "{operation}");
        let body: serde_json::Value = answer.json().await.expect("JSON body");
        let total = operation.pagination().map_or("total_num", |p| p.total);
        assert_eq!(
            body[total], 0,
            "{operation}: a reversed window selects nothing"
        );
        match send(&unreachable, operation, &query).await {
            Err(Error::InvalidInput { parameter, .. }) => assert_eq!(parameter, window.start),
            other => panic!("{operation}: {other:?}"),
        }
    }
    assert!(checked > 0, "the spec has no operation with a time window");
    mock.shutdown().await;
}
