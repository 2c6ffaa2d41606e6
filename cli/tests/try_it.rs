//! The README's "try it" works as shown: hss-mock started as its first
//! line says (on a free port instead of 8080, which may be taken), the
//! environment of its second line, `hss` as its third; the mock's banner
//! prints those two lines, and the ready export it prints writes every
//! record the mock holds. The README's lines name no operation (`hss
//! --help` lists them, from the spec); the banner's export picks one from
//! the operations table, and the test checks that it is one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use hss_client::{Operation, RecordKey};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::common::{BIN, text};

/// The lines of the README's try-it block.
fn readme_lines() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let block = readme
        .split_once("<!-- try-it")
        .and_then(|(_, after)| after.split_once("```sh\n"))
        .and_then(|(_, block)| block.split_once("```"))
        .map(|(block, _)| block)
        .expect("the README has a try-it block (<!-- try-it --> then ```sh)");
    let lines: Vec<String> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(
        lines.len(),
        3,
        "start the mock, the environment, hss: {lines:?}"
    );
    lines
}

/// The hss-mock binary, built for this workspace now: `cargo test -p
/// hss-cli` does not build it, and a copy left in the target directory
/// may be another checkout's.
fn mock_binary() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let build = std::process::Command::new(cargo)
        .args(["build", "--quiet", "-p", "hss-mock", "--bin", "hss-mock"])
        .current_dir(&root)
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "cargo build -p hss-mock: {}",
        text(&build.stderr)
    );
    let binary = Path::new(BIN).with_file_name("hss-mock");
    assert!(binary.exists(), "{} was built", binary.display());
    binary
}

/// The words of a shell line, which the README keeps free of quotes.
fn words(line: &str) -> Vec<&str> {
    assert!(
        !line.contains(['"', '\'', '$', '`']),
        "a plain line: {line}"
    );
    line.split_whitespace().collect()
}

/// Starts hss-mock as the README's first line says, on a free port; the
/// child, its address, and the banner's lines.
async fn start_mock(line: &str) -> (Child, String, Vec<String>) {
    let words = words(line);
    let args = words
        .split(|w| *w == "--")
        .nth(1)
        .expect("cargo run -p hss-mock -- ARGS");
    assert!(
        words.starts_with(&["cargo", "run", "-p", "hss-mock"]),
        "{line}"
    );
    let args: Vec<&str> = args
        .iter()
        .scan(false, |port, word| {
            let free = std::mem::replace(port, *word == "--port");
            Some(if free { "0" } else { word })
        })
        .collect();
    let mut child = Command::new(mock_binary())
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("hss-mock starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut banner = Vec::new();
    let read = async {
        while let Some(line) = out.next_line().await.expect("reads") {
            let done = line.starts_with("--rate-limit off");
            banner.push(line);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the banner within a minute");
    let url = banner
        .first()
        .and_then(|l| l.strip_prefix("hss-mock listening on "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("the banner says where: {banner:?}"))
        .to_string();
    (child, url, banner)
}

/// `hss` as a line of the banner or the README gives it, with the
/// environment of the README's `export` line and nothing else.
fn hss(line: &str, environment: &[(String, String)], dir: &Path) -> Command {
    let words = words(line);
    assert_eq!(words.first(), Some(&"hss"), "{line}");
    let mut command = Command::new(BIN);
    command
        .args(&words[1..])
        .env_clear()
        .envs(environment.iter().cloned())
        .current_dir(dir)
        .stdin(Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_try_it_runs_as_shown() {
    let readme = readme_lines();
    let (mut child, url, banner) = start_mock(&readme[0]).await;
    let here = |line: &str| line.replace("http://127.0.0.1:8080", &url);
    // The banner prints the README's lines, with its own address.
    for line in &readme[1..] {
        assert!(
            banner.iter().any(|b| b.trim() == here(line)),
            "the banner does not print {line:?}: {banner:#?}"
        );
    }
    let environment: Vec<(String, String)> = words(&readme[1])
        .strip_prefix(&["export"][..])
        .expect("export NAME=VALUE ...")
        .iter()
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("NAME=VALUE");
            (name.to_string(), value.to_string())
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    // `hss --help` lists every operation as a command.
    let help = hss(&here(&readme[2]), &environment, dir.path())
        .output()
        .await
        .expect("hss runs");
    assert!(help.status.success(), "{}", text(&help.stderr));
    let listed = text(&help.stdout);
    for op in Operation::ALL {
        let name = hss_cli::app::command_name(*op);
        assert!(listed.contains(&name), "hss --help lists {name}: {listed}");
    }
    // The banner's ready export: an operation of the table, every record
    // the mock holds written, each once, at once (--rate-limit off).
    let export = banner
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("hss ") && l.contains(" export "))
        .unwrap_or_else(|| panic!("the banner prints a ready export: {banner:#?}"));
    let name = words(export)
        .iter()
        .skip_while(|w| **w != "export")
        .nth(1)
        .expect("export COMMAND")
        .to_string();
    let op = Operation::ALL
        .iter()
        .copied()
        .find(|op| hss_cli::app::command_name(*op) == name)
        .unwrap_or_else(|| panic!("the banner's {name} is an operation of the table"));
    let run = tokio::time::timeout(
        Duration::from_secs(300),
        hss(export, &environment, dir.path()).output(),
    )
    .await
    .expect("the export ends within five minutes")
    .expect("hss runs");
    assert!(run.status.success(), "{export}: {}", text(&run.stderr));
    let truth: serde_json::Value = reqwest::get(format!(
        "{url}{}/{}",
        hss_mock::TRUTH_PATH,
        op.operation_id()
    ))
    .await
    .expect("the truth")
    .json()
    .await
    .expect("JSON");
    let expected: BTreeSet<RecordKey> = truth["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|record| RecordKey::from_json(op, record))
        .collect();
    assert!(!expected.is_empty(), "the mock holds records of {name}");
    let written = std::fs::read_to_string(dir.path().join("events.ndjson")).expect("written");
    let keys: Vec<RecordKey> = written
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
            RecordKey::from_json(op, &record)
        })
        .collect();
    assert_eq!(keys.len(), expected.len(), "{name}: each record once");
    assert_eq!(
        keys.into_iter().collect::<BTreeSet<_>>(),
        expected,
        "{name}: every record the mock holds"
    );
    child.start_kill().expect("stops");
    let _ = child.wait().await;
}
