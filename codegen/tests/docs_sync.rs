//! `docs-sync` on pages written for the tests (tests/docs): a new
//! operation is added whole; each kind of difference is settled by an
//! edit of only the lines it concerns; the result passes `validate` and
//! `docs-check`; a second run changes nothing; a page that cannot be read
//! changes nothing. With the two API reference pages of ../shared/docs
//! present, also the round trip from a spec without operations and edited
//! copies of those pages.

use std::io::Write;
use std::path::{Path, PathBuf};

use hss_codegen::SpecSource;
use hss_codegen::docs::check_text;
use hss_codegen::docs::sync::{SyncError, Synced, sync};
use serde_json::{Value, json};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/docs")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn workspace_spec() -> String {
    read(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/hss.yaml"))
}

/// The workspace spec without the operation of the test page (which
/// `cargo xtask spec-change` adds to its copy of the spec).
fn spec_without_alarms() -> String {
    let text = workspace_spec();
    let mut value: Value = serde_yaml_ng::from_str(&text).expect("spec parses");
    let removed = value["paths"]
        .as_object_mut()
        .and_then(|paths| paths.remove("/v5/{project_id}/container/policy-alarms"));
    if removed.is_none() {
        return text;
    }
    // And the schemas only that operation used.
    loop {
        let mut refs = Vec::new();
        collect_refs(&value, &mut refs);
        let Some(schemas) = value["components"]["schemas"].as_object_mut() else {
            break;
        };
        let unused: Vec<String> = schemas
            .keys()
            .filter(|name| !refs.contains(&format!("#/components/schemas/{name}")))
            .cloned()
            .collect();
        if unused.is_empty() {
            break;
        }
        for name in unused {
            schemas.remove(&name);
        }
    }
    serde_yaml_ng::to_string(&value).expect("writes")
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item.as_str()) {
                    ("$ref", Some(target)) => out.push(target.to_string()),
                    _ => collect_refs(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

fn run(spec: &str, pages: &[(&str, String)]) -> Synced {
    let pages: Vec<(PathBuf, String)> = pages
        .iter()
        .map(|(name, text)| (PathBuf::from(name), text.clone()))
        .collect();
    sync(Path::new("spec.yaml"), spec, &pages).unwrap_or_else(|e| panic!("sync fails: {e}"))
}

/// The result is valid, `docs-check` finds nothing open, and syncing again
/// changes nothing.
fn assert_settled(synced: &Synced, pages: &[(&str, String)]) -> SpecSource {
    let open: Vec<String> = synced.unsettled().map(ToString::to_string).collect();
    assert!(open.is_empty(), "unsettled: {open:#?}\n{}", synced.text);
    let source = SpecSource::parse("spec.yaml", &synced.text).expect("result parses");
    let findings = hss_codegen::validate::validate(&source);
    assert!(findings.is_empty(), "{findings:#?}\n{}", synced.text);
    for (name, text) in pages {
        let report = check_text(&source, Path::new(name), text).expect("page reads");
        assert_eq!(report.unacknowledged().count(), 0, "{report}");
    }
    let again = run(&synced.text, pages);
    assert!(again.changes.is_empty(), "{:#?}", again.changes);
    assert_eq!(again.text, synced.text);
    source
}

/// Lines removed from `old` and lines added in `new`.
fn changed_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end().to_string();
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(line),
            similar::ChangeTag::Insert => added.push(line),
            similar::ChangeTag::Equal => {}
        }
    }
    (removed, added)
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not found");
    text.replacen(from, to, 1)
}

fn alarms_page() -> String {
    read(&dir().join("pages/list-policy-alarms.txt"))
}

