//! hss-client against hss-mock: the stream pages through every event with
//! verified AK/SK signatures, survives injected faults by retrying, and a
//! wrong SK surfaces as a 401 with the mock's error code and request id.

use std::collections::HashSet;
use std::time::Duration;

use futures::TryStreamExt;
use hss_client::prelude::*;
use hss_mock::{Credentials as MockCredentials, FaultConfig, MockConfig, RunningMock, start};

const AK: &str = "AKCLIENTTEST00000001";
const SK: &str = "sk-client-test-000000000000000000000001";

async fn mock(events: u64, faults: FaultConfig) -> RunningMock {
    start(MockConfig {
        events,
        credentials: MockCredentials::new().with_key_pair(AK, SK),
        faults,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

fn client(mock: &RunningMock, sk: &str, retry: RetryPolicy) -> HssClient {
    HssClient::builder()
        .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
        .project_id(hss_mock::DEFAULT_PROJECT_ID)
        .credentials(Credentials::ak_sk(AK, sk.to_string()).expect("credentials"))
        .retry_policy(retry)
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn the_stream_gets_every_event_once_in_order_with_verified_signatures() {
    let mock = mock(2_345, MockConfig::default().faults).await;
    for prefetch in [1, 4] {
        let events: Vec<_> = client(&mock, SK, RetryPolicy::no_retries())
            .list_cluster_events()
            .stream_with(PageOptions::default().with_prefetch(prefetch))
            .try_collect()
            .await
            .expect("every page is served");
        assert_eq!(events.len(), 2_345, "prefetch {prefetch}");
        let ids: HashSet<_> = events.iter().map(|e| e.event_id.clone()).collect();
        assert_eq!(ids.len(), 2_345, "prefetch {prefetch}: duplicates");
        let times: Vec<_> = events.iter().map(|e| e.create_time).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "order kept");
    }
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_401_with_the_error_body_and_request_id() {
    let mock = mock(100, MockConfig::default().faults).await;
    let error = client(&mock, "not-the-secret-key", RetryPolicy::no_retries())
        .list_cluster_events()
        .call()
        .await
        .expect_err("a wrong SK is rejected");
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.status, 401, "{api}");
    assert_eq!(api.error_code.as_deref(), Some("APIGW.0301"));
    assert!(api.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    assert!(!error.to_string().contains("not-the-secret-key"));
}

#[tokio::test]
async fn the_stream_survives_throttling_and_server_errors_by_retrying() {
    let mock = mock(
        1_000,
        FaultConfig {
            throttle_rate: 0.2,
            retry_after_secs: 0,
            server_error_rate: 0.2,
            seed: 11,
            ..MockConfig::default().faults
        },
    )
    .await;
    let retry = RetryPolicy::default()
        .with_max_attempts(20)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let events: Vec<_> = client(&mock, SK, retry)
        .list_cluster_events()
        .stream()
        .try_collect()
        .await
        .expect("retries get every page");
    assert_eq!(events.len(), 1_000);
}
