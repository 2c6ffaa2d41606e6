//! Broken specs give one clear error with a location, never a panic; the
//! minimal valid spec generates.

use std::path::PathBuf;

use hss_codegen::{Error, SpecSource, generate_client};

fn spec(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/specs")
        .join(name)
}

fn generate(name: &str) -> Result<String, Error> {
    let source = SpecSource::load(spec(name))?;
    generate_client(&source, name)
}

fn single_line_error(name: &str) -> String {
    let error = match generate(name) {
        Ok(_) => panic!("{name} should not generate"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        error.lines().count(),
        1,
        "{name}: expected one line, got:\n{error}"
    );
    assert!(
        error.contains(name),
        "{name}: the error should name the file: {error}"
    );
    error
}

#[test]
fn minimal_spec_generates() {
    let code = generate("minimal.yaml").expect("minimal spec generates");
    assert!(code.starts_with("// @generated"));
    assert!(code.contains("pub struct ThingList"));
}

#[test]
fn invalid_yaml_names_the_line() {
    let error = single_line_error("broken/invalid-yaml.yaml");
    assert!(error.contains("invalid YAML"), "{error}");
    assert!(error.contains("broken/invalid-yaml.yaml:13"), "{error}");
}

#[test]
fn missing_ref_names_the_pointer_and_line() {
    let error = single_line_error("broken/missing-ref.yaml");
    assert!(error.contains("[ref-resolves]"), "{error}");
    assert!(error.contains("#/components/schemas/Missing"), "{error}");
    assert!(
        error.contains("(#/components/schemas/ThingList/properties/things/items/$ref)"),
        "{error}"
    );
    assert!(error.contains("missing-ref.yaml:75"), "{error}");
}

#[test]
fn undeclared_path_parameter_is_named() {
    let error = single_line_error("broken/undeclared-path-parameter.yaml");
    assert!(error.contains("[path-params]"), "{error}");
    assert!(error.contains("{thing_id}"), "{error}");
    assert!(
        error.contains("#/paths/~1v1~1{project_id}~1things~1{thing_id}/get"),
        "{error}"
    );
}

#[test]
fn duplicate_operation_id_is_named() {
    let error = single_line_error("broken/duplicate-operation-id.yaml");
    assert!(error.contains("[operation-id-unique]"), "{error}");
    assert!(
        error.contains("operationId ListThings is already used"),
        "{error}"
    );
}

#[test]
fn two_error_schemas_are_refused_before_progenitor() {
    let error = single_line_error("broken/two-error-schemas.yaml");
    assert!(error.contains("[error-schema]"), "{error}");
}

#[test]
fn a_missing_file_is_an_error() {
    let error = generate("no-such-spec.yaml").expect_err("missing file");
    assert!(
        error.to_string().contains("cannot read the spec"),
        "{error}"
    );
}