#[test]
fn a_new_operation_is_added_whole_and_only_added() {
    let spec = spec_without_alarms();
    let pages = [("list-policy-alarms.txt", alarms_page())];
    let synced = run(&spec, &pages);
    let source = assert_settled(&synced, &pages);
    let (removed, added) = changed_lines(&spec, &synced.text);
    assert!(removed.is_empty(), "lines removed: {removed:#?}");
    assert!(added.len() > 50, "{added:#?}");

    let op = source
        .at("/paths/~1v5~1{project_id}~1container~1policy-alarms/get")
        .expect("operation added");
    assert_eq!(op["operationId"], "ListPolicyAlarms");
    assert_eq!(op["tags"], json!(["Alarm Handling"]));
    assert_eq!(op["summary"], "List policy alarms");
    // Shared parameters by $ref; the others written out with their facts.
    assert_eq!(
        op["parameters"][0],
        json!({"$ref": "#/components/parameters/ProjectId"})
    );
    assert_eq!(
        op["parameters"][1],
        json!({"$ref": "#/components/parameters/EnterpriseProjectId"})
    );
    let parameter = |name: &str| {
        op["parameters"]
            .as_array()
            .and_then(|l| l.iter().find(|p| p["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no parameter {name}"))
    };
    assert_eq!(
        parameter("limit")["schema"],
        json!({"type": "integer", "format": "int32", "minimum": 10, "maximum": 200, "default": 10})
    );
    assert_eq!(parameter("limit")["required"], true);
    assert_eq!(
        parameter("offset")["schema"],
        json!({"type": "integer", "format": "int32", "minimum": 0, "maximum": 2_000_000})
    );
    assert_eq!(
        parameter("severity")["schema"],
        json!({"type": "string", "enum": ["low", "medium", "high"]})
    );
    assert_eq!(
        parameter("include_closed")["schema"],
        json!({"type": "boolean"})
    );
    assert!(
        op["parameters"]
            .as_array()
            .is_some_and(|l| l.iter().all(|p| p["name"] != "X-Auth-Token")),
        "the token header is the security scheme's"
    );
    assert_eq!(op["security"], source.value["security"]);
    for status in ["400", "401", "403", "404", "429", "500"] {
        assert!(op["responses"][status]["$ref"].is_string(), "{status}");
    }
    let media = &op["responses"]["200"]["content"]["application/json"];
    assert_eq!(
        media["schema"],
        json!({"$ref": "#/components/schemas/ListPolicyAlarmsResponse"})
    );
    assert_eq!(
        media["examples"]["documented"]["value"]["data_list"][0]["target"]["score"],
        7.5
    );

    let schema = |name: &str| source.at(&format!("/components/schemas/{name}")).cloned();
    let info = schema("PolicyAlarmInfo").expect("nested table schema");
    assert_eq!(info["additionalProperties"], json!({}));
    assert_eq!(
        info["properties"]["alarm_level"],
        json!({"$ref": "#/components/schemas/AlarmLevel"})
    );
    assert_eq!(
        schema("AlarmLevel").map(|s| s["x-extensible-enum"].clone()),
        Some(json!(["low", "medium", "high"]))
    );
    assert_eq!(
        info["properties"]["labels"]["items"],
        json!({"type": "string"})
    );
    assert_eq!(info["properties"]["raised_at"]["format"], json!("int64"));
    assert_eq!(
        info["properties"]["target"],
        json!({"$ref": "#/components/schemas/PolicyAlarmTarget"})
    );
    assert_eq!(
        schema("PolicyAlarmTarget").map(|s| s["properties"]["score"].clone()),
        Some(json!({"type": "number", "format": "double", "description": "Score."}))
    );
    // The new operation generates.
    hss_codegen::generate(&source, "spec.yaml").expect("generates");
}

#[test]
fn descriptions_are_made_from_names_and_facts_not_copied() {
    let page = alarms_page();
    let synced = run(&spec_without_alarms(), &[("p.txt", page.clone())]);
    let source = SpecSource::parse("spec.yaml", &synced.text).expect("parses");
    let op = &source.value["paths"]["/v5/{project_id}/container/policy-alarms"]["get"];
    let described: Vec<&str> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["description"].as_str())
        .collect();
    assert!(
        described.contains(&"Limit: 10 to 200; default 10."),
        "{described:?}"
    );
    assert!(
        described.contains(&"Severity: one of low, medium, high."),
        "{described:?}"
    );
    for text in described {
        assert!(!page.contains(text), "copied from the page: {text}");
    }
}

#[test]
fn without_an_sdk_sample_the_operation_id_comes_from_the_path() {
    let page = alarms_page();
    let cut = page.find("SDK Sample Code").expect("sample section");
    let end = page.find("Status Codes").expect("status section");
    let page = format!("{}{}", &page[..cut], &page[end..]);
    let pages = [("p.txt", page)];
    let synced = run(&spec_without_alarms(), &pages);
    assert_settled(&synced, &pages);
    let source = SpecSource::parse("spec.yaml", &synced.text).expect("parses");
    assert_eq!(
        source.value["paths"]["/v5/{project_id}/container/policy-alarms"]["get"]["operationId"],
        "ListContainerPolicyAlarms"
    );
    assert_eq!(synced.notes.len(), 1, "{:?}", synced.notes);
}

