//! The committed generated files are exactly what codegen produces from the
//! committed spec now: the client module, the operations module, the
//! command-line module of `hss-cli` and the README's operations section (the httpmock helpers have their own test).

use hss_tests::{load_spec, workspace_root};

fn assert_fresh(relative: &str, fresh: &str) {
    let path = workspace_root().join(relative);
    let committed = std::fs::read_to_string(&path).expect("the file is committed");
    assert!(
        committed == fresh,
        "{} is stale: run `cargo xtask generate` and commit the result",
        path.display()
    );
}

#[test]
fn committed_generated_files_match_the_spec() {
    let spec = load_spec().expect("spec loads");
    let generated = hss_codegen::generate(&spec, "spec/hss.yaml").expect("spec generates");
    assert_fresh("generated-client/src/generated.rs", &generated.client);
    assert_fresh(
        "generated-client/src/spec/operations.rs",
        &generated.operations,
    );
    assert_fresh("generated-client/src/presets.rs", &generated.presets);
    assert_fresh("cli/src/generated.rs", &generated.cli);
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README");
    let spliced = hss_codegen::operations::readme::splice(&readme, &generated.readme_section)
        .expect("the README has the operations markers");
    assert_fresh("README.md", &spliced);
}

#[test]
fn generation_is_deterministic() {
    let spec = load_spec().expect("spec loads");
    let first = hss_codegen::generate(&spec, "spec/hss.yaml").expect("generates");
    let second = hss_codegen::generate(&spec, "spec/hss.yaml").expect("generates");
    assert_eq!(first, second);
}
