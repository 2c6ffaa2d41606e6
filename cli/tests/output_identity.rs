//! What `hss watch` knows of its output, and what it does with a file it
//! finds at the output's path: a second watch on one output refused, a
//! change of `--schema` refused, the state saved before the first byte,
//! an output copied to another file taken for the same output by its
//! content, a copy-and-truncate followed by a crash never gluing a line,
//! and no false "truncated" after a rotation; and an export that refuses
//! to resume an output changed since its checkpoint. The crashes are
//! injected (a state and an output as a killed process leaves them),
//! never timed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use hss_client::{Operation, SiemSchema};
use hss_mock::{LiveConfig, RunningMock};
use tokio::process::Command;

use crate::common::text;
use crate::daemon::{line_count, signal, until};
use crate::watch::{AK, assert_once, budget, hss, lines, listed, mock};

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

/// One `--once` run; its exit status must be 0. Its stderr.
async fn once(command: &mut Command) -> String {
    let run = command.arg("--once").output().await.expect("runs");
    let log = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{log}");
    log
}

/// Every line of `path` is a whole JSON object and the file ends with a
/// newline: no line was glued to another or cut short.
fn assert_whole_lines(path: &Path, what: &str) {
    let text = std::fs::read_to_string(path).expect("an output");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{what}: the output ends inside a line"
    );
    for (number, line) in text.lines().enumerate() {
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
        assert!(
            parsed.as_ref().is_ok_and(serde_json::Value::is_object),
            "{what}: line {} is not a whole JSON object: {line:.200}",
            number + 1
        );
    }
}