#[test]
fn an_operation_is_added_to_a_spec_without_paths_or_schemas() {
    let spec = r#"openapi: 3.0.3
info:
  title: t
  description: d
  version: v1
components:
  securitySchemes:
    token:
      type: apiKey
      in: header
      name: X-Auth-Token
      description: A token.
  responses:
    BadRequest:
      description: Bad.
    InternalServerError:
      description: Failed.
"#;
    let pages = [("p.txt", alarms_page())];
    let synced = run(spec, &pages);
    let source = assert_settled(&synced, &pages);
    let op = &source.value["paths"]["/v5/{project_id}/container/policy-alarms"]["get"];
    assert_eq!(op["security"], json!([{"token": []}]));
    assert_eq!(
        op["responses"]["400"],
        json!({"$ref": "#/components/responses/BadRequest"})
    );
    // No component to refer to: every parameter is written out.
    assert_eq!(op["parameters"][0]["name"], "project_id");
    assert_eq!(
        source.value["components"]["securitySchemes"]["token"]["x-acknowledged"][0]["difference"],
        "header-as-security-scheme"
    );
}

/// One difference between list-things.txt and things.yaml, made by an edit
/// of either, settled by docs-sync with exactly the lines expected.
struct Case {
    name: &'static str,
    spec: &'static [(&'static str, &'static str)],
    page: &'static [(&'static str, &'static str)],
    removed: &'static [&'static str],
    added: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "parameter missing in the spec",
        spec: &[(
            "        - name: colour\n          in: query\n          required: false\n          description: Only things of this colour.\n          schema:\n            type: string\n",
            "",
        )],
        page: &[],
        removed: &[],
        added: &[
            "        - name: colour",
            "          in: query",
            "          required: false",
            "          description: Colour.",
            "          schema:",
            "            type: string",
        ],
    },
    Case {
        name: "required flag",
        spec: &[],
        page: &[("limit\n\nNo\n", "limit\n\nYes\n")],
        removed: &["          required: false"],
        added: &["          required: true"],
    },
    Case {
        name: "parameter type",
        spec: &[],
        page: &[("colour\n\nNo\n\nString", "colour\n\nNo\n\nInteger")],
        removed: &["            type: string"],
        added: &["            type: integer", "            format: int32"],
    },
    Case {
        name: "parameter range",
        spec: &[],
        page: &[(
            "The value range is 1 to 100.",
            "The value range is 1 to 500.",
        )],
        removed: &["            maximum: 100"],
        added: &["            maximum: 500"],
    },
    Case {
        name: "parameter missing on the page",
        spec: &[],
        page: &[(
            "colour\n\nNo\n\nString\n\nOnly things of this colour.\n\n",
            "",
        )],
        removed: &[
            "        - name: colour",
            "          in: query",
            "          required: false",
            "          description: Only things of this colour.",
            "          schema:",
            "            type: string",
        ],
        added: &[],
    },
    Case {
        name: "field missing in the spec",
        spec: &[],
        page: &[(
            "made_at\n\nLong\n\nWhen it was made.\n",
            "made_at\n\nLong\n\nWhen it was made.\n\nsize\n\nInteger\n\nHow big.\n",
        )],
        removed: &[],
        added: &[
            "        size:",
            "          type: integer",
            "          format: int32",
            "          description: Size.",
        ],
    },
    Case {
        name: "field type",
        spec: &[],
        page: &[("weight\n\nLong", "weight\n\nDouble")],
        removed: &["          type: integer", "          format: int64"],
        added: &["          type: number", "          format: double"],
    },
    Case {
        name: "field missing on the page",
        spec: &[],
        page: &[
            ("weight\n\nLong\n\nWeight in grams.\n\n", ""),
            ("    \"weight\" : 3,\n", ""),
        ],
        removed: &[
            "                  value: { \"total\": 1, \"things\": [ { \"name\": \"a\", \"weight\": 3, \"madeAt\": 1700000000000 } ] }",
            "        weight:",
            "          type: integer",
            "          format: int64",
            "          description: Its weight in grams.",
        ],
        added: &[
            "                  value: {",
            "                      \"total\" : 1,",
            "                      \"things\" : [ {",
            "                        \"name\" : \"a\",",
            "                        \"madeAt\" : 1700000000000",
            "                      } ]",
            "                    }",
        ],
    },
    Case {
        name: "example differs",
        spec: &[("\"weight\": 3", "\"weight\": 4")],
        page: &[],
        removed: &[
            "                  value: { \"total\": 1, \"things\": [ { \"name\": \"a\", \"weight\": 4, \"madeAt\": 1700000000000 } ] }",
        ],
        added: &[
            "                  value: {",
            "                      \"total\" : 1,",
            "                      \"things\" : [ {",
            "                        \"name\" : \"a\",",
            "                        \"weight\" : 3,",
            "                        \"madeAt\" : 1700000000000",
            "                      } ]",
            "                    }",
        ],
    },
    Case {
        name: "alias not acknowledged",
        spec: &[(
            "      x-acknowledged:\n        - field: made_at\n          difference: example-key\n          reason: The example writes madeAt; both spellings decode.\n",
            "",
        )],
        page: &[],
        removed: &[],
        added: &[
            "      x-acknowledged:",
            "        - field: made_at",
            "          difference: example-key",
            "          reason: >-",
            "            The example spells it madeAt; both spellings decode into made_at.",
        ],
    },
    Case {
        name: "example key spelled otherwise",
        spec: &[("          x-aliases: [madeAt]\n", "")],
        page: &[],
        removed: &[],
        added: &["          x-aliases: [madeAt]"],
    },
    Case {
        name: "example value of another type",
        spec: &[],
        page: &[("\"weight\" : 3,", "\"weight\" : \"3\",")],
        removed: &[
            "                  value: { \"total\": 1, \"things\": [ { \"name\": \"a\", \"weight\": 3, \"madeAt\": 1700000000000 } ] }",
            "          type: integer",
            "          format: int64",
            "          description: Its weight in grams.",
        ],
        added: &[
            "                  value: {",
            "                      \"total\" : 1,",
            "                      \"things\" : [ {",
            "                        \"name\" : \"a\",",
            "                        \"weight\" : \"3\",",
            "                        \"madeAt\" : 1700000000000",
            "                      } ]",
            "                    }",
            "          $ref: '#/components/schemas/Weight'",
            "    Weight:",
            "      description: Weight, sent as an integer or as a string.",
            "      x-acknowledged:",
            "        - field: weight",
            "          difference: [field-type, example-type]",
            "          reason: >-",
            "            The table types it Long but the example sends a string; both forms",
            "            are accepted.",
            "      oneOf:",
            "        - type: integer",
            "          format: int64",
            "        - type: string",
        ],
    },
];

