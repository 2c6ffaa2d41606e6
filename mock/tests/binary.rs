//! The `hss-mock` command line: `--help` lists every option, and the binary
//! serves on the port it reports.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hss-mock");

#[test]
fn help_lists_every_option() {
    let output = Command::new(BIN).arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--host",
        "--port",
        "--events",
        "--seed",
        "--clusters",
        "--project-id",
        "--key-pair",
        "--token",
        "--max-clock-skew",
        "--throttle-rate",
        "--retry-after",
        "--server-error-rate",
        "--server-error-status",
        "--reset-rate",
        "--truncate-rate",
        "--latency-ms",
        "--fault-seed",
    ] {
        assert!(help.contains(option), "--help does not mention {option}");
    }
}

#[test]
fn bad_settings_are_refused_with_a_message() {
    let output = Command::new(BIN)
        .args(["--port", "0", "--reset-rate", "1.5"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("reset rate must be between 0 and 1"),
        "{error}"
    );
}

#[tokio::test]
async fn the_binary_serves_on_the_port_it_reports() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--events", "1000000", "--token", "bin-token"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .strip_prefix("hss-mock listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    let response = reqwest::Client::new()
        .get(format!(
            "{url}/v5/p/cluster-protect/events?offset=999990&limit=10"
        ))
        .header("X-Auth-Token", "bin-token")
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("JSON");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total_num"], 1_000_000);
    assert_eq!(body["data_list"].as_array().map(Vec::len), Some(10));
}
