//! `validate`: the valid specs give no finding; each broken spec gives the
//! finding of its rule, at the right place, and nothing else; nothing panics.

use std::path::PathBuf;

use hss_codegen::validate::{validate, validate_file};
use hss_codegen::{Error, Finding, SpecSource};

fn spec(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/specs")
        .join(name)
}

fn findings(name: &str) -> Vec<Finding> {
    validate_file(spec(name)).unwrap_or_else(|e| panic!("{name} loads: {e}"))
}

/// The single finding of a broken spec, as (rule, line, pointer).
fn only(name: &str) -> (String, Option<usize>, String, String) {
    let found = findings(name);
    assert_eq!(
        found.len(),
        1,
        "{name}: expected one finding, got {found:#?}"
    );
    let f = &found[0];
    (
        f.rule.to_string(),
        f.location.line,
        f.location.pointer.clone(),
        f.message.clone(),
    )
}

#[test]
fn the_real_spec_has_no_finding() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/hss.yaml");
    let found = validate_file(&path).expect("spec/hss.yaml loads");
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_minimal_spec_has_no_finding() {
    assert_eq!(findings("minimal.yaml"), vec![]);
}

#[test]
fn structure_problems_keep_their_rule_and_place() {
    let (rule, line, pointer, _) = only("broken/missing-ref.yaml");
    assert_eq!(rule, "ref-resolves");
    assert_eq!(line, Some(75));
    assert_eq!(
        pointer,
        "/components/schemas/ThingList/properties/things/items/$ref"
    );

    let (rule, _, pointer, message) = only("broken/undeclared-path-parameter.yaml");
    assert_eq!(rule, "path-params");
    assert_eq!(pointer, "/paths/~1v1~1{project_id}~1things~1{thing_id}/get");
    assert!(message.contains("{thing_id}"), "{message}");

    let (rule, line, pointer, _) = only("broken/duplicate-operation-id.yaml");
    assert_eq!(rule, "operation-id-unique");
    assert_eq!(line, Some(46));
    assert_eq!(pointer, "/paths/~1v1~1{project_id}~1things/get/operationId");
}

#[test]
fn a_loop_of_refs_is_reported_at_every_ref_that_enters_it() {
    let found = findings("broken/ref-loop.yaml");
    let places: Vec<_> = found
        .iter()
        .map(|f| (f.rule, f.location.pointer.as_str(), f.location.line))
        .collect();
    assert_eq!(
        places,
        vec![
            ("ref-resolves", "/components/schemas/Thing/$ref", Some(79)),
            (
                "ref-resolves",
                "/components/schemas/ThingAlias/$ref",
                Some(81)
            ),
            (
                "ref-resolves",
                "/components/schemas/ThingList/properties/things/items/$ref",
                Some(75)
            ),
        ],
        "{found:#?}"
    );
    assert!(found.iter().all(|f| f.message.contains("loop")));
}

#[test]
fn an_example_of_the_wrong_type_points_at_the_value() {
    let (rule, line, pointer, message) = only("broken/example-wrong-type.yaml");
    assert_eq!(rule, "example-valid");
    assert_eq!(line, Some(41));
    assert_eq!(
        pointer,
        "/paths/~1v1~1{project_id}~1things/get/responses/200/content/application~1json/example/things/0/name"
    );
    assert!(message.contains("is not of type \"string\""), "{message}");
}

#[test]
fn an_example_out_of_range_is_refused() {
    let (rule, line, pointer, message) = only("broken/example-out-of-range.yaml");
    assert_eq!(rule, "example-valid");
    assert_eq!(line, Some(34));
    assert_eq!(
        pointer,
        "/paths/~1v1~1{project_id}~1things/get/parameters/1/example"
    );
    assert!(message.contains("maximum of 100"), "{message}");
}

#[test]
fn an_example_with_an_unknown_enum_value_is_refused() {
    let (rule, line, pointer, message) = only("broken/example-unknown-enum.yaml");
    assert_eq!(rule, "example-valid");
    assert_eq!(line, Some(41));
    assert_eq!(
        pointer,
        "/paths/~1v1~1{project_id}~1things/get/parameters/2/example"
    );
    assert!(message.contains("\"sideways\""), "{message}");
}

