//! `cargo xtask generate` as a maintainer meets it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The spec with an optional string query parameter `severity_level`
/// added to its first operation, as YAML.
fn spec_with_new_parameter() -> String {
    let text = std::fs::read_to_string(root().join("spec/hss.yaml")).expect("spec");
    let mut spec: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("spec parses");
    let operation = spec
        .get_mut("paths")
        .and_then(serde_yaml_ng::Value::as_mapping_mut)
        .and_then(|paths| paths.values_mut().next())
        .and_then(serde_yaml_ng::Value::as_mapping_mut)
        .and_then(|item| item.values_mut().next())
        .expect("the spec has an operation");
    let parameter: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        "{name: severity_level, in: query, required: false, \
         description: Only events of this severity., schema: {type: string}}",
    )
    .expect("parameter");
    operation
        .get_mut("parameters")
        .and_then(serde_yaml_ng::Value::as_sequence_mut)
        .expect("the operation has parameters")
        .push(parameter);
    serde_yaml_ng::to_string(&spec).expect("spec writes")
}

#[test]
fn check_passes_on_the_committed_client() {
    let output = xtask(&["generate", "--check"]);
    assert!(
        output.status.success(),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn a_new_query_parameter_makes_check_fail_with_a_diff_and_generate_adds_a_method() {
    let dir = tempfile::tempdir().expect("tempdir");
    let changed = dir.path().join("hss.yaml");
    std::fs::write(&changed, spec_with_new_parameter()).expect("write");
    let changed = changed.to_string_lossy().into_owned();

    let committed = root().join("generated-client/src/generated.rs");
    let before = std::fs::read(&committed).expect("generated.rs");
    let check = xtask(&["generate", "--check", "--spec", &changed]);
    assert!(!check.status.success(), "check must fail on a stale client");
    let diff = text(&check.stdout);
    assert!(
        diff.contains("--- a/generated-client/src/generated.rs"),
        "{diff}"
    );
    assert!(diff.contains("+        pub fn severity_level<V>"), "{diff}");
    assert!(text(&check.stderr).contains("is stale"));
    assert_eq!(
        std::fs::read(&committed).expect("generated.rs"),
        before,
        "--check wrote"
    );

    let out = dir.path().join("generated.rs");
    let out = out.to_string_lossy().into_owned();
    let written = xtask(&["generate", "--spec", &changed, "--out", &out]);
    assert!(written.status.success(), "{}", text(&written.stderr));
    let code = std::fs::read_to_string(&out).expect("written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "a new file is an ordinary file");
    }
    assert!(code.contains("pub fn severity_level<V>"));
    assert!(
        code.contains("\"severity_level\","),
        "the query parameter is sent"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_diff_without_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("generated.rs");
    // An empty file is stale, so --check prints a diff of the whole client.
    std::fs::write(&out, "").expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--check", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("xtask starts");
    // Close the reading end at once, as `| head -1` does after one line.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("xtask ends");
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is stale"), "{stderr}");
}

#[test]
fn broken_specs_fail_with_one_line_and_leave_the_client_untouched() {
    let committed = root().join("generated-client/src/generated.rs");
    let before = std::fs::read(&committed).expect("generated.rs");
    let broken = root().join("codegen/tests/specs/broken");
    for (file, expected) in [
        ("invalid-yaml.yaml", "invalid YAML"),
        ("missing-ref.yaml", "[ref-resolves]"),
        ("duplicate-operation-id.yaml", "[operation-id-unique]"),
        ("undeclared-path-parameter.yaml", "[path-params]"),
        ("two-error-schemas.yaml", "[error-schema]"),
    ] {
        let spec = broken.join(file).to_string_lossy().into_owned();
        let output = xtask(&["generate", "--spec", &spec]);
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{file}: should fail");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{file}: one line expected:\n{stderr}"
        );
        assert!(stderr.starts_with("error: "), "{file}: {stderr}");
        assert!(stderr.contains(expected), "{file}: {stderr}");
        assert!(
            stderr.contains(file),
            "{file}: the error names the file: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert_eq!(
            std::fs::read(&committed).expect("generated.rs"),
            before,
            "{file}: generated.rs changed"
        );
    }
}

/// A command of `xtask`'s `Command` enum, read from its source: its name
/// on the command line, the first line of its doc comment, and how each of
/// its fields shows in its help (`--name`, or `NAME` for a positional
/// argument).
struct Declared {
    name: String,
    doc: String,
    arguments: Vec<String>,
}

/// `CamelCase` or `snake_case` as `kebab-case`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(if c == '_' {
            '-'
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

/// Every command declared in `xtask/src/main.rs`, independently of clap's
/// own listing.
fn declared_commands() -> Vec<Declared> {
    let source = std::fs::read_to_string(root().join("xtask/src/main.rs")).expect("main.rs");
    let body = source
        .split_once("enum Command {")
        .and_then(|(_, rest)| rest.split_once("\n}\n"))
        .map(|(body, _)| body)
        .expect("main.rs declares enum Command");
    let mut commands: Vec<Declared> = Vec::new();
    let (mut doc, mut long) = (None::<String>, false);
    for line in body.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if indent == 4
            && let Some(comment) = text.strip_prefix("///")
        {
            doc.get_or_insert_with(|| comment.trim().to_string());
        } else if indent == 4 && text.starts_with(|c: char| c.is_ascii_uppercase()) {
            let name = text.trim_end_matches([' ', '{', ',']);
            commands.push(Declared {
                name: kebab(name),
                doc: doc.take().unwrap_or_default(),
                arguments: Vec::new(),
            });
        } else if indent == 8 && text.starts_with("#[arg(") {
            long |= text.contains("long");
        } else if indent == 8
            && let Some((field, _)) = text.split_once(':')
            && !field.starts_with("//")
        {
            let shown = if long {
                format!("--{}", kebab(field))
            } else {
                field.to_uppercase()
            };
            commands
                .last_mut()
                .expect("a field follows its command")
                .arguments
                .push(shown);
            long = false;
        }
    }
    commands
}

/// Whether `line` of a help is the line of `argument`: `--name ...` for
/// an option, `<NAME>` or `[NAME]` for a positional argument.
fn shows(line: &str, argument: &str) -> bool {
    let line = line.trim_start();
    if argument.starts_with("--") {
        line.starts_with('-') && line.split([' ', ',', '=']).any(|word| word == argument)
    } else {
        line.starts_with(&format!("<{argument}>")) || line.starts_with(&format!("[{argument}]"))
    }
}

/// Whitespace collapsed, so that wrapped help compares with a doc line.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn help_describes_every_command() {
    let commands = declared_commands();
    assert!(
        commands.len() >= 5,
        "only {} commands read from main.rs",
        commands.len()
    );
    let output = xtask(&["--help"]);
    assert!(output.status.success());
    let help = text(&output.stdout);
    // The top-level help lists exactly the declared commands (and clap's
    // `help`), each with a description.
    let listed: Vec<(String, String)> = help
        .split_once("Commands:")
        .and_then(|(_, rest)| rest.split_once("\n\n"))
        .map(|(list, _)| list)
        .expect("the help has a Commands section")
        .lines()
        .filter_map(|line| line.trim().split_once(' '))
        .map(|(name, about)| (name.to_string(), about.trim().to_string()))
        .filter(|(name, _)| name != "help")
        .collect();
    let names: Vec<&str> = listed.iter().map(|(name, _)| name.as_str()).collect();
    let declared: Vec<&str> = commands.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, declared, "{help}");
    for (name, about) in &listed {
        assert!(!about.is_empty(), "{name} has no description in --help");
    }
    for command in &commands {
        let name = &command.name;
        assert!(!command.doc.is_empty(), "{name} has no doc comment");
        let output = xtask(&[name, "--help"]);
        let help = text(&output.stdout);
        assert!(
            output.status.success(),
            "{name} --help fails: {}",
            text(&output.stderr)
        );
        let first = words(command.doc.trim_end_matches('.'));
        assert!(
            words(&help).starts_with(&first),
            "{name} --help does not start with its description {first:?}:\n{help}"
        );
        for argument in &command.arguments {
            // The argument's own line (`--name <NAME>`, `<NAME>` or
            // `[NAME]`) in the Arguments or Options section, after Usage.
            let lines: Vec<&str> = help.lines().collect();
            let usage = lines
                .iter()
                .position(|line| line.starts_with("Usage:"))
                .unwrap_or_else(|| panic!("{name} --help has no Usage line:\n{help}"));
            let at = (usage + 1..lines.len())
                .find(|&at| shows(lines[at], argument))
                .unwrap_or_else(|| panic!("{name} --help does not show {argument}:\n{help}"));
            // Its description follows on the same line (clap's short
            // layout) or is the next line (its long one).
            let same_line = lines[at]
                .trim()
                .split_once("  ")
                .is_some_and(|(_, about)| !about.trim().is_empty());
            let described = same_line
                || lines.get(at + 1).is_some_and(|next| {
                    let next = next.trim();
                    !next.is_empty() && !next.starts_with(['-', '<', '['])
                });
            assert!(
                described,
                "{name} --help shows {argument} without a description:\n{help}"
            );
        }
    }
}
