//! `docs-check` on a page of our own (tests/docs/list-things.txt) and the
//! spec written for it (tests/docs/things.yaml): the matching pair has no
//! unacknowledged difference, and each change to either side is reported
//! as exactly that change.

use std::path::{Path, PathBuf};

use hss_codegen::SpecSource;
use hss_codegen::docs::{Difference, DocsError, PageReport, check_text};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/docs")
}

fn spec_text() -> String {
    std::fs::read_to_string(dir().join("things.yaml")).expect("things.yaml")
}

fn page_text() -> String {
    std::fs::read_to_string(dir().join("list-things.txt")).expect("list-things.txt")
}

fn check(spec: &str, page: &str) -> PageReport {
    let source = SpecSource::parse("things.yaml", spec).expect("spec parses");
    check_text(&source, Path::new("list-things.txt"), page).expect("page reads")
}

/// The only unacknowledged difference.
fn only(report: &PageReport) -> Difference {
    let open: Vec<_> = report.unacknowledged().cloned().collect();
    assert_eq!(open.len(), 1, "expected one difference:\n{report}");
    open[0].clone()
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not found");
    text.replacen(from, to, 1)
}

#[test]
fn the_matching_page_has_only_acknowledged_differences() {
    let report = check(&spec_text(), &page_text());
    assert_eq!(report.operation, "GET /v1/{project_id}/things");
    assert_eq!(report.unacknowledged().count(), 0, "{report}");
    let settled: Vec<_> = report
        .acknowledged()
        .map(|d| (d.rule.as_str(), d.field.as_str(), d.acknowledged.clone()))
        .collect();
    assert_eq!(
        settled,
        vec![
            (
                "header-as-security-scheme",
                "X-Auth-Token",
                Some("The token is configured once on the client.".to_string())
            ),
            (
                "example-key",
                "made_at",
                Some("The example writes madeAt; both spellings decode.".to_string())
            ),
        ],
        "{report}"
    );
}

#[test]
fn a_parameter_removed_from_the_spec_is_reported() {
    let spec = edit(
        &spec_text(),
        "        - name: colour\n          in: query\n          required: false\n          description: Only things of this colour.\n          schema:\n            type: string\n",
        "",
    );
    let d = only(&check(&spec, &page_text()));
    assert_eq!(d.rule, "parameter-missing-in-spec");
    assert_eq!(d.field, "colour");
    assert_eq!(
        d.location.pointer,
        "/paths/~1v1~1{project_id}~1things/get/parameters"
    );
    assert_eq!(d.page_line, Some(62));
}

#[test]
fn a_parameter_the_page_does_not_list_is_reported() {
    let page = edit(
        &page_text(),
        "colour\n\nNo\n\nString\n\nOnly things of this colour.\n\n",
        "",
    );
    let d = only(&check(&spec_text(), &page));
    assert_eq!(d.rule, "parameter-missing-on-page");
    assert_eq!(d.field, "colour");
    assert_eq!(
        d.location.pointer,
        "/paths/~1v1~1{project_id}~1things/get/parameters/2"
    );
}

#[test]
fn a_field_type_change_is_reported() {
    let spec = edit(
        &spec_text(),
        "        weight:\n          type: integer\n          format: int64",
        "        weight:\n          type: integer\n          format: int32",
    );
    let d = only(&check(&spec, &page_text()));
    assert_eq!(d.rule, "field-type");
    assert_eq!(d.field, "weight");
    assert_eq!(
        d.location.pointer,
        "/components/schemas/Thing/properties/weight"
    );
    assert!(
        d.message
            .contains("the page says Long, the spec says integer (int32)"),
        "{d}"
    );
}

#[test]
fn a_required_mismatch_is_reported() {
    let page = edit(&page_text(), "limit\n\nNo\n", "limit\n\nYes\n");
    let d = only(&check(&spec_text(), &page));
    assert_eq!(d.rule, "parameter-required");
    assert_eq!(d.field, "limit");
}

#[test]
fn a_range_mismatch_is_reported() {
    let page = edit(
        &page_text(),
        "The value range is 1 to 100.",
        "The value range is 1 to 500.",
    );
    let d = only(&check(&spec_text(), &page));
    assert_eq!(d.rule, "parameter-range");
    assert!(d.message.contains("1 to 500"), "{d}");
}

#[test]
fn a_field_missing_from_the_spec_is_reported() {
    let page = edit(
        &page_text(),
        "made_at\n\nLong\n\nWhen it was made.\n",
        "made_at\n\nLong\n\nWhen it was made.\n\ncolour\n\nString\n\nIts colour.\n",
    );
    let d = only(&check(&spec_text(), &page));
    assert_eq!(d.rule, "field-missing-in-spec");
    assert_eq!(d.field, "colour");
    assert_eq!(d.location.pointer, "/components/schemas/Thing");
}

#[test]
fn an_example_that_differs_is_reported_where_it_differs() {
    let page = edit(&page_text(), "\"weight\" : 3,", "\"weight\" : 4,");
    let d = only(&check(&spec_text(), &page));
    assert_eq!(d.rule, "example-differs");
    assert_eq!(
        d.location.pointer,
        "/paths/~1v1~1{project_id}~1things/get/responses/200/content/application~1json/examples/documented/value/things/0/weight"
    );
    assert!(d.message.contains("the page has 4, the spec has 3"), "{d}");
}

#[test]
fn an_acknowledgement_settles_only_the_rule_it_names() {
    // The entry for made_at settles the key's spelling, not its type.
    let page = edit(
        &page_text(),
        "\"madeAt\" : 1700000000000",
        "\"madeAt\" : \"yesterday\"",
    );
    let spec = edit(
        &spec_text(),
        "\"madeAt\": 1700000000000",
        "\"madeAt\": \"yesterday\"",
    );
    let report = check(&spec, &page);
    assert_eq!(report.unacknowledged().count(), 0, "{report}");
    let page = edit(&page_text(), "made_at\n\nLong", "made_at\n\nString");
    let d = only(&check(&spec_text(), &page));
    assert_eq!(d.rule, "field-type");
    assert_eq!(d.field, "made_at");
}

#[test]
fn a_page_without_a_uri_is_an_error_not_a_panic() {
    let source = SpecSource::parse("things.yaml", &spec_text()).expect("spec");
    let page = page_text().replace("URI\n", "");
    match check_text(&source, Path::new("broken.txt"), &page) {
        Err(DocsError::Page { error, .. }) => assert!(error.message.contains("URI"), "{error}"),
        other => panic!("expected a page error, got {other:?}"),
    }
    let page = edit(&page_text(), "\"weight\" : 3,", "\"weight\" : ,");
    let error = check_text(&source, Path::new("broken.txt"), &page).expect_err("bad JSON");
    assert!(error.to_string().contains("not valid JSON"), "{error}");
}

#[test]
fn an_operation_the_spec_lacks_is_reported() {
    let page = edit(
        &page_text(),
        "GET /v1/{project_id}/things",
        "GET /v1/{project_id}/widgets",
    );
    let d = only(&check(&spec_text(), &page));
    assert_eq!(d.rule, "operation-missing");
}

/// Every truncation of the page reads or fails cleanly.
#[test]
fn no_truncated_page_panics() {
    let source = SpecSource::parse("things.yaml", &spec_text()).expect("spec");
    let page = page_text();
    for cut in (0..page.len())
        .filter(|i| page.is_char_boundary(*i))
        .step_by(7)
    {
        let _ = check_text(&source, Path::new("cut.txt"), &page[..cut]);
    }
}
