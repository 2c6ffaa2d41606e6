//! A consumer's test with the generated httpmock helpers (`hss-client`
//! feature `mock`): stub ListClusterEvents, call it through the client.

use hss_client::mock::MockServerExt;
use hss_client::types::{ErrorResponse, ListClusterEventsResponse};
use serde_json::json;

fn page() -> ListClusterEventsResponse {
    serde_json::from_value(json!({
        "total_num": 2,
        "data_list": [
            { "event_id": "e1", "cluster_id": "c1", "handle_status": "unhandled" },
            { "event_id": "e2", "cluster_id": "c1", "handle_status": "handled" },
        ],
    }))
    .expect("page decodes")
}

#[tokio::test]
async fn a_stubbed_list_cluster_events_answers_the_client() {
    let server = httpmock::MockServer::start_async().await;
    let expected = page();
    let stub = server.list_cluster_events(|when, then| {
        when.project_id(&"p1".to_string())
            .offset(0)
            .limit(200)
            .cluster_id("c1");
        then.ok(&expected);
    });

    let client = hss_client::Client::new(&server.base_url(), Default::default());
    let answer = client
        .list_cluster_events()
        .project_id("p1")
        .offset(0)
        .limit(200)
        .cluster_id("c1")
        .send()
        .await
        .expect("the stub answers");
    assert_eq!(answer.into_inner(), expected);
    stub.assert_async().await;
}

#[tokio::test]
async fn a_request_the_stub_does_not_match_is_not_answered_by_it() {
    let server = httpmock::MockServer::start_async().await;
    let stub = server.list_cluster_events(|when, then| {
        when.offset(0).limit(10);
        then.ok(&page());
    });
    let client = hss_client::Client::new(&server.base_url(), Default::default());
    let result = client
        .list_cluster_events()
        .project_id("p1")
        .offset(0)
        .limit(20)
        .send()
        .await;
    assert!(
        result.is_err(),
        "limit 20 must not match a stub for limit 10"
    );
    assert_eq!(stub.calls_async().await, 0);
}

#[tokio::test]
async fn a_stubbed_error_reaches_the_client_as_the_typed_error_body() {
    let server = httpmock::MockServer::start_async().await;
    let error: ErrorResponse = serde_json::from_value(json!({
        "error_code": "HSS.0001",
        "error_msg": "limit must be between 10 and 200",
    }))
    .expect("error decodes");
    server.list_cluster_events(|when, then| {
        when.offset(0);
        then.bad_request(&error);
    });
    let client = hss_client::Client::new(&server.base_url(), Default::default());
    let result = client
        .list_cluster_events()
        .project_id("p1")
        .offset(0)
        .limit(10)
        .send()
        .await;
    match result {
        Err(hss_client::GeneratedError::ErrorResponse(body)) => {
            assert_eq!(body.status().as_u16(), 400);
            assert_eq!(body.error_code.as_deref(), Some("HSS.0001"));
        }
        other => panic!("expected the typed 400, got {other:?}"),
    }
}
