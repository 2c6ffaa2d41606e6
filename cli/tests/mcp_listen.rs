//! `hss mcp --listen` over real sockets: an address other than loopback
//! without a token is refused before anything is bound, with an error
//! that says why; with a token it serves, and a request without the token
//! gets 401; a request naming a foreign `Host` gets 403 (DNS rebinding).

use std::process::Stdio;
use std::time::Duration;

use hss_mock::{Credentials, MockConfig, RunningMock};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::common::{self, text};

const AK: &str = "CLIMCPLISTENACCESSK1";
const SK: &str = "cli-mcp-listen-secret-key-do-not-print";
const TOKEN: &str = "listen-test-token-5678";

async fn mock() -> RunningMock {
    hss_mock::start(MockConfig {
        events: 10,
        clusters: 1,
        credentials: Credentials::new().with_key_pair(AK, SK),
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts")
}

/// `hss mcp --listen ADDR`, with `--token-file` when `token_file` is given.
fn serve(mock: &RunningMock, addr: &str, token_file: Option<&std::path::Path>) -> Child {
    let mut command = common::hss(mock, AK, SK);
    command.args(["--rate-limit", "off", "mcp", "--listen", addr]);
    if let Some(file) = token_file {
        command.arg("--token-file").arg(file);
    }
    command
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("hss mcp starts")
}

/// The server's stderr, read line by line.
type Stderr = tokio::io::Lines<BufReader<tokio::process::ChildStderr>>;

/// The URL a server says it listens on, and the rest of its stderr (kept
/// open: the server goes on writing to it).
async fn url(server: &mut Child) -> (String, Stderr) {
    let mut lines = BufReader::new(server.stderr.take().expect("stderr")).lines();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the address in time")
            .expect("stderr")
            .expect("a line before the server ends");
        if let Some(url) = line.strip_prefix("hss mcp listening on ") {
            return (url.to_string(), lines);
        }
    }
}

fn initialize() -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
}

async fn post(url: &str, token: Option<&str>, host: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("Accept", "application/json, text/event-stream")
        .json(&initialize());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(host) = host {
        request = request.header(reqwest::header::HOST, host);
    }
    request.send().await.expect("answered").status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_beyond_loopback_without_a_token_is_refused_before_binding() {
    let mock = mock().await;
    // The port is held here: a server that tried to bind it would fail
    // with another error than the one asked for.
    let held = std::net::TcpListener::bind("0.0.0.0:0").expect("a port");
    let port = held.local_addr().expect("address").port();
    for addr in [format!("0.0.0.0:{port}"), format!("[::]:{port}")] {
        let server = serve(&mock, &addr, None);
        let output = tokio::time::timeout(Duration::from_secs(60), server.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("{addr}: hss mcp is still running"))
            .expect("waits");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{addr}: {stderr}");
        assert!(
            stderr.contains("not a loopback address") && stderr.contains("--token-file"),
            "{addr}: says why and what to do: {stderr}"
        );
        assert!(!stderr.contains("listening"), "{addr}: {stderr}");
        assert!(!stderr.contains("cannot listen"), "{addr}: bound: {stderr}");
    }
    assert_eq!(mock.stats()["total"].as_u64(), Some(0), "nothing was sent");
    drop(held);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_is_required_when_set_and_a_foreign_host_is_refused() {
    let mock = mock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token");
    // Beyond loopback with a token, and on loopback with one: both serve
    // (reached here through 127.0.0.1), and both guard alike.
    for addr in ["0.0.0.0:0", "127.0.0.1:0"] {
        let mut server = serve(&mock, addr, Some(&token_file));
        let (said, mut stderr) = url(&mut server).await;
        let port = said
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.strip_suffix("/mcp"))
            .expect("a port");
        let url = format!("http://127.0.0.1:{port}/mcp");
        assert_eq!(post(&url, None, None).await, 401, "{addr}: no token");
        assert_eq!(
            post(&url, Some("wrong-token-00000000"), None).await,
            401,
            "{addr}: a wrong token"
        );
        assert_eq!(
            post(&url, Some(TOKEN), Some("evil.example")).await,
            403,
            "{addr}: a foreign Host"
        );
        assert_eq!(
            post(&url, Some(TOKEN), Some(&format!("evil.example:{port}"))).await,
            403,
            "{addr}: a foreign Host with the port"
        );
        let served = post(&url, Some(TOKEN), None).await;
        assert!((200..300).contains(&served), "{addr}: the token: {served}");
        let _ = server.start_kill();
        let _ = server.wait().await;
        while let Ok(Some(line)) = stderr.next_line().await {
            eprintln!("{addr}: hss mcp: {line}");
        }
    }
}
