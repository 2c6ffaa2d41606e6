//! The committed httpmock helpers (`generated-client/src/mock.rs`) are
//! exactly what codegen produces from the committed spec now.

use hss_tests::{load_spec, workspace_root};

#[test]
fn committed_mock_helpers_match_the_spec() {
    let spec = load_spec().expect("spec loads");
    let fresh =
        hss_codegen::httpmock::generate_httpmock(&spec, "spec/hss.yaml").expect("spec generates");
    let path = workspace_root().join("generated-client/src/mock.rs");
    let committed = std::fs::read_to_string(&path).expect("mock.rs is committed");
    assert!(
        committed == fresh,
        "{} is stale: run `cargo xtask generate` and commit the result",
        path.display()
    );
    assert!(fresh.contains("fn list_cluster_events<F>"));
    assert!(fresh.contains("fn list_cluster_event_logs<F>"));
}