/// The whole lines of `text`, each with its newline.
fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .collect()
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

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_in_the_first_page_is_cut_back_on_restart() {
    let s = setup().await;
    // The first page, as another watch writes it.
    let (other_state, other_output) = (s.dir.join("other.state"), s.dir.join("other.ndjson"));
    once(&mut hss(&s.mock, s.operation, &other_state, &other_output)).await;
    let page = std::fs::read_to_string(&other_output).expect("a page");
    assert!(line_count(&other_output) > 2, "a page of several lines");
    // A run that stops before it writes a byte (its key is refused).
    let refused = crate::common::hss(&s.mock, AK, "not-the-secret-key")
        .args(["--rate-limit", &budget(s.operation)])
        .arg("watch")
        .arg(s.operation.method_name().replace('_', "-"))
        .arg("--state")
        .arg(&s.state)
        .arg("--output")
        .arg(&s.output)
        .arg("--once")
        .output()
        .await
        .expect("runs");
    assert_ne!(refused.status.code(), Some(0), "a refused key fails");
    assert!(
        s.state.exists(),
        "the state is saved before the first byte of the output: {}",
        text(&refused.stderr)
    );
    // What a crash half way through the first page leaves: its first
    // half, the last line cut short.
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&s.output)
        .expect("opens");
    out.write_all(&page.as_bytes()[..page.len() / 2])
        .expect("written");
    drop(out);
    once(&mut hss(&s.mock, s.operation, &s.state, &s.output)).await;
    assert_whole_lines(&s.output, "after a crash in the first page");
    assert_once(
        &lines(s.operation, &s.output),
        "after a crash in the first page",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_in_the_first_page_leaves_a_state_that_covers_what_it_says() {
    let s = setup().await;
    // Every write to /dev/full fails with ENOSPC.
    std::os::unix::fs::symlink("/dev/full", &s.output).expect("a link to /dev/full");
    let full = hss(&s.mock, s.operation, &s.state, &s.output)
        .arg("--once")
        .output()
        .await
        .expect("runs");
    let message = text(&full.stderr);
    assert_eq!(full.status.code(), Some(3), "{message}");
    assert!(message.contains("space"), "{message}");
    assert!(message.contains("rerun the same command"), "{message}");
    // The message says the state covers every line written before: it
    // does, as it was saved before the first byte.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&s.state).expect("a state saved"))
            .expect("JSON");
    assert_eq!(saved["output_bytes"].as_u64(), Some(0), "{saved}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_copied_to_another_file_with_its_content_is_the_same_output() {
    let s = setup().await;
    once(&mut hss(&s.mock, s.operation, &s.state, &s.output)).await;
    // A crash in a page after the last save: lines beyond what the state
    // covers, the last one cut short.
    let saved = std::fs::read_to_string(&s.output).expect("an output");
    let whole = split_lines(&saved);
    assert!(whole.len() > 2, "a backfill of several lines");
    let mut extra: String = whole[whole.len() / 2..].concat();
    extra.push_str(&whole[0][..whole[0].len() / 2]);
    std::fs::write(&s.output, format!("{saved}{extra}")).expect("written");
    // Then the output is copied to another volume: a new file (another
    // inode) with the same content at the same path.
    let copy = s.dir.join("copy.tmp");
    std::fs::copy(&s.output, &copy).expect("copied");
    std::fs::rename(&copy, &s.output).expect("moved");
    let log = once(&mut hss(&s.mock, s.operation, &s.state, &s.output)).await;
    assert!(!log.contains("rotated"), "not a rotation: {log}");
    assert_whole_lines(&s.output, "a copied output");
    assert_once(&lines(s.operation, &s.output), "a copied output");
}

#[tokio::test(flavor = "multi_thread")]
async fn copytruncate_in_a_page_then_a_crash_glues_no_line() {
    let s = setup().await;
    once(&mut hss(&s.mock, s.operation, &s.state, &s.output)).await;
    let saved = std::fs::read_to_string(&s.output).expect("an output");
    let length = saved.len();
    // copytruncate in a page: the copy holds what the state covers, and
    // the file, truncated, grows again with the page (its lines, from the
    // second, over the saved length), then the process dies, a line cut
    // short. The saved length falls inside a line of the new content.
    std::fs::copy(&s.output, s.dir.join("events.ndjson.1")).expect("copied");
    let whole = split_lines(&saved);
    assert!(whole.len() > 2, "a backfill of several lines");
    let mut page = String::new();
    let mut next = whole[1..].iter().cycle();
    while page.len() <= length {
        page.push_str(next.next().expect("lines"));
    }
    let ends: Vec<usize> = page.match_indices('\n').map(|(at, _)| at + 1).collect();
    if ends.contains(&length) {
        // One more byte before: the saved length is inside a line.
        page.insert(0, ' ');
    }
    page.push_str(&whole[0][..whole[0].len() / 2]);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&s.output)
        .expect("opens")
        .set_len(0)
        .expect("truncated");
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&s.output)
        .expect("opens");
    out.write_all(page.as_bytes()).expect("written");
    drop(out);
    let log = once(&mut hss(&s.mock, s.operation, &s.state, &s.output)).await;
    assert_whole_lines(&s.output, "copytruncate then a crash");
    assert!(log.contains("rotated"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_says_rotated_and_never_truncated_after() {
    let s = setup().await;
    // Found at start: renamed away while watch was down.
    once(&mut hss(&s.mock, s.operation, &s.state, &s.output)).await;
    std::fs::rename(&s.output, s.dir.join("events.ndjson.1")).expect("renamed");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let log = once(&mut hss(&s.mock, s.operation, &s.state, &s.output)).await;
    assert!(log.contains("rotated"), "{log}");
    assert!(
        line_count(&s.output) > 0,
        "a page went to the new file: {log}"
    );
    assert!(
        !log.contains("truncated"),
        "after a rotation at start: {log}"
    );
    // Renamed and created anew, then SIGHUP, while it runs.
    let mut child = hss(&s.mock, s.operation, &s.state, &s.output)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let before = line_count(&s.output);
    until("a page", || line_count(&s.output) > before).await;
    std::fs::rename(&s.output, s.dir.join("events.ndjson.2")).expect("renamed");
    std::fs::write(&s.output, "").expect("created");
    signal(&child, "HUP");
    until("two pages in the new file", || line_count(&s.output) > 0).await;
    let first = line_count(&s.output);
    until("another page", || line_count(&s.output) > first).await;
    signal(&child, "TERM");
    let mut log = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut log)
            .await
            .expect("reads");
    }
    let status = child.wait().await.expect("waits");
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("rotated"), "{log}");
    assert!(!log.contains("truncated"), "after a SIGHUP rotation: {log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_refuses_to_resume_an_output_changed_since_its_checkpoint() {
    let operation = listed().expect("the spec has an operation that pages with no time window");
    // A second an answer: the export is killed while its second page is on
    // its way, well after its first was checkpointed.
    let mock = mock(300, LiveConfig::default(), Duration::from_secs(1)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, checkpoint) = (
        dir.path().join("out.ndjson"),
        dir.path().join("export.ckpt"),
    );
    let page = operation
        .pagination()
        .map_or(1, |p| p.min_limit)
        .to_string();
    let export = || {
        let mut command = crate::common::hss(&mock, AK, crate::watch::SK);
        command
            .args(["--rate-limit", &budget(operation)])
            .arg("export")
            .arg(operation.method_name().replace('_', "-"))
            .args(["--page-size", &page, "--output"])
            .arg(&output)
            .arg("--checkpoint")
            .arg(&checkpoint);
        command
    };
    let mut child = export()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    until("a checkpoint", || checkpoint.exists()).await;
    child.start_kill().expect("kill -9");
    let _ = child.wait().await;
    assert!(checkpoint.exists(), "the export ended before it was killed");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&checkpoint).expect("a checkpoint"))
            .expect("JSON");
    let bytes = saved["output_bytes"].as_u64().expect("a length") as usize;
    assert!(bytes > 1, "{saved}");
    // The output changed since: the same length, one byte of its last
    // line another.
    let mut changed = std::fs::read(&output).expect("an output");
    changed[bytes - 2] = if changed[bytes - 2] == b'0' {
        b'1'
    } else {
        b'0'
    };
    std::fs::write(&output, &changed).expect("written");
    let rerun = export().output().await.expect("runs");
    let message = text(&rerun.stderr);
    assert_eq!(rerun.status.code(), Some(2), "{message}");
    assert!(message.contains("changed since"), "{message}");
    assert_eq!(
        std::fs::read(&output).expect("an output"),
        changed,
        "the output is left as it was"
    );
}