#[test]
fn each_kind_of_difference_is_settled_with_only_its_lines() {
    let spec = read(&dir().join("things.yaml"));
    let page = read(&dir().join("list-things.txt"));
    for case in CASES {
        let spec = case
            .spec
            .iter()
            .fold(spec.clone(), |text, (from, to)| edit(&text, from, to));
        let page = case
            .page
            .iter()
            .fold(page.clone(), |text, (from, to)| edit(&text, from, to));
        let pages = [("list-things.txt", page)];
        let synced = run(&spec, &pages);
        assert!(!synced.changes.is_empty(), "{}: nothing changed", case.name);
        let open: Vec<String> = synced.unsettled().map(ToString::to_string).collect();
        assert!(open.is_empty(), "{}: {open:#?}", case.name);
        let (removed, added) = changed_lines(&spec, &synced.text);
        assert_eq!(removed, case.removed, "{}: removed lines", case.name);
        assert_eq!(added, case.added, "{}: added lines", case.name);
        let again = run(&synced.text, &pages);
        assert!(
            again.changes.is_empty(),
            "{}: {:#?}",
            case.name,
            again.changes
        );
    }
}

#[test]
fn an_undocumented_example_field_is_kept_and_acknowledged() {
    let spec = read(&dir().join("things.yaml"));
    let page = edit(
        &read(&dir().join("list-things.txt")),
        "\"name\" : \"a\",",
        "\"name\" : \"a\",\n    \"colourCode\" : 7,",
    );
    let pages = [("list-things.txt", page)];
    let synced = run(&spec, &pages);
    let open: Vec<String> = synced.unsettled().map(ToString::to_string).collect();
    assert!(open.is_empty(), "{open:#?}");
    let value: Value = serde_yaml_ng::from_str(&synced.text).expect("parses");
    let thing = &value["components"]["schemas"]["Thing"];
    assert_eq!(
        thing["properties"]["colourCode"],
        json!({"type": "integer", "format": "int64", "description": "Colour code."})
    );
    assert!(
        thing["x-acknowledged"]
            .as_array()
            .is_some_and(|l| l.iter().any(|a| a["field"] == "colourCode"))
    );
}