#[test]
fn additional_properties_false_on_a_response_is_refused() {
    let (rule, line, pointer, _) = only("broken/additional-properties-false.yaml");
    assert_eq!(rule, "response-additional-properties");
    assert_eq!(line, Some(79));
    assert_eq!(pointer, "/components/schemas/Thing/additionalProperties");
}

#[test]
fn every_project_rule_is_reported_at_once() {
    let found: Vec<(&str, String)> = findings("project-rules.yaml")
        .iter()
        .map(|f| (f.rule, f.location.pointer.clone()))
        .collect();
    let op = "/paths/~1v1~1things/get";
    let expected: Vec<(&str, String)> = vec![
        ("operation-summary", op.to_string()),
        ("operation-tags", op.to_string()),
        ("operation-security", op.to_string()),
        ("error-responses", format!("{op}/responses")),
        ("parameter-description", format!("{op}/parameters/0")),
        ("parameter-type", format!("{op}/parameters/1")),
        (
            "property-description",
            "/components/schemas/Thing/properties/name".into(),
        ),
        (
            "property-type",
            "/components/schemas/Thing/properties/size".into(),
        ),
        (
            "response-enum-open",
            "/components/schemas/Thing/properties/colour/enum".into(),
        ),
        ("component-unused", "/components/schemas/Unused".into()),
    ];
    assert_eq!(found, expected);
}

#[test]
fn invalid_yaml_is_an_error_with_its_line() {
    match validate_file(spec("broken/invalid-yaml.yaml")) {
        Err(Error::Yaml { line, .. }) => assert_eq!(line, Some(13)),
        other => panic!("expected a YAML error, got {other:?}"),
    }
}

#[test]
fn an_open_enum_and_a_nullable_field_are_fine_in_a_response() {
    let text = std::fs::read_to_string(spec("minimal.yaml")).expect("minimal");
    let text = text.replace(
        "        name:\n          type: string\n          description: Its name.\n",
        "        name:\n          type: string\n          nullable: true\n          description: Its name.\n          x-extensible-enum: [a, b]\n",
    );
    assert!(text.contains("nullable: true"));
    let text = text.replace(r#""name": "a""#, r#""name": null"#);
    let source = SpecSource::parse("nullable.yaml", &text).expect("parses");
    assert_eq!(validate(&source), vec![]);
    // Without `nullable` the same example is refused.
    let strict = text.replace("          nullable: true\n", "");
    let source = SpecSource::parse("strict.yaml", &strict).expect("parses");
    let found = validate(&source);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, "example-valid");
}

/// Removing any one line of the real spec gives findings or an error, never
/// a panic: every removal is tried, under `catch_unwind`, and each gives a
/// spec that loads (then validated), or a parse error that names the file.
#[test]
fn no_line_removal_makes_the_validator_panic() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/hss.yaml");
    let text = std::fs::read_to_string(path).expect("spec");
    let lines: Vec<&str> = text.lines().collect();
    let (mut tried, mut validated, mut refused) = (0, 0, 0);
    let mut panics = Vec::new();
    for skip in 0..lines.len() {
        let mutated: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        tried += 1;
        let outcome = std::panic::catch_unwind(|| {
            SpecSource::parse("mutated.yaml", &mutated).map(|source| validate(&source))
        });
        match outcome {
            Ok(Ok(found)) => {
                validated += 1;
                for finding in &found {
                    assert!(
                        !finding.message.is_empty(),
                        "line {} removed: a finding without a message: {finding:?}",
                        skip + 1
                    );
                }
            }
            Ok(Err(error)) => {
                refused += 1;
                let message = error.to_string();
                assert!(
                    message.contains("mutated.yaml"),
                    "line {} removed: the error does not name the file: {message}",
                    skip + 1
                );
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default();
                panics.push(format!("line {} ({:?}): {what}", skip + 1, lines[skip]));
            }
        }
    }
    assert!(
        panics.is_empty(),
        "removals that panic:\n{}",
        panics.join("\n")
    );
    // Every line was removed once, and most removals still load, so that the
    // validator itself, not only the parser, met them.
    assert_eq!(tried, lines.len());
    assert!(
        tried >= 100,
        "only {tried} lines in the spec: is it the real one?"
    );
    assert!(
        validated >= tried / 2,
        "only {validated} of {tried} removals loaded ({refused} refused by the parser)"
    );
}

