//! `hss watch` as operators run it: beside logrotate (both of its modes,
//! by hand and with the documented configurations), a shipper that lags
//! and reads as the documented Vector configuration does, a second
//! process started by mistake, a crash between writing a
//! page and saving the state, and a reader of stdout that goes away.
//! Each test drives the real binary against a live hss-mock (records
//! arrive and change while it runs, under the documented limit scaled).

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom, Write};
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
pub(crate) async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within two minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) fn line_count(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |bytes| bytes.iter().filter(|b| **b == b'\n').count())
}

pub(crate) fn signal(child: &Child, name: &str) {
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
    let throughout: Vec<_> = truth(mock, operation, start)
        .intersection(&truth(mock, operation, end))
        .cloned()
        .collect();
    assert!(
        !throughout.is_empty(),
        "{what}: no version was present throughout"
    );
    let missing = throughout.iter().filter(|v| !have.contains(*v)).count();
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

async fn setup() -> Setup {
    let operation = listed().expect("the spec has an operation that pages without a time window");
    let mock = mock(300, live(), Duration::from_millis(5)).await;
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

#[tokio::test(flavor = "multi_thread")]
async fn a_second_process_on_one_state_is_refused_and_the_first_goes_on() {
    let s = setup().await;
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
    let s = setup().await;
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
    let s = setup().await;
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
    let s = setup().await;
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
    let s = setup().await;
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
    let s = setup().await;
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
    let s = setup().await;
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
    let throughout: Vec<_> = truth(&s.mock, s.operation, start)
        .intersection(&truth(&s.mock, s.operation, end))
        .cloned()
        .collect();
    assert!(!throughout.is_empty(), "no version was present throughout");
    let missing = throughout.iter().filter(|v| !have.contains(*v)).count();
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

/// The files a documented Vector configuration (`docs/watch/vector.toml`
/// or `docs/siem/vector.toml`) reads, its `include`, each as a suffix of
/// the unit's output path: "" for the output itself, ".1" for its first
/// rotated file.
fn vector_include(file: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let documented = documented_output();
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("include"))
        .unwrap_or_else(|| panic!("{file} has no include"));
    let paths: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    assert!(!paths.is_empty(), "{file}: include names no file");
    paths
        .into_iter()
        .map(|p| {
            assert!(
                !p.contains(['*', '?', '[', '{']),
                "{file}: {p}: the test's shipper reads the files named, it does not expand globs"
            );
            p.strip_prefix(&documented)
                .unwrap_or_else(|| {
                    panic!(
                        "{file}: {p} is neither the unit's output {documented} nor a rotated one"
                    )
                })
                .to_string()
        })
        .collect()
}

/// A lagging shipper, as Vector's file source reads the files `include`
/// names (with `read_from = "beginning"`): it knows a file by its first
/// line (the default fingerprint, a checksum of it) and keeps, for each
/// file so known, an open handle, the path it was last found at and how
/// far it has read. At each scan, a known file found at another path
/// (renamed, or copied by `copytruncate`) is read on from the same offset
/// there (reopened when it is another inode); an unknown one is read from
/// its start; a file found at no included path is read to its end
/// through its handle and then forgotten, and what it held after that is
/// lost. It reads only when polled: between two polls, watch writes and
/// logrotate rotates.
struct Shipper {
    include: Vec<PathBuf>,
    files: Vec<Tracked>,
    lines: Vec<String>,
}

/// A file the shipper follows.
struct Tracked {
    fingerprint: String,
    path: PathBuf,
    handle: std::fs::File,
    /// Bytes read from the file's start, a line cut short included.
    offset: u64,
    /// The start of a line not yet ended.
    partial: Vec<u8>,
    found: bool,
}

fn inode(file: &std::fs::File) -> Option<u64> {
    file.metadata()
        .ok()
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
}

impl Shipper {
    fn new(output: &Path, include: &[String]) -> Self {
        let name = output.display().to_string();
        Shipper {
            include: include
                .iter()
                .map(|suffix| PathBuf::from(format!("{name}{suffix}")))
                .collect(),
            files: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// The file's first line, once it is whole.
    fn fingerprint(path: &Path) -> Option<String> {
        let mut first = Vec::new();
        let file = std::fs::File::open(path).ok()?;
        std::io::BufRead::read_until(&mut std::io::BufReader::new(file), b'\n', &mut first).ok()?;
        first
            .ends_with(b"\n")
            .then(|| String::from_utf8_lossy(&first).into_owned())
    }

    fn scan(&mut self) {
        for file in &mut self.files {
            file.found = false;
        }
        for path in &self.include {
            let Some(fingerprint) = Self::fingerprint(path) else {
                continue;
            };
            match self.files.iter_mut().find(|f| f.fingerprint == fingerprint) {
                // Found twice in one scan (between logrotate's copy and
                // its truncation): both hold the same bytes up to the
                // offset; the first is kept.
                Some(known) if known.found => {}
                Some(known) => {
                    known.found = true;
                    if known.path != *path
                        && let Ok(mut there) = std::fs::File::open(path)
                    {
                        if inode(&there) != inode(&known.handle) {
                            there.seek(SeekFrom::Start(known.offset)).expect("seeks");
                            known.handle = there;
                        }
                        known.path = path.clone();
                    }
                }
                None => {
                    if let Ok(handle) = std::fs::File::open(path) {
                        self.files.push(Tracked {
                            fingerprint,
                            path: path.clone(),
                            handle,
                            offset: 0,
                            partial: Vec::new(),
                            found: true,
                        });
                    }
                }
            }
        }
    }

    /// One scan, then each file read to its end; a file no longer found
    /// is forgotten.
    fn poll(&mut self) {
        self.scan();
        for file in &mut self.files {
            let mut more = Vec::new();
            let read = file.handle.read_to_end(&mut more).unwrap_or(0);
            file.offset += read as u64;
            file.partial.extend_from_slice(&more);
            while let Some(at) = file.partial.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = file.partial.drain(..=at).collect();
                self.lines
                    .push(String::from_utf8_lossy(&line).trim_end().to_string());
            }
        }
        self.files.retain(|file| file.found);
    }
}

/// logrotate's two ways of rotating watch's output, each with its
/// documented configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Renamed to `.1` and created anew, then SIGHUP (`postrotate`).
    Rename,
    /// Copied to `.1` and truncated in place.
    CopyTruncate,
}

impl Mode {
    const BOTH: [Mode; 2] = [Mode::Rename, Mode::CopyTruncate];

    fn config(self) -> &'static str {
        match self {
            Mode::Rename => "logrotate-rename.conf",
            Mode::CopyTruncate => "logrotate-copytruncate.conf",
        }
    }

    /// The documented configuration, for `output` and watch's `pid`.
    fn documented(self, output: &Path, pid: u32) -> String {
        let name = self.config();
        let config = docs(name);
        let documented = documented_output();
        assert!(
            config.contains(&documented),
            "{name} rotates the unit's output"
        );
        let directives: BTreeSet<&str> = config
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect();
        assert_eq!(
            directives.contains("copytruncate"),
            self == Mode::CopyTruncate,
            "{name}"
        );
        // A rotated file compressed at once is out of a shipper's reach
        // before it has read what it lagged behind.
        assert!(
            !directives.contains("compress") || directives.contains("delaycompress"),
            "{name}: compress without delaycompress"
        );
        config
            .replace(&documented, &output.display().to_string())
            .replace("create 0640 root root", "create 0640")
            .replace(
                "systemctl reload hss-watch.service",
                &format!("kill -HUP {pid}"),
            )
    }

    /// What logrotate does with the documented configuration, by hand:
    /// the rotated files move up one (`.1` to `.2`; `delaycompress`
    /// compresses `.2` then, out of the shipper's reach either way), then
    /// the output is renamed to `.1`, created anew and watch signalled
    /// (`postrotate`), or copied to `.1` and truncated in place.
    fn by_hand(self, output: &Path, pid: u32) {
        let _ = self.documented(output, pid);
        let rotated = |n: u32| PathBuf::from(format!("{}.{n}", output.display()));
        if rotated(1).exists() {
            std::fs::rename(rotated(1), rotated(2)).expect("renamed .1 to .2");
        }
        match self {
            Mode::Rename => {
                std::fs::rename(output, rotated(1)).expect("renamed");
                std::fs::write(output, "").expect("created");
                let status = std::process::Command::new("kill")
                    .args(["-HUP", &pid.to_string()])
                    .status()
                    .expect("kill runs");
                assert!(status.success(), "kill -HUP {pid}");
            }
            Mode::CopyTruncate => {
                std::fs::copy(output, rotated(1)).expect("copied");
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(output)
                    .expect("opens")
                    .set_len(0)
                    .expect("truncated");
            }
        }
    }
}

/// Whether the tests that run the real logrotate must run: set by CI
/// (`.ci/run`), which installs it.
const REQUIRE_LOGROTATE: &str = "HSS_TEST_REQUIRE_LOGROTATE";

/// The logrotate binary. Without it, the test fails when
/// [`REQUIRE_LOGROTATE`] is set, and otherwise says loudly that it did
/// not run (the default suite rotates by hand in both modes).
fn logrotate() -> Option<PathBuf> {
    let found = [
        "/usr/sbin/logrotate",
        "/sbin/logrotate",
        "/usr/bin/logrotate",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os(REQUIRE_LOGROTATE).is_none_or(|v| v.is_empty() || v == "0"),
            "{REQUIRE_LOGROTATE} is set and logrotate is not installed \
             (apt-get install logrotate; .ci/run installs it)"
        );
        // Written to stderr itself: the test harness keeps what eprintln!
        // prints to itself when a test passes.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** NOT RUN: the documented logrotate configurations against the real logrotate: \
             logrotate is not installed (apt-get install logrotate). The same file operations \
             ran by hand in `a_lagging_shipper_reads_every_line_once_across_both_rotations`; \
             CI sets {REQUIRE_LOGROTATE}=1 and fails without it. ***\n"
        );
    }
    found
}