#[test]
fn a_page_that_cannot_be_read_changes_nothing_and_names_its_line() {
    let spec = read(&dir().join("things.yaml"));
    let page = edit(
        &read(&dir().join("list-things.txt")),
        "\"total\" : 1,",
        "\"total\" : 1,,",
    );
    let error = sync(
        Path::new("spec.yaml"),
        &spec,
        &[
            (PathBuf::from("good.txt"), alarms_page()),
            (PathBuf::from("bad.txt"), page),
        ],
    )
    .expect_err("the page is not readable");
    let message = error.to_string();
    assert!(matches!(error, SyncError::Page(_)), "{message}");
    assert!(message.starts_with("bad.txt:"), "{message}");
    assert!(message.contains("not valid JSON"), "{message}");
    let line: usize = message
        .split(':')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a line number");
    assert!(line > 100, "{message}");

    let no_uri = sync(
        Path::new("spec.yaml"),
        &spec,
        &[(PathBuf::from("empty.txt"), "nothing here\n".to_string())],
    )
    .expect_err("no URI");
    assert!(no_uri.to_string().contains("empty.txt:1:"), "{no_uri}");
}

// --- The two API reference pages, when this checkout has them. ---

/// Set (to anything but `0`) where the pages must be present, as on CI,
/// where `.ci/run` finds `../shared/docs` beside the clone: a test that needs
/// them then fails without them instead of not running.
const REQUIRE_PAGES: &str = "HSS_TEST_REQUIRE_SHARED_DOCS";

/// The API reference pages in `../shared/docs` beside the repository, for
/// the test `test`. A fresh clone has no `../shared`: without them, the
/// test fails when [`REQUIRE_PAGES`] is set, and otherwise says on stderr,
/// past the harness's capture, that it did not run and why (the caller then returns).
fn shared_pages(test: &str) -> Option<Vec<(String, String)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/docs");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| (p.display().to_string(), read(&p)))
        .collect();
    pages.sort();
    if !pages.is_empty() {
        return Some(pages);
    }
    let why = format!(
        "{test}: no API reference pages (*.txt) in {}",
        dir.display()
    );
    let required = std::env::var_os(REQUIRE_PAGES).is_some_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "{why}, and {REQUIRE_PAGES} says they must be there"
    );
    // Written to the stream itself, not through `eprintln!`, which the test
    // harness captures and hides for a test that passes.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\n*** NOT RUN: {why}. The pages sit beside the repository on the team's \
         machines and on CI, which sets {REQUIRE_PAGES}=1 to make this a failure. ***\n"
    );
    None
}

/// The spec holding only info, servers, the security schemes (without
/// their acknowledgements) and the shared error responses.
fn bare_spec() -> String {
    let full: Value = serde_yaml_ng::from_str(&workspace_spec()).expect("spec parses");
    let bare = hss_codegen::docs::sync::skeleton(&full);
    assert!(
        bare.get("paths").is_none(),
        "the skeleton has no operations"
    );
    serde_yaml_ng::to_string(&bare).expect("writes")
}

