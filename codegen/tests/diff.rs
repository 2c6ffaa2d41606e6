//! `diff`: each pair of specs under tests/specs/diff gives exactly the
//! change it was written for, classified as breaking or compatible.

use std::path::PathBuf;

use hss_codegen::SpecSource;
use hss_codegen::diff::{Change, Report, Severity, diff};

fn load(name: &str) -> SpecSource {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/specs/diff")
        .join(name);
    SpecSource::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(name: &str, text: &str) -> SpecSource {
    SpecSource::parse(name, text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn base_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/specs/diff/base.yaml");
    std::fs::read_to_string(path).expect("base.yaml")
}

/// The severity and rule of every change, in report order.
fn rules(report: &Report) -> Vec<(Severity, &'static str)> {
    report
        .changes
        .iter()
        .map(|c| (c.severity, c.rule))
        .collect()
}

/// The only change from base.yaml to `name`.
fn only_change(name: &str) -> Change {
    let report = diff(&load("base.yaml"), &load(name));
    assert_eq!(
        report.changes.len(),
        1,
        "{name}: expected one change, got:\n{report}"
    );
    report.changes[0].clone()
}

#[test]
fn identical_specs_have_no_change() {
    let report = diff(&load("base.yaml"), &load("base.yaml"));
    assert!(report.changes.is_empty(), "{report}");
    assert!(!report.is_breaking());
}

#[test]
fn an_optional_parameter_made_required_is_breaking() {
    let change = only_change("made-required.yaml");
    assert_eq!(change.severity, Severity::Breaking);
    assert_eq!(change.rule, "parameter-made-required");
    assert_eq!(
        change.location.pointer,
        "/paths/~1v1~1things/get/parameters/1"
    );
    assert_eq!(change.location.line, Some(22));
    assert!(
        change.message.contains("query parameter cursor"),
        "{change}"
    );
}

#[test]
fn a_new_required_parameter_is_breaking() {
    let change = only_change("new-required-parameter.yaml");
    assert_eq!(change.severity, Severity::Breaking);
    assert_eq!(change.rule, "parameter-added-required");
    assert!(change.message.contains("region"), "{change}");
}

#[test]
fn a_new_optional_parameter_is_compatible() {
    let change = only_change("new-optional-parameter.yaml");
    assert_eq!(change.severity, Severity::Compatible);
    assert_eq!(change.rule, "parameter-added");
}

#[test]
fn a_removed_response_field_is_breaking() {
    let change = only_change("removed-field.yaml");
    assert_eq!(change.severity, Severity::Breaking);
    assert_eq!(change.rule, "field-removed");
    assert!(change.message.contains("field size"), "{change}");
    assert_eq!(change.location.pointer, "/components/schemas/Thing");
}

#[test]
fn a_type_change_is_breaking() {
    let report = diff(&load("base.yaml"), &load("type-change.yaml"));
    // The type and the format both changed.
    assert_eq!(
        rules(&report),
        vec![
            (Severity::Breaking, "type-changed"),
            (Severity::Breaking, "type-changed")
        ],
        "{report}"
    );
    assert_eq!(
        report.changes[0].location.pointer,
        "/components/schemas/Thing/properties/size"
    );
}

#[test]
fn a_narrowed_parameter_range_is_breaking() {
    let change = only_change("narrowed-range.yaml");
    assert_eq!(change.severity, Severity::Breaking);
    assert_eq!(change.rule, "range-narrowed");
    assert!(change.message.contains("from 100 to 50"), "{change}");
}

#[test]
fn a_widened_parameter_range_is_compatible() {
    let report = diff(&load("narrowed-range.yaml"), &load("base.yaml"));
    assert_eq!(report.changes.len(), 1, "{report}");
    assert_eq!(report.changes[0].severity, Severity::Compatible);
    assert_eq!(report.changes[0].rule, "range-widened");
}

#[test]
fn a_new_response_field_is_compatible() {
    let change = only_change("new-response-field.yaml");
    assert_eq!(change.severity, Severity::Compatible);
    assert_eq!(change.rule, "field-added");
}

#[test]
fn operations_renamed_moved_removed_and_added() {
    let base = base_text();
    let renamed = base.replace("operationId: ListThings", "operationId: ListAllThings");
    let report = diff(&parse("old.yaml", &base), &parse("new.yaml", &renamed));
    assert_eq!(
        rules(&report),
        vec![(Severity::Breaking, "operation-renamed")],
        "{report}"
    );

    let moved = base.replace("/v1/things:", "/v2/things:");
    let report = diff(&parse("old.yaml", &base), &parse("new.yaml", &moved));
    assert_eq!(
        rules(&report),
        vec![(Severity::Breaking, "operation-moved")],
        "{report}"
    );

    let both = moved.replace("operationId: ListThings", "operationId: ListAllThings");
    let report = diff(&parse("old.yaml", &base), &parse("new.yaml", &both));
    assert_eq!(
        rules(&report),
        vec![
            (Severity::Breaking, "operation-removed"),
            (Severity::Compatible, "operation-added")
        ],
        "{report}"
    );
}

#[test]
fn enum_values_on_responses_and_requests() {
    let base = base_text();
    // A value added to an open response enum: compatible.
    let added = base.replace("[active, retired]", "[active, retired, lost]");
    let report = diff(&parse("old.yaml", &base), &parse("new.yaml", &added));
    assert_eq!(
        rules(&report),
        vec![(Severity::Compatible, "enum-widened")],
        "{report}"
    );

    // A value removed: its Rust variant goes away.
    let removed = base.replace("[active, retired]", "[active]");
    let report = diff(&parse("old.yaml", &base), &parse("new.yaml", &removed));
    assert_eq!(
        rules(&report),
        vec![(Severity::Breaking, "enum-narrowed")],
        "{report}"
    );

    // A value added to a closed response enum: old clients cannot decode it.
    let closed = base.replace(
        "x-extensible-enum: [active, retired]",
        "enum: [active, retired]",
    );
    let closed_more = closed.replace("[active, retired]", "[active, retired, lost]");
    let report = diff(
        &parse("old.yaml", &closed),
        &parse("new.yaml", &closed_more),
    );
    assert_eq!(
        rules(&report),
        vec![(Severity::Breaking, "enum-widened")],
        "{report}"
    );
}

#[test]
fn the_json_report_groups_changes() {
    let report = diff(&load("base.yaml"), &load("made-required.yaml"));
    let json = report.to_json();
    assert_eq!(json["breaking"][0]["rule"], "parameter-made-required");
    assert_eq!(json["breaking"][0]["line"], 22);
    assert_eq!(json["compatible"].as_array().map(Vec::len), Some(0));
}

#[test]
fn the_real_spec_against_itself_has_no_change() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/hss.yaml");
    let spec = SpecSource::load(&path).expect("spec");
    assert!(diff(&spec, &spec).changes.is_empty());
}

#[test]
fn a_shared_component_is_reported_once() {
    let second = "  /v1/more-things:\n    get:\n      operationId: ListMoreThings\n      summary: List more things\n      responses:\n        '200':\n          description: More things.\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/ThingList'\ncomponents:\n";
    let old = base_text().replacen("components:\n", second, 1);
    let new = old.replacen(
        "        size:\n          type: integer\n          format: int32",
        "        size:\n          type: string",
        1,
    );
    assert_ne!(old, new);
    let report = diff(&parse("old.yaml", &old), &parse("new.yaml", &new));
    assert_eq!(
        rules(&report),
        vec![
            (Severity::Breaking, "type-changed"),
            (Severity::Breaking, "type-changed")
        ],
        "{report}"
    );
}

#[test]
fn a_component_used_by_a_request_and_a_response_is_judged_for_both() {
    // ThingState also types a query parameter, which comes first.
    let parameter = "        - name: state\n          in: query\n          required: false\n          description: Only things in this state.\n          schema:\n            $ref: '#/components/schemas/ThingState'\n      responses:\n";
    let closed = base_text()
        .replacen("      responses:\n", parameter, 1)
        .replace(
            "x-extensible-enum: [active, retired]",
            "enum: [active, retired]",
        );
    let closed_more = closed.replace("[active, retired]", "[active, retired, lost]");
    let report = diff(
        &parse("old.yaml", &closed),
        &parse("new.yaml", &closed_more),
    );
    // A new value is fine to send, but old clients cannot decode it.
    assert_eq!(
        rules(&report),
        vec![
            (Severity::Breaking, "enum-widened"),
            (Severity::Compatible, "enum-widened"),
        ],
        "{report}"
    );
    assert!(report.is_breaking());
}

#[test]
fn a_change_to_a_shared_parameter_points_at_its_component() {
    let limit = "        - name: limit\n          in: query\n          required: false\n          description: Page size.\n          schema:\n            type: integer\n            format: int32\n            minimum: 1\n            maximum: 100\n";
    let component = "components:\n  parameters:\n    Limit:\n      name: limit\n      in: query\n      required: false\n      description: Page size.\n      schema:\n        type: integer\n        format: int32\n        minimum: 1\n        maximum: 100\n";
    let base = base_text();
    assert!(base.contains(limit));
    let old = base
        .replacen(
            limit,
            "        - $ref: '#/components/parameters/Limit'\n",
            1,
        )
        .replacen("components:\n", component, 1);
    let new = old.replacen("maximum: 100", "maximum: 50", 1);
    let report = diff(&parse("old.yaml", &old), &parse("new.yaml", &new));
    assert_eq!(report.changes.len(), 1, "{report}");
    let change = &report.changes[0];
    assert_eq!(change.rule, "range-narrowed", "{report}");
    assert_eq!(
        change.location.pointer,
        "/components/parameters/Limit/schema/maximum"
    );
    let line = new
        .lines()
        .position(|l| l.contains("maximum: 50"))
        .map(|i| i + 1);
    assert_eq!(change.location.line, line);
}

#[test]
fn request_bodies_are_compared_as_what_the_client_sends() {
    let post = "    post:\n      operationId: CreateThing\n      summary: Create a thing\n      requestBody:\n        required: false\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/NewThing'\n      responses:\n        '200':\n          description: Created.\ncomponents:\n  schemas:\n    NewThing:\n      type: object\n      description: A thing to create.\n      properties:\n        name:\n          type: string\n          description: Its name.\n          maxLength: 64\n        size:\n          type: integer\n          format: int32\n          description: Its size.\n";
    let old = base_text().replacen("components:\n  schemas:\n", post, 1);
    let changes = |new: &str| -> Vec<(Severity, &'static str)> {
        assert_ne!(old, new, "the case must change the spec");
        rules(&diff(&parse("old.yaml", &old), &parse("new.yaml", new)))
    };
    let nothing = changes(&old.replacen("Create a thing", "Create one thing", 1));
    assert_eq!(nothing, vec![]);
    assert_eq!(
        changes(&old.replacen(
            "required: false\n        content",
            "required: true\n        content",
            1
        )),
        vec![(Severity::Breaking, "request-body-made-required")]
    );
    assert_eq!(
        changes(&old.replacen(
            "      description: A thing to create.\n",
            "      description: A thing to create.\n      required: [size]\n",
            1
        )),
        vec![(Severity::Breaking, "field-made-required")]
    );
    assert_eq!(
        changes(&old.replacen("maxLength: 64", "maxLength: 32", 1)),
        vec![(Severity::Breaking, "range-narrowed")]
    );
    assert_eq!(
        changes(&old.replacen("maxLength: 64", "maxLength: 128", 1)),
        vec![(Severity::Compatible, "range-widened")]
    );
    assert_eq!(
        changes(&old.replacen(
            "        content:\n          application/json:",
            "        content:\n          application/x-www-form-urlencoded:",
            1
        )),
        vec![(Severity::Breaking, "request-body-media-type-removed")]
    );
    let without_body = old.replacen(
        "      requestBody:\n        required: false\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/NewThing'\n",
        "",
        1,
    );
    let report = diff(&parse("old.yaml", &old), &parse("new.yaml", &without_body));
    assert_eq!(report.changes[0].rule, "request-body-removed", "{report}");
    assert_eq!(
        report.changes[0].location.pointer,
        "/paths/~1v1~1things/post/requestBody"
    );
    let report = diff(&parse("old.yaml", &without_body), &parse("new.yaml", &old));
    assert_eq!(report.changes[0].rule, "request-body-added", "{report}");
    assert!(!report.is_breaking(), "{report}");
}

/// The report from `pairs/KIND/old.yaml` to `pairs/KIND/new.yaml`.
fn pair(kind: &str) -> Report {
    diff(
        &load(&format!("pairs/{kind}/old.yaml")),
        &load(&format!("pairs/{kind}/new.yaml")),
    )
}

#[test]
fn a_request_pattern_loosened_generalized_or_removed_is_compatible() {
    for kind in ["pattern-loosened", "pattern-generalized", "pattern-removed"] {
        let report = pair(kind);
        assert_eq!(
            rules(&report),
            [(Severity::Compatible, "pattern-widened")],
            "{kind}:\n{report}"
        );
    }
}

#[test]
fn a_request_pattern_narrowed_is_breaking() {
    let report = pair("pattern-narrowed");
    assert_eq!(
        rules(&report),
        [(Severity::Breaking, "pattern-narrowed")],
        "{report}"
    );
    assert!(
        report.changes[0]
            .location
            .pointer
            .ends_with("/schema/pattern"),
        "{report}"
    );
}

#[test]
fn a_changed_default_of_an_optional_parameter_is_breaking() {
    let report = pair("default-changed");
    assert_eq!(
        rules(&report),
        [(Severity::Breaking, "parameter-default-changed")],
        "{report}"
    );
    let message = &report.changes[0].message;
    assert!(message.contains("from 10 to 50"), "{message}");
}

#[test]
fn an_operation_id_added_where_there_was_none_is_compatible() {
    let report = pair("operation-id-added");
    assert_eq!(
        rules(&report),
        [(Severity::Compatible, "operation-id-added")],
        "{report}"
    );
    // The other way round, the client method goes away.
    let back = diff(
        &load("pairs/operation-id-added/new.yaml"),
        &load("pairs/operation-id-added/old.yaml"),
    );
    assert_eq!(
        rules(&back),
        [(Severity::Breaking, "operation-id-removed")],
        "{back}"
    );
}

#[test]
fn operations_sharing_an_operation_id_are_matched_to_their_own_counterparts() {
    for side in ["old", "new"] {
        let spec = load(&format!("pairs/shared-operation-id/{side}.yaml"));
        let report = diff(&spec, &spec);
        assert!(
            report.changes.is_empty(),
            "{side} against itself:\n{report}"
        );
    }
    let report = pair("shared-operation-id");
    assert_eq!(
        rules(&report),
        [(Severity::Breaking, "parameter-removed")],
        "{report}"
    );
    let change = &report.changes[0];
    assert!(
        change
            .location
            .pointer
            .starts_with("/paths/~1v1~1other-things/get"),
        "{change}"
    );
    assert!(change.message.contains("color"), "{change}");
}

#[test]
fn a_success_response_that_loses_its_json_media_type_is_breaking() {
    let report = pair("response-json-removed");
    assert_eq!(
        rules(&report),
        [(Severity::Breaking, "response-media-type-removed")],
        "{report}"
    );
    assert!(report.changes[0].message.contains("raw bytes"), "{report}");
}

#[test]
fn a_required_field_removed_under_a_charset_json_media_type_is_breaking() {
    let report = pair("charset-field-removed");
    assert_eq!(
        rules(&report),
        [(Severity::Breaking, "field-removed")],
        "{report}"
    );
    assert!(report.changes[0].message.contains("total"), "{report}");
}

#[test]
fn a_lowered_rate_limit_is_breaking_and_a_raised_one_compatible() {
    let report = pair("rate-limit-lowered");
    assert_eq!(
        rules(&report),
        [(Severity::Breaking, "rate-limit-lowered")],
        "{report}"
    );
    let change = &report.changes[0];
    assert!(
        change
            .message
            .contains("per user went from 5 per 60 s to 3 per 60 s"),
        "{}",
        change.message
    );
    assert_eq!(
        change.location.pointer,
        "/paths/~1v1~1things/get/x-rate-limit"
    );
    let back = diff(
        &load("pairs/rate-limit-lowered/new.yaml"),
        &load("pairs/rate-limit-lowered/old.yaml"),
    );
    assert_eq!(
        rules(&back),
        [(Severity::Compatible, "rate-limit-raised")],
        "{back}"
    );
}

#[test]
fn a_rate_limit_added_is_breaking_and_one_removed_compatible() {
    let without = load("pairs/default-changed/old.yaml");
    let with = load("pairs/rate-limit-lowered/old.yaml");
    let added = diff(&without, &with);
    assert!(
        rules(&added).contains(&(Severity::Breaking, "rate-limit-added")),
        "{added}"
    );
    let removed = diff(&with, &without);
    assert!(
        rules(&removed).contains(&(Severity::Compatible, "rate-limit-removed")),
        "{removed}"
    );
}
