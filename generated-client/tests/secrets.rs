//! A run that fails on purpose with a wrong SK and token shows neither
//! secret nor the Authorization value in any output; tracing carries one
//! span per attempt with operation, attempt, status, request id, latency.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use hss_client::prelude::*;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const WRONG_SK: &str = "WRONG-SK-5f2b8c1d9e7a";
const TOKEN: &str = "SECURITY-TOKEN-77aa33";
const IAM_TOKEN: &str = "IAM-TOKEN-MIIbQ9x";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn assert_clean(output: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !output.contains(secret),
            "output reveals {secret:?}:\n{output}"
        );
    }
}

#[tokio::test]
async fn failing_runs_never_show_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("x-request-id", "req-denied-1")
                .set_body_json(json!({
                    "error_code": "APIGW.0301",
                    "error_msg": "Incorrect IAM authentication information: verify aksk signature fail"
                })),
        )
        .mount(&server)
        .await;

    let mut outputs = Vec::new();
    let signed = common::builder(&server.uri())
        .credentials(Credentials::temporary(common::AK, WRONG_SK, TOKEN).unwrap())
        .build()
        .unwrap();
    outputs.push(format!("{signed:?}"));
    let error = signed.list_cluster_events().call().await.unwrap_err();
    outputs.push(format!("{error}"));
    outputs.push(format!("{error:?}"));
    assert_eq!(error.status(), Some(401));

    let with_token = common::builder(&server.uri())
        .credentials(Credentials::iam_token(IAM_TOKEN).unwrap())
        .build()
        .unwrap();
    outputs.push(format!("{with_token:?}"));
    let error = with_token.list_cluster_events().call().await.unwrap_err();
    outputs.push(format!("{error}"));
    outputs.push(format!("{error:?}"));

    // A transport failure, whose error wraps the reqwest error.
    let refused = common::builder("http://127.0.0.1:9")
        .credentials(Credentials::temporary(common::AK, WRONG_SK, TOKEN).unwrap())
        .retry_policy(common::fast_retries(1))
        .build()
        .unwrap();
    let error = refused.list_cluster_events().call().await.unwrap_err();
    outputs.push(format!("{error}"));
    outputs.push(format!("{error:?}"));

    let received = server.received_requests().await.unwrap();
    let authorization = received[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let signature = authorization
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(received[0].headers.get("x-security-token").unwrap(), TOKEN);
    assert_eq!(received[1].headers.get("x-auth-token").unwrap(), IAM_TOKEN);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    outputs.push(log.clone());
    let all = outputs.join("\n");
    assert_clean(
        &all,
        &[WRONG_SK, TOKEN, IAM_TOKEN, &authorization, &signature],
    );

    // The log has what an operator needs.
    assert!(log.contains("hss_request"), "{log}");
    assert!(log.contains("operation=\"ListClusterEvents\""), "{log}");
    assert!(log.contains("attempt=1"), "{log}");
    assert!(log.contains("status=401"), "{log}");
    assert!(log.contains("req-denied-1"), "{log}");
    assert!(log.contains("latency_ms="), "{log}");
}