#[test]
fn a_duplicate_key_is_a_finding_naming_both_lines() {
    let (rule, line, pointer, message) = only("duplicate-key.yaml");
    assert_eq!(rule, "yaml-duplicate-key");
    assert_eq!(line, Some(15));
    assert_eq!(pointer, "/paths/~1v1~1{project_id}~1things/get/summary");
    assert!(message.contains("lines 14 and 15"), "{message}");
    let source = hss_codegen::SpecSource::load(spec("duplicate-key.yaml")).expect("loads");
    assert!(
        matches!(
            hss_codegen::generate(&source, "duplicate-key.yaml"),
            Err(hss_codegen::Error::Invalid(_))
        ),
        "generate refuses it"
    );
}

/// The real spec, parsed, with `edit` applied to it, as a spec again.
fn real_spec_edited(edit: impl FnOnce(&mut serde_json::Value)) -> SpecSource {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/hss.yaml");
    let text = std::fs::read_to_string(path).expect("spec/hss.yaml");
    let mut value: serde_json::Value = serde_yaml_ng::from_str(&text).expect("the spec parses");
    edit(&mut value);
    let text = serde_yaml_ng::to_string(&value).expect("the spec writes");
    SpecSource::parse("edited.yaml", &text).expect("parses")
}

/// Where the spec's rate limit is, and the limit.
fn rate_limit_of(spec: &mut serde_json::Value) -> &mut serde_json::Map<String, serde_json::Value> {
    spec.get_mut("x-rate-limit")
        .and_then(serde_json::Value::as_object_mut)
        .expect("the spec has a top-level x-rate-limit")
}

#[test]
fn a_malformed_rate_limit_is_a_finding_at_the_extension() {
    type Edit = fn(&mut serde_json::Map<String, serde_json::Value>);
    let edits: [(Edit, &str); 3] = [
        (
            |limit| {
                limit.insert("per-user".into(), serde_json::json!(0));
            },
            "per-user must be a whole number",
        ),
        (
            |limit| {
                limit.remove("window-seconds");
            },
            "needs window-seconds",
        ),
        (
            |limit| {
                if let Some(source) = limit.remove("source") {
                    limit.insert("origin".into(), source);
                }
            },
            "unknown key origin",
        ),
    ];
    for (edit, says) in edits {
        let found = validate(&real_spec_edited(|spec| edit(rate_limit_of(spec))));
        assert!(!found.is_empty(), "{says}");
        assert!(
            found
                .iter()
                .all(|f| f.rule == "x-rate-limit" && f.location.pointer == "/x-rate-limit"),
            "{found:#?}"
        );
        assert!(found[0].message.contains(says), "{}", found[0].message);
    }
}

/// The name of the first component schema with `extension`.
fn schema_with(spec: &serde_json::Value, extension: &str) -> String {
    spec["components"]["schemas"]
        .as_object()
        .and_then(|schemas| {
            schemas
                .iter()
                .find(|(_, schema)| schema.get(extension).is_some())
                .map(|(name, _)| name.clone())
        })
        .unwrap_or_else(|| panic!("no schema has {extension}"))
}

#[test]
fn a_record_key_or_version_naming_no_field_is_a_finding() {
    let mut name = String::new();
    let found = validate(&real_spec_edited(|spec| {
        name = schema_with(spec, "x-record-key");
        spec["components"]["schemas"][&name]["x-record-key"] = serde_json::json!(["no_such_field"]);
    }));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, "x-record-key");
    assert_eq!(
        found[0].location.pointer,
        format!("/components/schemas/{name}/x-record-key")
    );
    assert!(
        found[0].message.contains("no_such_field"),
        "{}",
        found[0].message
    );
    let found = validate(&real_spec_edited(|spec| {
        name = schema_with(spec, "x-record-version");
        spec["components"]["schemas"][&name]["x-record-version"] =
            serde_json::json!("no_such_field");
    }));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, "x-record-version");
}

/// The `set` of the first record schema's `x-siem` mapping to `schema`.
fn siem_set<'a>(
    spec: &'a mut serde_json::Value,
    name: &str,
    schema: &str,
) -> &'a mut serde_json::Map<String, serde_json::Value> {
    spec["components"]["schemas"][name]["x-siem"][schema]["set"]
        .as_object_mut()
        .expect("the mapping has a set")
}

