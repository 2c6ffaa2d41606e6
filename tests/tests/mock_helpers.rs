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
    // The plain generated client checks nothing; any limit does.
    let stub = server.list_cluster_events(|when, then| {
        when.project_id(&"p1".to_string())
            .offset(0)
            .limit(50)
            .cluster_id("c1");
        then.ok(&expected);
    });

    let client = hss_client::Client::new(&server.base_url(), Default::default());
    let answer = client
        .list_cluster_events()
        .project_id("p1")
        .offset(0)
        .limit(50)
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
        "error_msg": "limit is out of range",
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

/// The same stubs serve the production client: it signs with AK/SK, fills
/// in the project id from its configuration and pages with a stream.
#[tokio::test]
async fn the_stubs_serve_hss_client_streams_and_errors() {
    use futures::TryStreamExt;
    use hss_client::prelude::*;

    let server = httpmock::MockServer::start_async().await;
    let expected = page();
    // The stream asks for pages of the spec's default stream size.
    let page_size = hss_client::Operation::ListClusterEvents
        .pagination()
        .map(|p| p.default_page_size)
        .and_then(|size| i32::try_from(size).ok())
        .expect("the operation pages");
    let stub = server.list_cluster_events(|when, then| {
        when.project_id(&"p1".to_string())
            .offset(0)
            .limit(page_size)
            .cluster_id("c1")
            .into_inner()
            .header_exists("authorization")
            .header("x-project-id", "p1");
        then.ok(&expected);
    });
    let client = HssClient::builder()
        .endpoint(Endpoint::parse(&server.base_url()).expect("endpoint"))
        .project_id("p1")
        .credentials(Credentials::ak_sk("AKSTUB", "sk-stub").expect("credentials"))
        .budget(hss_client::Budget::Off)
        .build()
        .expect("client");
    let events: Vec<_> = client
        .list_cluster_events()
        .cluster_id("c1")
        .stream()
        .try_collect()
        .await
        .expect("the stub answers");
    assert_eq!(events, expected.data_list);
    stub.assert_async().await;

    let error: ErrorResponse = serde_json::from_value(json!({
        "error_code": "HSS.0403",
        "error_msg": "no permission for this enterprise project",
    }))
    .expect("error decodes");
    server.list_cluster_events(|when, then| {
        when.enterprise_project_id(&"7".to_string());
        then.forbidden(&error);
    });
    let failure = client
        .list_cluster_events()
        .enterprise_project_id("7")
        .call()
        .await
        .expect_err("the stub answers 403");
    match failure {
        Error::Api(api) => {
            assert_eq!(api.status, 403);
            assert_eq!(api.error_code.as_deref(), Some("HSS.0403"));
            assert_eq!(api.attempt, 1, "a 403 is not retried");
        }
        other => panic!("expected the API error, got {other:?}"),
    }
}
