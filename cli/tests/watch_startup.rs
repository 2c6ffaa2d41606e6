//! `hss watch` while it starts: the project id looked up at IAM (no
//! project id given, a region set), against an IAM that this test answers
//! itself. A SIGHUP while the lookup waits (as `systemctl reload` may
//! send) does not end watch; IAM failing (503, or nothing listening) does
//! not exit 2, which is kept for a setting missing or malformed.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use hss_client::env::{ENV_IAM_ENDPOINT, ENV_PROJECT_ID, ENV_REGION};
use hss_mock::RunningMock;
use tokio::process::Command;
use tokio::sync::{Notify, mpsc};

use crate::common::text;
use crate::watch::{AK, SK, listed};

/// How the test's IAM answers the project lookup.
#[derive(Clone, Copy)]
enum Answer {
    /// The mock's project, once the test lets it.
    ProjectWhenReleased,
    /// 503, at once.
    Unavailable,
}

/// The test's IAM: its URL; it tells `asked` of each lookup, and answers
/// as `answer` says (after `release`, for a held answer).
async fn iam(answer: Answer, asked: mpsc::Sender<()>, release: Arc<Notify>) -> String {
    let route = axum::routing::get(move || {
        let (asked, release) = (asked.clone(), release.clone());
        async move {
            let _ = asked.send(()).await;
            match answer {
                Answer::ProjectWhenReleased => {
                    release.notified().await;
                    let body = serde_json::json!({"projects": [
                        {"id": hss_mock::DEFAULT_PROJECT_ID, "name": "cn-north-4"}
                    ]});
                    (StatusCode::OK, body.to_string())
                }
                Answer::Unavailable => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"error_code":"APIGW.0503","error_msg":"unavailable"}"#.to_string(),
                ),
            }
        }
    });
    let app = axum::Router::new().route(hss_client::provider::project::PROJECTS_PATH, route);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// `hss watch --once` of a listed operation with no project id, a region,
/// and IAM at `iam`.
fn watch(mock: &RunningMock, iam: &str, dir: &std::path::Path) -> Command {
    let operation = listed().expect("an operation that pages without a window");
    let mut command = crate::common::hss(mock, AK, SK);
    command
        .env_remove(ENV_PROJECT_ID)
        .env(ENV_REGION, "cn-north-4")
        .env(ENV_IAM_ENDPOINT, iam)
        .args(["--rate-limit", "off", "watch"])
        .arg(operation.method_name().replace('_', "-"))
        .arg("--once")
        .arg("--state")
        .arg(dir.join("state.json"))
        .arg("--output")
        .arg(dir.join("out.ndjson"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sighup_while_the_project_is_looked_up_does_not_end_watch() {
    let mock = crate::watch::mock(20, Default::default(), Duration::ZERO).await;
    let (asked, mut heard) = mpsc::channel(4);
    let release = Arc::new(Notify::new());
    let iam = iam(Answer::ProjectWhenReleased, asked, release.clone()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let child = watch(&mock, &iam, dir.path()).spawn().expect("spawns");
    tokio::time::timeout(Duration::from_secs(60), heard.recv())
        .await
        .expect("the lookup in time")
        .expect("asked");
    // The lookup is held: watch is still starting.
    let pid = child.id().expect("running");
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    release.notify_one();
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("watch ends in time")
        .expect("waits");
    assert_eq!(
        output.status.signal(),
        None,
        "ended by a signal: {}",
        text(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(dir.path().join("out.ndjson")).unwrap_or_default();
    assert!(
        written.lines().count() > 0,
        "the cycle ran after the signal"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn iam_failing_at_start_is_a_service_failure_not_a_usage_error() {
    let mock = crate::watch::mock(20, Default::default(), Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (asked, mut heard) = mpsc::channel(4);
    let iam503 = iam(Answer::Unavailable, asked, Arc::new(Notify::new())).await;
    // Nothing listens on a port just freed: the connection is refused.
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    for (iam, says) in [(&iam503, "503"), (&refused, "")] {
        let output = watch(&mock, iam, dir.path()).output().await.expect("runs");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{iam}: {stderr}");
        assert!(
            stderr.contains("project lookup") && stderr.contains(says),
            "{iam}: names what failed: {stderr}"
        );
    }
    assert!(heard.try_recv().is_ok(), "IAM was asked");
    // A setting missing (no region to look the project up in) stays 2.
    let output = watch(&mock, &iam503, dir.path())
        .env_remove(ENV_REGION)
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert_eq!(mock.stats()["total"].as_u64(), Some(0), "nothing was sent");
}
