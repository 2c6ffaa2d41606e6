//! `hss watch` as operators run it: beside logrotate (both of its modes,
//! by hand and with the documented configurations), a shipper tailing the
//! output, a second process started by mistake, a crash between writing a
//! page and saving the state, and a reader of stdout that goes away.
//! Each test drives the real binary against a live hss-mock (records
//! arrive and change while it runs, under the documented limit scaled).

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use hss_client::{Operation, RecordKey};
use hss_mock::{LiveConfig, RunningMock};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::common::text;
use crate::watch::{assert_once, hss, lines, listed, mock, truth};

/// A version of a record, and the id of its line.
type Written = ((RecordKey, Option<String>), String);

/// A list that moves while it is watched: every cycle has new lines.
fn live() -> LiveConfig {
    LiveConfig {
        arrivals_per_sec: 20.0,
        changes_per_sec: 5.0,
        ..LiveConfig::default()
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

/// Stops a watch with SIGTERM; it must exit 0.
async fn stop(mut child: Child) {
    signal(&child, "TERM");
    let status = child.wait().await.expect("waits");
    assert_eq!(status.code(), Some(0), "SIGTERM ends watch with 0");
}

fn spawn(mock: &RunningMock, operation: Operation, state: &Path, output: &Path) -> Child {
    hss(mock, operation, state, output)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns")
}

/// The lines of the output, which must hold no NUL byte and only whole
/// JSON lines.
fn output_lines(operation: Operation, path: &Path) -> Vec<Written> {
    let bytes = std::fs::read(path).unwrap_or_default();
    assert!(
        !bytes.contains(&0),
        "{} holds NUL bytes: a write left a hole",
        path.display()
    );
    lines(operation, path)
}

/// The lines of a copy that logrotate's `copytruncate` made while watch
/// wrote: no NUL byte, every whole line JSON; only its last line may be
/// cut short, by a page being written as it was copied.
fn copied_lines(operation: Operation, path: &Path) -> Vec<Written> {
    let bytes = std::fs::read(path).unwrap_or_default();
    assert!(!bytes.contains(&0), "{} holds NUL bytes", path.display());
    let whole = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |end| end + 1);
    let whole_part = path.with_extension("whole");
    std::fs::write(&whole_part, &bytes[..whole]).expect("written");
    lines(operation, &whole_part)
}

/// Two full cycles more, then: every version present from `start` to the
/// end is in `files`, and none twice.
async fn finish_and_check(
    mock: &RunningMock,
    operation: Operation,
    (state, output): (&Path, &Path),
    start: SystemTime,
    files: &[PathBuf],
    what: &str,
) {
    for _ in 0..2 {
        let run = hss(mock, operation, state, output)
            .arg("--once")
            .output()
            .await
            .expect("runs");
        assert!(run.status.success(), "{what}: {}", text(&run.stderr));
    }
    let end = SystemTime::now();
    let written: Vec<Written> = files
        .iter()
        .flat_map(|file| output_lines(operation, file))
        .collect();
    assert_once(&written, what);
    let have: BTreeSet<_> = written.iter().map(|(v, _)| v.clone()).collect();
    let missing = truth(mock, operation, start)
        .intersection(&truth(mock, operation, end))
        .filter(|v| !have.contains(v))
        .count();
    assert_eq!(
        missing, 0,
        "{what}: versions present throughout not written"
    );
}

struct Setup {
    mock: RunningMock,
    operation: Operation,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    state: PathBuf,
    output: PathBuf,
}

async fn setup() -> Option<Setup> {
    let operation = listed()?;
    let mock = mock(300, live(), Duration::from_millis(5)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_path_buf();
    Some(Setup {
        mock,
        operation,
        state: path.join("watch.state"),
        output: path.join("events.ndjson"),
        dir: path,
        _dir: dir,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_process_on_one_state_is_refused_and_the_first_goes_on() {
    let Some(s) = setup().await else { return };
    let first = spawn(&s.mock, s.operation, &s.state, &s.output);
    until("the first page", || s.state.exists()).await;
    let second = hss(&s.mock, s.operation, &s.state, &s.output)
        .arg("--once")
        .output()
        .await
        .expect("runs");
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));
    let message = text(&second.stderr);
    assert!(
        message.contains(&s.state.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&format!("pid {}", first.id().expect("running"))),
        "{message}"
    );
    // The first goes on writing.
    let before = line_count(&s.output);
    until("a later page of the first", || {
        line_count(&s.output) > before
    })
    .await;
    stop(first).await;
    let written = output_lines(s.operation, &s.output);
    assert!(!written.is_empty());
    assert_once(&written, "two processes");
}

#[tokio::test(flavor = "multi_thread")]
async fn copytruncate_while_watch_runs_leaves_no_hole() {
    let Some(s) = setup().await else { return };
    let child = spawn(&s.mock, s.operation, &s.state, &s.output);
    until("the first page", || line_count(&s.output) > 0).await;
    let mut copies = Vec::new();
    for round in 1..=2 {
        let copy = s.dir.join(format!("events.ndjson.{round}"));
        std::fs::copy(&s.output, &copy).expect("copied");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&s.output)
            .expect("opens")
            .set_len(0)
            .expect("truncated");
        copies.push(copy);
        until("lines after the truncation", || line_count(&s.output) > 0).await;
    }
    stop(child).await;
    let mut written = output_lines(s.operation, &s.output);
    for copy in &copies {
        written.extend(copied_lines(s.operation, copy));
    }
    assert_once(&written, "copytruncate");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rename_with_sighup_moves_the_lines_to_the_new_file_at_once() {
    let Some(s) = setup().await else { return };
    let start = SystemTime::now();
    let mut child = spawn(&s.mock, s.operation, &s.state, &s.output);
    until("the first page", || line_count(&s.output) > 0).await;
    let rotated = s.dir.join("events.ndjson.1");
    std::fs::rename(&s.output, &rotated).expect("renamed");
    std::fs::write(&s.output, "").expect("created");
    signal(&child, "HUP");
    until("lines in the new file", || line_count(&s.output) > 0).await;
    let old = std::fs::metadata(&rotated).expect("there").len();
    let before = line_count(&s.output);
    until("another page", || line_count(&s.output) > before).await;
    assert_eq!(
        std::fs::metadata(&rotated).expect("there").len(),
        old,
        "nothing more goes to the renamed file"
    );
    assert!(
        child.try_wait().expect("waits").is_none(),
        "SIGHUP ends nothing"
    );
    stop(child).await;
    finish_and_check(
        &s.mock,
        s.operation,
        (&s.state, &s.output),
        start,
        &[rotated, s.output.clone()],
        "rename with SIGHUP",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rename_without_sighup_is_followed_within_a_page() {
    let Some(s) = setup().await else { return };
    let start = SystemTime::now();
    let child = spawn(&s.mock, s.operation, &s.state, &s.output);
    until("the first page", || line_count(&s.output) > 0).await;
    // Renamed away: the next page makes the file anew.
    let first = s.dir.join("events.ndjson.1");
    std::fs::rename(&s.output, &first).expect("renamed");
    until("a new file", || line_count(&s.output) > 0).await;
    // Renamed and created anew: the next page goes to the new one.
    let second = s.dir.join("events.ndjson.2");
    std::fs::rename(&s.output, &second).expect("renamed");
    std::fs::write(&s.output, "").expect("created");
    until("lines in the new file", || line_count(&s.output) > 0).await;
    let old = std::fs::metadata(&second).expect("there").len();
    let before = line_count(&s.output);
    until("another page", || line_count(&s.output) > before).await;
    assert_eq!(std::fs::metadata(&second).expect("there").len(), old);
    stop(child).await;
    finish_and_check(
        &s.mock,
        s.operation,
        (&s.state, &s.output),
        start,
        &[first, second, s.output.clone()],
        "rename without SIGHUP",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_after_each_kind_of_rotation_goes_on() {
    let Some(s) = setup().await else { return };
    let start = SystemTime::now();
    let once = || async {
        let run = hss(&s.mock, s.operation, &s.state, &s.output)
            .arg("--once")
            .output()
            .await
            .expect("runs");
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
        text(&run.stderr)
    };
    once().await;
    let mut files = Vec::new();
    // copytruncate while it was down.
    let copy = s.dir.join("events.ndjson.1");
    std::fs::copy(&s.output, &copy).expect("copied");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&s.output)
        .expect("opens")
        .set_len(0)
        .expect("truncated");
    files.push(copy);
    let log = once().await;
    assert!(log.contains("was rotated"), "{log}");
    assert!(
        line_count(&s.output) > 0,
        "it went on in the truncated file"
    );
    // Renamed away while it was down.
    let renamed = s.dir.join("events.ndjson.2");
    std::fs::rename(&s.output, &renamed).expect("renamed");
    files.push(renamed);
    let log = once().await;
    assert!(log.contains("was rotated"), "{log}");
    // Renamed and created anew while it was down.
    let again = s.dir.join("events.ndjson.3");
    std::fs::rename(&s.output, &again).expect("renamed");
    std::fs::write(&s.output, "").expect("created");
    files.push(again);
    let log = once().await;
    assert!(log.contains("was rotated"), "{log}");
    files.push(s.output.clone());
    finish_and_check(
        &s.mock,
        s.operation,
        (&s.state, &s.output),
        start,
        &files,
        "restarts after rotations",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lines_written_after_the_last_save_are_cut_and_written_once() {
    // What a crash between writing a page and saving the state leaves:
    // lines beyond what the state covers, the last one cut short.
    let Some(s) = setup().await else { return };
    let start = SystemTime::now();
    let run = hss(&s.mock, s.operation, &s.state, &s.output)
        .arg("--once")
        .output()
        .await
        .expect("runs");
    assert!(run.status.success(), "{}", text(&run.stderr));
    let saved = std::fs::metadata(&s.output).expect("there").len();
    let mut tail = String::new();
    let mut file = std::fs::File::open(&s.output).expect("opens");
    file.seek(SeekFrom::Start(saved / 2)).expect("seeks");
    file.read_to_string(&mut tail).expect("reads");
    let after_newline = tail.find('\n').map_or(0, |at| at + 1);
    let mut extra = tail[after_newline..].to_string();
    extra.push_str("{\"operation\":\"cut sh");
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&s.output)
        .expect("opens");
    std::io::Write::write_all(&mut out, extra.as_bytes()).expect("appended");
    finish_and_check(
        &s.mock,
        s.operation,
        (&s.state, &s.output),
        start,
        std::slice::from_ref(&s.output),
        "a crash tail",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_of_stdout_going_away_ends_watch_and_a_restart_goes_on_exactly() {
    let Some(s) = setup().await else { return };
    let start = SystemTime::now();
    let to_stdout = |once: bool| {
        let mut command = crate::common::hss(&s.mock, crate::watch::AK, crate::watch::SK);
        command
            .args(["--rate-limit", &crate::watch::budget(s.operation)])
            .arg("watch")
            .arg(s.operation.method_name().replace('_', "-"))
            .arg("--state")
            .arg(&s.state)
            .args(["--interval", "3"]);
        if once {
            command.arg("--once");
        }
        command
    };
    let mut child = to_stdout(false)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut errors = BufReader::new(child.stderr.take().expect("stderr")).lines();
    // stdout is read as it comes (a page would not fit the pipe), each
    // line handed over; aborting the reader closes the pipe.
    let (lines_read, mut received) = tokio::sync::mpsc::unbounded_channel();
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let reader = tokio::spawn(async move {
        while let Ok(Some(line)) = out.next_line().await {
            if lines_read.send(line).is_err() {
                return;
            }
        }
    });
    // The first cycle's line says how many records it wrote; take them
    // all, then go away before the next cycle writes.
    let records = loop {
        let line = errors
            .next_line()
            .await
            .expect("reads")
            .expect("a cycle line");
        if let Some(count) = line
            .split(": cycle 1 ")
            .nth(1)
            .and_then(|rest| rest.split("): ").nth(1))
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<usize>().ok())
        {
            break count;
        }
    };
    let mut read = String::new();
    for _ in 0..records {
        read.push_str(&received.recv().await.expect("a line"));
        read.push('\n');
    }
    reader.abort();
    let _ = reader.await;
    let mut rest = String::new();
    while let Some(line) = errors.next_line().await.expect("reads") {
        rest.push_str(&line);
        rest.push('\n');
    }
    let status = child.wait().await.expect("waits");
    assert_eq!(status.code(), Some(3), "{rest}");
    assert!(rest.contains("broken pipe"), "{rest}");
    // A restart goes on from exactly what was read.
    let mut all = read;
    for _ in 0..2 {
        let run = to_stdout(true).output().await.expect("runs");
        assert!(run.status.success(), "{}", text(&run.stderr));
        all.push_str(&text(&run.stdout));
    }
    let end = SystemTime::now();
    let file = s.dir.join("read.ndjson");
    std::fs::write(&file, all).expect("written");
    let written = lines(s.operation, &file);
    assert_once(&written, "stdout");
    let have: BTreeSet<_> = written.iter().map(|(v, _)| v.clone()).collect();
    let missing = truth(&s.mock, s.operation, start)
        .intersection(&truth(&s.mock, s.operation, end))
        .filter(|v| !have.contains(v))
        .count();
    assert_eq!(missing, 0, "versions present throughout not written");
}

/// The documentation's files beside the systemd unit.
fn docs(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/watch")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The output path the documented unit writes to.
fn documented_output() -> String {
    let unit = docs("hss-watch.service");
    let words: Vec<&str> = unit.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "--output")
        .expect("the unit gives --output");
    words[at + 1].to_string()
}

fn logrotate() -> PathBuf {
    [
        "/usr/sbin/logrotate",
        "/sbin/logrotate",
        "/usr/bin/logrotate",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("logrotate is installed (apt-get install logrotate; .ci/run installs it)")
}

/// A shipper as Vector's file source reads (`docs/watch/vector.toml`): it
/// knows a file by its first line, reads the one at the path from where
/// it stopped, keeps reading a file renamed away to its end, and starts
/// over when the file at the path begins otherwise (truncated, or
/// another file).
struct Shipper {
    path: PathBuf,
    current: Option<(std::fs::File, String, String)>,
    renamed: Vec<(std::fs::File, String)>,
    lines: Vec<String>,
}

impl Shipper {
    fn new(path: &Path) -> Self {
        Shipper {
            path: path.to_path_buf(),
            current: None,
            renamed: Vec::new(),
            lines: Vec::new(),
        }
    }

    fn first_line(path: &Path) -> Option<String> {
        let text = std::fs::read_to_string(path).ok()?;
        text.split_once('\n').map(|(line, _)| line.to_string())
    }

    /// Whole lines read on from `file`; a line cut short waits in `partial`.
    fn read(file: &mut std::fs::File, partial: &mut String, lines: &mut Vec<String>) {
        let mut more = String::new();
        let _ = file.read_to_string(&mut more);
        partial.push_str(&more);
        while let Some(at) = partial.find('\n') {
            let line: String = partial.drain(..=at).collect();
            lines.push(line.trim_end().to_string());
        }
    }

    fn poll(&mut self) {
        let first = Self::first_line(&self.path);
        let same =
            matches!((&self.current, &first), (Some((_, known, _)), Some(now)) if known == now);
        if !same {
            // A file renamed away is read to its end; one truncated in
            // place (the same file at the path) is done with.
            let inode = |m: std::io::Result<std::fs::Metadata>| {
                m.ok().map(|m| std::os::unix::fs::MetadataExt::ino(&m))
            };
            let at_path = inode(std::fs::metadata(&self.path));
            if let Some((file, _, partial)) = self.current.take()
                && inode(file.metadata()) != at_path
            {
                self.renamed.push((file, partial));
            }
            self.current = first.and_then(|line| {
                std::fs::File::open(&self.path)
                    .ok()
                    .map(|f| (f, line, String::new()))
            });
        }
        for (file, partial) in &mut self.renamed {
            Self::read(file, partial, &mut self.lines);
        }
        if let Some((file, _, partial)) = self.current.as_mut() {
            Self::read(file, partial, &mut self.lines);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_documented_logrotate_and_shipper_keep_every_line_once() {
    let Some(s) = setup().await else { return };
    let logrotate = logrotate();
    let documented = documented_output();
    let vector = docs("vector.toml");
    assert!(
        vector.contains(&format!("include = [\"{documented}\"]")),
        "vector.toml reads the unit's output"
    );
    assert!(vector.contains("read_from = \"beginning\""));
    let child = spawn(&s.mock, s.operation, &s.state, &s.output);
    let pid = child.id().expect("running");
    until("the first page", || line_count(&s.output) > 0).await;
    let mut shipper = Shipper::new(&s.output);
    let mut rotated = Vec::new();
    for (round, name) in ["logrotate-rename.conf", "logrotate-copytruncate.conf"]
        .into_iter()
        .enumerate()
    {
        let config = docs(name);
        assert!(
            config.contains(&documented),
            "{name} rotates the unit's output"
        );
        let config = config
            .replace(&documented, &s.output.display().to_string())
            .replace("create 0640 root root", "create 0640")
            .replace(
                "systemctl reload hss-watch.service",
                &format!("kill -HUP {pid}"),
            );
        let conf = s.dir.join(format!("logrotate-{round}.conf"));
        std::fs::write(&conf, config).expect("written");
        for _ in 0..10 {
            shipper.poll();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let run = Command::new(&logrotate)
            .arg("-f")
            .arg("-s")
            .arg(s.dir.join("logrotate.status"))
            .arg(&conf)
            .output()
            .await
            .expect("logrotate runs");
        assert!(run.status.success(), "{name}: {}", text(&run.stderr));
        // Out of logrotate's way, so that each run makes a `.1` afresh.
        let copy = s.dir.join(format!("rotated-{round}.ndjson"));
        std::fs::rename(s.dir.join("events.ndjson.1"), &copy).expect("logrotate kept .1");
        rotated.push(copy);
        let before = line_count(&s.output);
        let deadline = Instant::now() + Duration::from_secs(120);
        while line_count(&s.output) <= before + 1 {
            assert!(Instant::now() < deadline, "{name}: no lines after rotation");
            shipper.poll();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    stop(child).await;
    shipper.poll();
    // The shipper read whole JSON lines only, each once.
    let shipped = s.dir.join("shipped.ndjson");
    std::fs::write(&shipped, shipper.lines.join("\n") + "\n").expect("written");
    assert_once(&lines(s.operation, &shipped), "shipped");
    // The files: no hole, whole lines; every version once across them.
    let mut written = output_lines(s.operation, &s.output);
    written.extend(output_lines(s.operation, &rotated[0]));
    written.extend(copied_lines(s.operation, &rotated[1]));
    assert_once(&written, "rotated files");
}