/// A string field of `name` with listed values, and those values.
fn listed_field(spec: &serde_json::Value, name: &str) -> (String, Vec<String>) {
    let schemas = &spec["components"]["schemas"];
    let properties = schemas[name]["properties"].as_object().expect("properties");
    properties
        .iter()
        .find_map(|(field, schema)| {
            let target = match schema.get("$ref").and_then(serde_json::Value::as_str) {
                Some(r) => &schemas[r.rsplit('/').next().unwrap_or_default()],
                None => schema,
            };
            let values = target
                .get("x-extensible-enum")
                .or_else(|| target.get("enum"))?
                .as_array()?
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect::<Vec<_>>();
            (!values.is_empty()).then(|| (field.clone(), values))
        })
        .expect("a record field lists values")
}

#[test]
fn a_siem_mapping_naming_no_field_or_missing_a_listed_value_is_a_finding() {
    let mut name = String::new();
    type Edit = Box<dyn Fn(&mut serde_json::Value, &str)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|spec, name| {
                siem_set(spec, name, "ocsf")
                    .insert("message".into(), serde_json::json!("no_such_field"));
            }),
            "no_such_field is not a field of the record",
        ),
        (
            Box::new(|spec, name| {
                let (field, values) = listed_field(spec, name);
                let table: serde_json::Map<String, serde_json::Value> = values
                    .iter()
                    .skip(1)
                    .map(|v| (v.clone(), serde_json::json!(1)))
                    .collect();
                siem_set(spec, name, "ocsf").insert(
                    "status_id".into(),
                    serde_json::json!({"field": field, "map": table, "default": 0}),
                );
            }),
            "does not cover its listed value",
        ),
        (
            Box::new(|spec, name| {
                let (field, values) = listed_field(spec, name);
                let table: serde_json::Map<String, serde_json::Value> = values
                    .iter()
                    .map(|v| (v.clone(), serde_json::json!(1)))
                    .collect();
                siem_set(spec, name, "ocsf").insert(
                    "status_id".into(),
                    serde_json::json!({"field": field, "map": table}),
                );
            }),
            "needs a default",
        ),
        (
            Box::new(|spec, name| {
                siem_set(spec, name, "ocsf")
                    .insert("type_uid".into(), serde_json::json!({"const": 1}));
            }),
            "a rule may not set it",
        ),
        (
            Box::new(|spec, name| {
                siem_set(spec, name, "ocsf")
                    .insert("class_name".into(), serde_json::json!({"const": "x"}));
            }),
            "a rule may not set it",
        ),
        (
            Box::new(|spec, name| {
                // The top-level set writes cloud.provider.
                siem_set(spec, name, "ocsf")
                    .insert("cloud".into(), serde_json::json!({"const": "x"}));
            }),
            "meet",
        ),
        (
            Box::new(|spec, name| {
                let set = siem_set(spec, name, "ocsf");
                set.insert(
                    "observables.0.name".into(),
                    serde_json::json!({"const": "x"}),
                );
                set.insert("observables.kind".into(), serde_json::json!({"const": "y"}));
            }),
            "meet",
        ),
        (
            Box::new(|spec, name| {
                let field = listed_field(spec, name).0;
                siem_set(spec, name, "ecs").insert(
                    "@timestamp".into(),
                    serde_json::json!({"field": field, "as": "date"}),
                );
            }),
            "cannot be a date",
        ),
    ];
    for (edit, says) in cases {
        let found = validate(&real_spec_edited(|spec| {
            name = schema_with(spec, "x-siem");
            edit(spec, &name);
        }));
        assert_eq!(found.len(), 1, "{says}: {found:#?}");
        assert_eq!(found[0].rule, "x-siem");
        assert!(
            found[0]
                .location
                .pointer
                .starts_with(&format!("/components/schemas/{name}/x-siem")),
            "{}",
            found[0].location.pointer
        );
        assert!(
            found[0].message.contains(says),
            "{says}: {}",
            found[0].message
        );
        assert!(
            found[0].location.line.is_some_and(|l| l > 0),
            "{:?}",
            found[0].location
        );
    }
}
