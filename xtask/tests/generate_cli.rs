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

#[test]
fn help_describes_every_command() {
    let output = xtask(&["--help"]);
    let help = text(&output.stdout);
    assert!(output.status.success());
    assert!(help.contains("generate"), "{help}");
    let output = xtask(&["generate", "--help"]);
    let help = text(&output.stdout);
    assert!(
        help.contains("--check") && help.contains("--spec") && help.contains("--out"),
        "{help}"
    );
}