/// How the output is rotated: by the real logrotate with the documented
/// configuration, or by the same file operations by hand.
#[derive(Clone, Copy)]
enum Rotator<'a> {
    Logrotate(&'a Path),
    ByHand,
}

/// Watch runs, the output is rotated in both modes, and a shipper that
/// lags reads after each rotation as the documented Vector configuration
/// does. Every line written is shipped, exactly once: the shipped ids are
/// the ids of every file's lines, and those hold every version present
/// from start to end (the mock's truth).
async fn ship_across_rotations(rotator: Rotator<'_>) {
    let s = setup().await;
    let include = vector_include("docs/watch/vector.toml");
    assert_eq!(
        vector_include("docs/siem/vector.toml"),
        include,
        "both shipped Vector configurations read the same files"
    );
    assert!(
        docs("vector.toml").contains("read_from = \"beginning\""),
        "vector.toml reads a new file from its start"
    );
    let start = SystemTime::now();
    let child = spawn(&s.mock, s.operation, &s.state, &s.output);
    let pid = child.id().expect("running");
    until("the first page", || line_count(&s.output) > 0).await;
    let mut shipper = Shipper::new(&s.output, &include);
    for (round, mode) in Mode::BOTH.into_iter().enumerate() {
        // The shipper reads, then lags: watch writes lines it has not
        // read before the rotation.
        shipper.poll();
        let read: BTreeSet<String> = shipper.lines.iter().cloned().collect();
        let had = line_count(&s.output);
        until("lines the shipper has not read", || {
            line_count(&s.output) > had
        })
        .await;
        // A page written between logrotate's copy and its truncation is
        // in neither file (logrotate's own caveat, in the docs): watch is
        // stopped meanwhile, so that every line written is in a file.
        let stopped = mode == Mode::CopyTruncate;
        if stopped {
            signal(&child, "STOP");
        }
        match rotator {
            Rotator::ByHand => mode.by_hand(&s.output, pid),
            Rotator::Logrotate(logrotate) => {
                let conf = s.dir.join(format!("logrotate-{round}.conf"));
                std::fs::write(&conf, mode.documented(&s.output, pid)).expect("written");
                let run = Command::new(logrotate)
                    .arg("-f")
                    .arg("-s")
                    .arg(s.dir.join("logrotate.status"))
                    .arg(&conf)
                    .output()
                    .await
                    .expect("logrotate runs");
                assert!(run.status.success(), "{mode:?}: {}", text(&run.stderr));
            }
        }
        if stopped {
            signal(&child, "CONT");
        }
        let first_rotated = PathBuf::from(format!("{}.1", s.output.display()));
        let rotated = std::fs::read_to_string(&first_rotated).expect("logrotate made .1");
        assert!(
            rotated.lines().any(|line| !read.contains(line)),
            "{mode:?}: the rotated file holds lines the shipper has not read"
        );
        until("lines after the rotation", || line_count(&s.output) > 0).await;
        // The first read after the rotation.
        shipper.poll();
    }
    stop(child).await;
    finish_and_check(
        &s.mock,
        s.operation,
        (&s.state, &s.output),
        start,
        &every_file(&s.dir, &s.output),
        "rotated files",
    )
    .await;
    shipper.poll();
    let written: BTreeSet<String> = every_file(&s.dir, &s.output)
        .iter()
        .flat_map(|file| output_lines(s.operation, file))
        .map(|(_, id)| id)
        .collect();
    // A line the shipper read from the middle (a file read on at the
    // offset of another) is no JSON.
    let (whole, broken): (Vec<&String>, Vec<&String>) = shipper
        .lines
        .iter()
        .partition(|line| serde_json::from_str::<serde_json::Value>(line).is_ok());
    assert!(
        broken.is_empty(),
        "the shipper read {} broken lines: {broken:?}",
        broken.len()
    );
    let shipped_file = s.dir.join("shipped.ndjson");
    let text: String = whole.iter().map(|line| format!("{line}\n")).collect();
    std::fs::write(&shipped_file, text).expect("written");
    let shipped = lines(s.operation, &shipped_file);
    assert_once(&shipped, "shipped");
    let shipped: BTreeSet<String> = shipped.into_iter().map(|(_, id)| id).collect();
    let missed: Vec<&String> = written.difference(&shipped).collect();
    assert!(
        missed.is_empty(),
        "{} of the {} lines written were never shipped: {missed:?}",
        missed.len(),
        written.len()
    );
    assert_eq!(shipped, written, "the shipper read lines no file holds");
}

