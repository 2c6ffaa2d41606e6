//! Retries, timeouts and typed errors against a local server.

use crate::common;

use std::time::Duration;

use hss_client::prelude::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok_body() -> serde_json::Value {
    json!({"total_num": 1, "data_list": [common::event(1)]})
}

#[tokio::test]
async fn retries_429_after_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error_code": "HSS.0429", "error_msg": "slow down"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .expect(1)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let page = common::client(&server.uri())
        .list_cluster_events()
        .call()
        .await
        .unwrap();
    assert_eq!(page.total_num, Some(1));
    // The test backoff is at most 5 ms: only the header explains a wait of
    // a second.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not waited for ({:?})",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_beyond_max_retry_after_ends_the_call_even_without_a_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "86400")
                .set_body_json(json!({"error_code": "HSS.0503", "error_msg": "maintenance"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = common::builder(&server.uri())
        .retry_policy(
            common::fast_retries(5)
                .with_deadline(None)
                .with_max_retry_after(Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    let error = tokio::time::timeout(Duration::from_secs(10), client.list_cluster_events().call())
        .await
        .expect("the call does not wait a day")
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!(api.status, 503);
    assert_eq!(api.retry_after, Some(Duration::from_secs(86_400)));
}

#[tokio::test]
async fn a_retry_after_longer_than_the_deadline_is_waited_out() {
    // The service asks for a wait; it is not the client's retry time, so
    // the deadline does not cut it short (a per-minute limit answers with
    // exactly a minute, which the default deadline of a minute could never
    // wait out).
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "2")
                .set_body_json(json!({"error_code": "HSS.0429", "error_msg": "throttled"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .mount(&server)
        .await;
    // The deadline leaves the two attempts room on a busy machine, and is
    // still shorter than the wait asked for.
    let client = common::builder(&server.uri())
        .retry_policy(common::fast_retries(5).with_deadline(Some(Duration::from_millis(1_500))))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    client.list_cluster_events().call().await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retries_503_then_succeeds_with_a_fresh_signature() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream busy"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .mount(&server)
        .await;
    let client = common::builder(&server.uri())
        .clock(common::ticking_clock())
        .build()
        .unwrap();
    client.list_cluster_events().call().await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    let dates: Vec<_> = received
        .iter()
        .map(|r| r.headers.get("x-sdk-date").unwrap().clone())
        .collect();
    assert_ne!(dates[0], dates[1], "every attempt is dated afresh");
    for request in &received {
        common::verify_signature(request, common::SK);
    }
    assert_ne!(
        received[0].headers.get("authorization"),
        received[1].headers.get("authorization")
    );
}

#[tokio::test]
async fn persistent_503_reports_the_last_attempt_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-request-id", "req-503")
                .set_body_string("<html>busy</html>"),
        )
        .expect(3)
        .mount(&server)
        .await;
    let client = common::builder(&server.uri())
        .retry_policy(common::fast_retries(3))
        .build()
        .unwrap();
    let error = client.list_cluster_events().call().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!((api.status, api.attempt), (503, 3));
    assert_eq!(api.body, "<html>busy</html>");
    assert!(!api.body_is_json);
    assert_eq!(api.request_id.as_deref(), Some("req-503"));
    let text = error.to_string();
    assert!(
        text.contains("attempt 3") && text.contains("<html>busy</html>"),
        "{text}"
    );
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for status in [400u16, 401, 403, 404] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "errorCode": format!("HSS.{status}"),
                "errorMsg": "no",
                "encoded_authorization_message": "enc-msg"
            })))
            .expect(1)
            .mount(&server)
            .await;
        let error = common::client(&server.uri())
            .list_cluster_events()
            .call()
            .await
            .unwrap_err();
        assert!(!error.is_retryable(), "{status}");
        let Error::Api(api) = error else {
            panic!("expected an API error")
        };
        assert_eq!((api.status, api.attempt), (status, 1));
        let expected_code = format!("HSS.{status}");
        assert_eq!(api.error_code.as_deref(), Some(expected_code.as_str()));
        assert_eq!(
            api.encoded_authorization_message.as_deref(),
            Some("enc-msg")
        );
    }
}

/// How the raw server spoils its first answer.
#[derive(Clone, Copy)]
enum Spoil {
    /// Close the connection with a TCP reset, unanswered.
    Reset,
    /// Promise a longer body than is sent, then close.
    Truncate,
}

/// Spoils the first connection's answer, answers the next one with a page.
async fn spoil_then_answer(spoil: Spoil) -> (String, tokio::task::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let mut connections = 0;
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            connections += 1;
            let mut buffer = vec![0u8; 8192];
            let _ = socket.read(&mut buffer).await;
            let body = ok_body().to_string();
            if connections == 1 {
                match spoil {
                    Spoil::Reset => {
                        // Zero linger: closing sends a TCP reset instead of a
                        // clean close.
                        socket.set_zero_linger().unwrap();
                    }
                    Spoil::Truncate => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        socket.write_all(head.as_bytes()).await.unwrap();
                        socket
                            .write_all(&body.as_bytes()[..body.len() / 2])
                            .await
                            .unwrap();
                    }
                }
                drop(socket);
                continue;
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
            return connections;
        }
    });
    (format!("http://{address}"), handle)
}

#[tokio::test]
async fn a_reset_connection_is_retried() {
    let (uri, server) = spoil_then_answer(Spoil::Reset).await;
    let page = common::client(&uri)
        .list_cluster_events()
        .call()
        .await
        .unwrap();
    assert_eq!(page.total_num, Some(1));
    assert_eq!(server.await.unwrap(), 2);
}