#[test]
fn round_trip_from_a_spec_without_operations() {
    let Some(pages) = shared_pages("round_trip_from_a_spec_without_operations") else {
        return;
    };
    let pages: Vec<(&str, String)> = pages.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let synced = run(&bare_spec(), &pages);
    let source = assert_settled(&synced, &pages);
    // One operation per page, each as the workspace spec has it: the same
    // operationId, the same parameters (by name, place, required flag and
    // type) and a response schema under the same name.
    let full = SpecSource::parse("hss.yaml", &workspace_spec()).expect("parses");
    let back_ops = hss_codegen::check::operations(&source.value);
    assert_eq!(back_ops.len(), pages.len());
    for back in back_ops {
        let pointer = back.pointer();
        let op = hss_codegen::check::operations(&full.value)
            .into_iter()
            .find(|o| o.pointer() == pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in the workspace spec"));
        let back = back.operation;
        assert_eq!(back["operationId"], op.operation["operationId"]);
        let shape = |s: &SpecSource, o: &Value| -> Vec<(String, String, bool, String)> {
            let mut list: Vec<_> = o["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| hss_codegen::check::resolve(&s.value, p))
                .map(|p| {
                    let schema = hss_codegen::check::resolve(&s.value, &p["schema"]).cloned();
                    (
                        p["name"].as_str().unwrap_or("").to_string(),
                        p["in"].as_str().unwrap_or("").to_string(),
                        p["required"].as_bool().unwrap_or(false),
                        schema
                            .map(|s| format!("{}/{}", s["type"], s["format"]))
                            .unwrap_or_default(),
                    )
                })
                .collect();
            list.sort();
            list
        };
        assert_eq!(
            shape(&source, back),
            shape(&full, op.operation),
            "{pointer}"
        );
        assert_eq!(
            back["responses"]["200"]["content"]["application/json"]["schema"],
            op.operation["responses"]["200"]["content"]["application/json"]["schema"],
        );
    }
    hss_codegen::generate(&source, "spec.yaml").expect("generates");
}

#[test]
fn edited_copies_of_the_pages_touch_only_their_lines() {
    let Some(pages) = shared_pages("edited_copies_of_the_pages_touch_only_their_lines") else {
        return;
    };
    let spec = workspace_spec();
    let mut edited: Vec<(&str, String)> = Vec::new();
    for (name, text) in &pages {
        let text = if text.contains("Value range: 10 to 200") {
            let text = edit(text, "Value range: 10 to 200", "Value range: 10 to 500");
            edit(
                &text,
                "resource_name\n\nString\n\nResource name.\n",
                "resource_name\n\nString\n\nResource name.\n\nrisk_score\n\nInteger\n\nx\n",
            )
        } else {
            text.clone()
        };
        edited.push((name.as_str(), text));
    }
    let synced = run(&spec, &edited);
    assert_settled(&synced, &edited);
    let (removed, added) = changed_lines(&spec, &synced.text);
    assert_eq!(removed, ["            maximum: 200"]);
    assert_eq!(
        added,
        [
            "            maximum: 500",
            "        risk_score:",
            "          type: integer",
            "          format: int32",
            "          description: Risk score.",
        ]
    );
}

#[test]
fn the_rate_limit_record_identity_and_siem_mappings_are_left_alone() {
    // They are not on the operation pages: syncing the pages, into the
    // workspace spec or into its skeleton, keeps them as they are.
    let Some(pages) =
        shared_pages("the_rate_limit_record_identity_and_siem_mappings_are_left_alone")
    else {
        return;
    };
    let pages: Vec<(&str, String)> = pages.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let full: Value = serde_yaml_ng::from_str(&workspace_spec()).expect("spec parses");
    let synced = run(&workspace_spec(), &pages);
    let back: Value = serde_yaml_ng::from_str(&synced.text).expect("result parses");
    assert_eq!(back["x-rate-limit"], full["x-rate-limit"]);
    assert_eq!(back["x-siem"], full["x-siem"]);
    assert!(
        full["x-rate-limit"].is_object() && full["x-siem"].is_object(),
        "the spec has a rate limit and SIEM mappings"
    );
    let mut keyed = 0;
    for (name, schema) in full["components"]["schemas"].as_object().expect("schemas") {
        for extension in ["x-record-key", "x-record-version", "x-siem"] {
            if schema.get(extension).is_some() {
                keyed += 1;
                assert_eq!(
                    back["components"]["schemas"][name][extension], schema[extension],
                    "{name} {extension}"
                );
            }
        }
    }
    assert!(keyed > 0, "the spec names record keys");
    let from_skeleton = run(&bare_spec(), &pages);
    let back: Value = serde_yaml_ng::from_str(&from_skeleton.text).expect("result parses");
    assert_eq!(back["x-rate-limit"], full["x-rate-limit"]);
}
