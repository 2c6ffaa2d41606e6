//! What `hss watch` knows of its output: a second watch on one output
//! refused, and a change of `--schema` refused.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use hss_client::{Operation, SiemSchema};
use hss_mock::{LiveConfig, RunningMock};
use tokio::process::{Child, Command};

use crate::common::text;
use crate::watch::{assert_once, hss, lines, listed, mock};

/// A list that moves while it is watched: every cycle has new lines.
fn live() -> LiveConfig {
    LiveConfig {
        arrivals_per_sec: 20.0,
        changes_per_sec: 5.0,
        ..LiveConfig::default()
    }
}

struct Setup {
    mock: RunningMock,
    operation: Operation,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    state: PathBuf,
    output: PathBuf,
}

async fn setup() -> Setup {
    let operation = listed().expect("the spec has an operation that pages with no time window");
    setup_with(operation, live()).await
}

async fn setup_with(operation: Operation, live: LiveConfig) -> Setup {
    let mock = mock(300, live, Duration::from_millis(5)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_path_buf();
    Setup {
        mock,
        operation,
        state: path.join("watch.state"),
        output: path.join("events.ndjson"),
        dir: path,
        _dir: dir,
    }
}

/// Waits until `done`, two minutes at most.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within two minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn line_count(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |bytes| bytes.iter().filter(|b| **b == b'\n').count())
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().expect("running");
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

/// One `--once` run; its exit status must be 0. Its stderr.
async fn once(command: &mut Command) -> String {
    let run = command.arg("--once").output().await.expect("runs");
    let log = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{log}");
    log
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_watch_on_one_output_is_refused_naming_the_first_one_s_pid() {
    let s = setup().await;
    let mut first = hss(&s.mock, s.operation, &s.state, &s.output)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    until("the first page", || line_count(&s.output) > 0).await;
    // Another state, the same output.
    let other_state = s.dir.join("other.state");
    let second = hss(&s.mock, s.operation, &other_state, &s.output)
        .arg("--once")
        .output()
        .await
        .expect("runs");
    let message = text(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{message}");
    assert!(
        message.contains(&s.output.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&format!("pid {}", first.id().expect("running"))),
        "{message}"
    );
    // The first goes on, alone.
    let before = line_count(&s.output);
    until("a later page of the first", || {
        line_count(&s.output) > before
    })
    .await;
    signal(&first, "TERM");
    let status = first.wait().await.expect("waits");
    assert_eq!(status.code(), Some(0));
    assert_once(&lines(s.operation, &s.output), "one output");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_of_schema_on_an_existing_state_is_refused() {
    let operation = Operation::ALL
        .iter()
        .copied()
        .find(|op| op.pagination().is_some() && op.siem(SiemSchema::Ocsf).is_some())
        .expect("the spec maps an operation that pages to OCSF");
    let s = setup_with(operation, live()).await;
    once(&mut hss(&s.mock, s.operation, &s.state, &s.output)).await;
    let length = std::fs::metadata(&s.output).expect("an output").len();
    let changed = hss(&s.mock, s.operation, &s.state, &s.output)
        .args(["--schema", "ocsf", "--once"])
        .output()
        .await
        .expect("runs");
    let message = text(&changed.stderr);
    assert_eq!(changed.status.code(), Some(2), "{message}");
    assert!(message.contains("--schema hss"), "{message}");
    assert!(message.contains("--schema ocsf"), "{message}");
    assert!(message.contains("--state"), "what to do: {message}");
    assert_eq!(
        std::fs::metadata(&s.output).expect("an output").len(),
        length,
        "nothing written in another format"
    );
    // Every line is still an HSS envelope of the operation.
    lines(s.operation, &s.output);
}