#[tokio::test]
async fn a_body_cut_short_is_retried() {
    let (uri, server) = spoil_then_answer(Spoil::Truncate).await;
    let page = common::client(&uri)
        .list_cluster_events()
        .call()
        .await
        .unwrap();
    assert_eq!(page.total_num, Some(1));
    assert_eq!(server.await.unwrap(), 2);
}

#[tokio::test]
async fn refused_connections_are_transport_errors_after_all_attempts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = common::builder(&format!("http://{address}"))
        .retry_policy(common::fast_retries(3))
        .build()
        .unwrap();
    let error = client.list_cluster_events().call().await.unwrap_err();
    assert!(
        matches!(error, Error::Transport { attempt: 3, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn slow_responses_time_out_and_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(ok_body())
                .set_delay(Duration::from_secs(30)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = common::builder(&server.uri())
        .read_timeout(Duration::from_millis(200))
        .retry_policy(common::fast_retries(2))
        .build()
        .unwrap();
    let error = client.list_cluster_events().call().await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { attempt: 2, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[tokio::test]
async fn a_success_body_that_is_not_json_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string("<html>gateway hiccup</html>"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .expect(1)
        .mount(&server)
        .await;
    let page = common::client(&server.uri())
        .list_cluster_events()
        .call()
        .await
        .unwrap();
    assert_eq!(page.total_num, Some(1));
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_decode_error_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total_num": "many"})))
        .expect(1)
        .mount(&server)
        .await;
    let error = common::client(&server.uri())
        .list_cluster_events()
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Decode {
                attempt: 1,
                status: 200,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn undecodable_success_bodies_are_decode_errors() {
    // Not JSON at all: retried, then reported with the last attempt.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"total_num\": \"many\""))
        .expect(4)
        .mount(&server)
        .await;
    let error = common::client(&server.uri())
        .list_cluster_events()
        .call()
        .await
        .unwrap_err();
    let Error::Decode {
        status,
        body_excerpt,
        attempt,
        ..
    } = &error
    else {
        panic!("expected a decode error, got {error:?}")
    };
    assert_eq!((*status, *attempt), (200, 4));
    assert!(body_excerpt.contains("many"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn every_retryable_status_is_retried() {
    for status in [408u16, 429, 500, 502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
            .expect(1)
            .mount(&server)
            .await;
        let page = common::client(&server.uri())
            .list_cluster_events()
            .call()
            .await
            .unwrap_or_else(|e| panic!("status {status}: {e}"));
        assert_eq!(page.total_num, Some(1), "status {status}");
    }
}

#[tokio::test]
async fn the_deadline_cuts_a_slow_attempt_short() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(ok_body())
                .set_delay(Duration::from_secs(30)),
        )
        .expect(1)
        .mount(&server)
        .await;
    // The deadline leaves the first attempt time to reach the server on a
    // busy machine, and is far shorter than its answer takes.
    let client = common::builder(&server.uri())
        .retry_policy(common::fast_retries(5).with_deadline(Some(Duration::from_secs(2))))
        .build()
        .unwrap();
    let error = client.list_cluster_events().call().await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { attempt: 1, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_plain_generated_client_still_works_unsigned() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .expect(1)
        .mount(&server)
        .await;
    let client = hss_client::Client::new(&server.uri(), hss_client::raw::ClientState::default());
    let page = client
        .list_cluster_events()
        .project_id(common::PROJECT_ID)
        .offset(0)
        .limit(10)
        .send()
        .await
        .unwrap();
    assert_eq!(page.total_num, Some(1));
    let received = server.received_requests().await.unwrap();
    assert!(received[0].headers.get("authorization").is_none());
    assert!(received[0].headers.get("api-version").is_none());
}

#[tokio::test]
async fn absurd_retry_after_and_deadline_values_do_not_panic() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", "18446744073709551615"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .expect(1)
        .mount(&server)
        .await;
    // A Retry-After far beyond the deadline: give up at once, keep the 429.
    let error = common::client(&server.uri())
        .list_cluster_events()
        .call()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(429));
    // A deadline too far away to represent counts as none.
    let client = common::builder(&server.uri())
        .retry_policy(common::fast_retries(3).with_deadline(Some(Duration::MAX)))
        .build()
        .unwrap();
    let page = client.list_cluster_events().call().await.unwrap();
    assert_eq!(page.total_num, Some(1));
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_read() {
    let server = MockServer::start().await;
    let in_an_hour =
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", in_an_hour.as_str()))
        .expect(1)
        .mount(&server)
        .await;
    let client = common::builder(&server.uri())
        .retry_policy(common::fast_retries(5).with_deadline(Some(Duration::from_secs(20))))
        .build()
        .unwrap();
    let error = client.list_cluster_events().call().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!((api.status, api.attempt), (503, 1));
    let asked = api.retry_after.unwrap();
    assert!(asked > Duration::from_secs(3000), "{asked:?}");
}

#[tokio::test]
async fn waiting_for_the_budget_spends_neither_attempts_nor_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .mount(&server)
        .await;
    // One call per 1.5 s, one attempt, a deadline of 0.5 s (room enough
    // for one attempt on a busy machine): each call after the first waits
    // three times the deadline for its place.
    let client = common::builder(&server.uri())
        .retry_policy(common::fast_retries(1).with_deadline(Some(Duration::from_millis(500))))
        .budget(Budget::PerWindow {
            calls: 1,
            window: Duration::from_millis(1_500),
        })
        .build()
        .unwrap();
    for n in 0..3 {
        client
            .list_cluster_events()
            .call()
            .await
            .unwrap_or_else(|e| panic!("call {n}: {e}"));
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}
