//! `cargo xtask validate` and `cargo xtask diff` as a maintainer meets them.

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
        .current_dir(root())
        .output()
        .expect("xtask runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_passes_on_the_spec_with_no_finding() {
    let output = xtask(&["validate"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("valid, no finding"));
}

#[test]
fn validate_lists_every_finding_and_fails() {
    let output = xtask(&["validate", "codegen/tests/specs/project-rules.yaml"]);
    assert!(!output.status.success());
    let stdout = text(&output.stdout);
    assert_eq!(stdout.lines().count(), 10, "{stdout}");
    assert!(
        stdout.contains("codegen/tests/specs/project-rules.yaml:13 (#/paths/~1v1~1things/get): [operation-summary]"),
        "{stdout}"
    );
    assert!(text(&output.stderr).contains("10 findings"));
}

#[test]
fn validate_reports_broken_examples_without_panicking() {
    for (file, rule) in [
        ("example-wrong-type.yaml", "[example-valid]"),
        ("example-out-of-range.yaml", "[example-valid]"),
        ("example-unknown-enum.yaml", "[example-valid]"),
        (
            "additional-properties-false.yaml",
            "[response-additional-properties]",
        ),
        ("invalid-yaml.yaml", "invalid YAML"),
    ] {
        let path = format!("codegen/tests/specs/broken/{file}");
        let output = xtask(&["validate", &path]);
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(!output.status.success(), "{file}: should fail");
        assert!(all.contains(rule), "{file}: {all}");
        assert!(all.contains(&path), "{file}: names the file: {all}");
        assert!(!all.contains("panicked"), "{file}: {all}");
    }
}

#[test]
fn diff_fails_on_a_breaking_change_and_prints_json() {
    let old = "codegen/tests/specs/diff/base.yaml";
    let new = "codegen/tests/specs/diff/made-required.yaml";
    let output = xtask(&["diff", old, new]);
    assert!(!output.status.success());
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("Breaking changes (1):"), "{stdout}");
    assert!(stdout.contains("[parameter-made-required]"), "{stdout}");
    assert!(stdout.contains("Compatible changes (0):"), "{stdout}");

    let output = xtask(&["diff", "--json", old, new]);
    assert!(!output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    assert_eq!(json["breaking"][0]["rule"], "parameter-made-required");
    assert_eq!(json["breaking"][0]["file"], new);
}

#[test]
fn diff_passes_on_a_compatible_change() {
    let output = xtask(&[
        "diff",
        "codegen/tests/specs/diff/base.yaml",
        "codegen/tests/specs/diff/new-optional-parameter.yaml",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("Compatible changes (1):"));
}

#[test]
fn diff_reads_a_git_revision() {
    // The committed spec against the working copy: both load, whatever the
    // outcome of the comparison.
    let output = xtask(&["diff", "HEAD:spec/hss.yaml", "spec/hss.yaml"]);
    let stderr = text(&output.stderr);
    assert!(
        !stderr.contains("neither a file nor a git revision"),
        "{stderr}"
    );
    assert!(
        text(&output.stdout).contains("Breaking changes"),
        "{stderr}"
    );

    let output = xtask(&["diff", "no-such-revision:spec/hss.yaml", "spec/hss.yaml"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("neither a file nor a git revision"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn docs_check_passes_on_a_matching_page_and_fails_on_a_removed_parameter() {
    let page = "codegen/tests/docs/list-things.txt";
    let spec = "codegen/tests/docs/things.yaml";
    let output = xtask(&["docs-check", "--spec", spec, page]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.contains("0 unacknowledged difference(s), 2 acknowledged"),
        "{stdout}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let changed = dir.path().join("things.yaml");
    let original = std::fs::read_to_string(root().join(spec)).expect("spec");
    let removed = "        - name: colour\n          in: query\n          required: false\n          description: Only things of this colour.\n          schema:\n            type: string\n";
    assert!(original.contains(removed));
    std::fs::write(&changed, original.replacen(removed, "", 1)).expect("write");
    let changed = changed.to_string_lossy().into_owned();
    let output = xtask(&["docs-check", "--spec", &changed, page]);
    let stdout = text(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains("1 unacknowledged difference(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[parameter-missing-in-spec] the page documents query parameter colour"),
        "{stdout}"
    );
}

/// Runs only where the pinned linter is installed (`npm ci`, which
/// `.ci/run` does before the tests).
#[test]
fn lint_passes_on_the_spec_and_fails_on_a_broken_one() {
    if !root().join("node_modules/.bin/redocly").exists() {
        eprintln!("skipped: node_modules/.bin/redocly is not installed (run `npm ci`)");
        return;
    }
    let output = xtask(&["lint"]);
    assert!(
        output.status.success(),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    // Every broken spec fails, with the Redocly rule that catches it. The
    // one-error-schema rule is this project's own, which only `validate`
    // knows.
    for (file, expected) in [
        (
            "additional-properties-false.yaml",
            "[redocly/rule/schemas-stay-open] error",
        ),
        (
            "duplicate-operation-id.yaml",
            "[redocly/operation-operationId-unique] error",
        ),
        (
            "example-out-of-range.yaml",
            "[redocly/no-invalid-parameter-examples] error",
        ),
        (
            "example-unknown-enum.yaml",
            "[redocly/no-invalid-parameter-examples] error",
        ),
        (
            "example-wrong-type.yaml",
            "[redocly/no-invalid-media-type-examples] error",
        ),
        ("invalid-yaml.yaml", "redocly gave no report"),
        ("missing-ref.yaml", "[redocly/no-unresolved-refs] error"),
        ("ref-loop.yaml", "redocly gave no report"),
        (
            "undeclared-path-parameter.yaml",
            "[redocly/path-parameters-defined] error",
        ),
    ] {
        let path = format!("codegen/tests/specs/broken/{file}");
        let output = xtask(&["lint", &path]);
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(!output.status.success(), "{file}: should fail: {all}");
        assert!(all.contains(expected), "{file}: {all}");
    }
}

#[test]
fn exit_status_tells_a_finding_from_a_command_that_could_not_run() {
    let code = |args: &[&str]| xtask(args).status.code();
    // 1: the check ran and found a problem.
    assert_eq!(
        code(&["validate", "codegen/tests/specs/broken/missing-ref.yaml"]),
        Some(1)
    );
    assert_eq!(
        code(&["validate", "codegen/tests/specs/broken/invalid-yaml.yaml"]),
        Some(1)
    );
    assert_eq!(
        code(&[
            "diff",
            "codegen/tests/specs/diff/base.yaml",
            "codegen/tests/specs/diff/removed-field.yaml"
        ]),
        Some(1)
    );
    // 2: it could not run.
    assert_eq!(code(&["validate", "no-such-spec.yaml"]), Some(2));
    assert_eq!(
        code(&["diff", "no-such-spec.yaml", "spec/hss.yaml"]),
        Some(2)
    );
    assert_eq!(
        code(&["generate", "--check", "--spec", "no-such-spec.yaml"]),
        Some(2)
    );
    // 0: all is well.
    assert_eq!(code(&["validate"]), Some(0));

    let output = xtask(&["docs-check", "no-such-page.txt"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("1 page(s) could not be checked"),
        "{stderr}"
    );
    assert!(!stderr.contains("the spec differs"), "{stderr}");
}