/// Every file the output and its rotations are in (`.N`, `.N.gz`), the
/// compressed ones uncompressed beside them (not the output's lock).
fn every_file(dir: &Path, output: &Path) -> Vec<PathBuf> {
    let name = output
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("lists")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&name))
                && path
                    .extension()
                    .is_none_or(|e| e != "whole" && e != "plain" && e != "lock")
        })
        .collect();
    files.sort();
    for file in &mut files {
        if file.extension().is_some_and(|e| e == "gz") {
            let plain = file.with_extension("plain");
            let out = std::process::Command::new("gzip")
                .arg("-dc")
                .arg(&*file)
                .output()
                .expect("gzip runs (logrotate's compress needs it)");
            assert!(out.status.success(), "gzip -dc {}", file.display());
            std::fs::write(&plain, out.stdout).expect("written");
            *file = plain;
        }
    }
    files
}

/// Both rotation modes, by hand (the file operations logrotate makes), in
/// the default suite: no logrotate binary needed.
#[tokio::test(flavor = "multi_thread")]
async fn a_lagging_shipper_reads_every_line_once_across_both_rotations() {
    ship_across_rotations(Rotator::ByHand).await;
}

/// The same with the real logrotate and the documented configurations,
/// where logrotate is installed; CI requires it (see [`logrotate`]).
#[tokio::test(flavor = "multi_thread")]
async fn the_documented_logrotate_and_shipper_keep_every_line_once() {
    let Some(logrotate) = logrotate() else {
        return;
    };
    ship_across_rotations(Rotator::Logrotate(&logrotate)).await;
}
