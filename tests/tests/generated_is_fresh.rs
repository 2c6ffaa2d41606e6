//! The committed generated module is exactly what codegen produces from the
//! committed spec now.

use hss_tests::{load_spec, workspace_root};

#[test]
fn committed_generated_client_matches_the_spec() {
    let spec = load_spec().expect("spec loads");
    let fresh = hss_codegen::generate_client(&spec, "spec/hss.yaml").expect("spec generates");
    let path = workspace_root().join("generated-client/src/generated.rs");
    let committed = std::fs::read_to_string(&path).expect("generated.rs is committed");
    assert!(
        committed == fresh,
        "{} is stale: run `cargo xtask generate` and commit the result",
        path.display()
    );
}

#[test]
fn generation_is_deterministic() {
    let spec = load_spec().expect("spec loads");
    let first = hss_codegen::generate_client(&spec, "spec/hss.yaml").expect("generates");
    let second = hss_codegen::generate_client(&spec, "spec/hss.yaml").expect("generates");
    assert_eq!(first, second);
}
