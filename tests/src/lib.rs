//! Helpers shared by the tests: the spec's examples, decoding a JSON value
//! into the generated type a schema names, and the canonical form a lossless
//! round trip must reproduce.

pub mod docs;
pub mod requests;
pub mod service;
pub mod siem;
pub mod venv;

use std::path::{Path, PathBuf};

use hss_codegen::SpecSource;
use hss_codegen::check::{operations, resolve};
use serde_json::{Map, Value};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The spec the client is generated from.
pub fn spec_path() -> PathBuf {
    workspace_root().join("spec/hss.yaml")
}

/// Loads the spec.
pub fn load_spec() -> Result<SpecSource, hss_codegen::Error> {
    SpecSource::load(spec_path())
}

/// One response example of the spec.
#[derive(Debug, Clone)]
pub struct ResponseExample {
    /// `operationId/status/name`, unique within the spec.
    pub label: String,
    /// Name of the component schema the response body uses.
    pub schema: String,
    /// The example payload.
    pub value: Value,
}

/// Every response example in the spec (named `examples` and single
/// `example`), in document order.
pub fn response_examples(spec: &SpecSource) -> Vec<ResponseExample> {
    let doc = &spec.value;
    let mut out = Vec::new();
    for op in operations(doc) {
        let id = op.operation_id().unwrap_or("?");
        let Some(responses) = op.operation.get("responses").and_then(Value::as_object) else {
            continue;
        };
        for (status, response) in responses {
            let Some(media) =
                resolve(doc, response).and_then(|r| r.pointer("/content/application~1json"))
            else {
                continue;
            };
            let schema = media
                .pointer("/schema/$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .unwrap_or("?")
                .to_string();
            let mut push = |name: &str, value: &Value| {
                out.push(ResponseExample {
                    label: format!("{id}/{status}/{name}"),
                    schema: schema.clone(),
                    value: value.clone(),
                });
            };
            if let Some(value) = media.get("example") {
                push("example", value);
            }
            if let Some(named) = media.get("examples").and_then(Value::as_object) {
                for (name, example) in named {
                    if let Some(value) = resolve(doc, example).and_then(|e| e.get("value")) {
                        push(name, value);
                    }
                }
            }
        }
    }
    out
}

/// A value decoded into a generated type: its `Debug` form and its JSON
/// encoding.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// `{:#?}` of the typed value.
    pub debug: String,
    /// The typed value encoded back to JSON.
    pub reencoded: Value,
}

/// Decodes `value` into the generated type named `schema` and encodes it
/// back.
pub fn decode_as(schema: &str, value: &Value) -> Result<Decoded, String> {
    // The success-response schema of an operation decodes through that
    // operation's typed response, so every operation of the spec is
    // covered without naming it here.
    if let Some(operation) = operation_answering_with(schema) {
        return decode_response(operation, value);
    }
    use hss_client::types::*;
    match schema {
        "ClusterEventLogResponseInfo" => run::<ClusterEventLogResponseInfo>(value),
        "ClusterEventResponseInfo" => run::<ClusterEventResponseInfo>(value),
        "ClusterEventResourceResponseInfo" => run::<ClusterEventResourceResponseInfo>(value),
        "ErrorResponse" => run::<ErrorResponse>(value),
        other => Err(format!(
            "no generated type is registered for schema {other}"
        )),
    }
}

fn run<T>(value: &Value) -> Result<Decoded, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let reencoded = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    Ok(Decoded {
        debug: format!("{typed:#?}"),
        reencoded,
    })
}

/// The operation whose JSON success response has the component schema
/// `schema`.
pub fn operation_answering_with(schema: &str) -> Option<hss_client::Operation> {
    let spec = load_spec().ok()?;
    let wanted = format!("#/components/schemas/{schema}");
    let id = operations(&spec.value).into_iter().find_map(|op| {
        let responses = op.operation.get("responses")?.as_object()?;
        responses
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .filter_map(|(_, r)| resolve(&spec.value, r))
            .any(|r| {
                r.pointer("/content/application~1json/schema/$ref")
                    .and_then(Value::as_str)
                    == Some(wanted.as_str())
            })
            .then(|| op.operation_id().map(str::to_string))
            .flatten()
    })?;
    hss_client::Operation::ALL
        .iter()
        .copied()
        .find(|o| o.operation_id() == id)
}

/// Decodes `value` as the typed response of `operation`.
fn decode_response(operation: hss_client::Operation, value: &Value) -> Result<Decoded, String> {
    struct Decode<'v>(&'v Value);
    impl<'a> hss_client::OperationVisitor<'a> for Decode<'_> {
        type Output = Result<Decoded, String>;
        fn call<B: hss_client::OperationExt<'a>>(self, _: B) -> Self::Output {
            run::<B::Response>(self.0)
        }
        fn unsupported(self, operation: hss_client::Operation) -> Self::Output {
            Err(format!("{operation} has no typed response"))
        }
    }
    let client = hss_client::HssClient::builder()
        .endpoint(hss_client::Endpoint::parse("http://127.0.0.1:9").map_err(|e| e.to_string())?)
        .project_id("decode")
        .credentials(
            hss_client::Credentials::ak_sk("AK", "SK".to_string()).map_err(|e| e.to_string())?,
        )
        .build()
        .map_err(|e| e.to_string())?;
    client.visit(operation, Decode(value))
}

/// The form a lossless round trip of `value` (a payload of `schema`) must
/// give back: every key spelled with its canonical name (an `x-aliases`
/// spelling is renamed, unless the canonical spelling came too, in which
/// case it stays as it came), and nothing else changed, except that a declared
/// optional property that is `null` is the same as an absent one, and a
/// declared list that is absent or `null` comes back empty (`[]`): decoding
/// gives an empty list, and encoding keeps it.
pub fn canonical(spec: &SpecSource, schema: &str, value: &Value) -> Value {
    let reference = Value::String(format!("#/components/schemas/{schema}"));
    let mut holder = Map::new();
    holder.insert("$ref".into(), reference);
    canonical_at(&spec.value, &Value::Object(holder), value)
}

fn canonical_at(doc: &Value, schema: &Value, value: &Value) -> Value {
    let schema = resolve(doc, schema).unwrap_or(schema);
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let mut out = Map::new();
            for (key, child) in map {
                let declared = properties.and_then(|props| {
                    props.iter().find(|(name, body)| {
                        *name == key
                            || body
                                .get("x-aliases")
                                .and_then(Value::as_array)
                                .is_some_and(|a| a.iter().any(|s| s == key))
                    })
                });
                // When the canonical spelling came too, the decoder keeps
                // this other spelling in `extra`, under its own key.
                let shadowed = declared.is_some_and(|(name, _)| {
                    name != key && map.get(name).is_some_and(|v| !v.is_null())
                });
                match declared {
                    Some(_) if shadowed => {
                        out.insert(key.clone(), child.clone());
                    }
                    Some((name, body)) => {
                        if !child.is_null() {
                            out.insert(name.clone(), canonical_at(doc, body, child));
                        }
                    }
                    None => {
                        out.insert(key.clone(), child.clone());
                    }
                }
            }
            for (name, body) in properties.into_iter().flatten() {
                let is_list = resolve(doc, body)
                    .and_then(|b| b.get("type"))
                    .and_then(Value::as_str)
                    == Some("array");
                if is_list && !out.contains_key(name) {
                    out.insert(name.clone(), Value::Array(Vec::new()));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let item_schema = schema.get("items").unwrap_or(&Value::Null);
            Value::Array(
                items
                    .iter()
                    .map(|i| canonical_at(doc, item_schema, i))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// The edge-case fixtures: `tests/fixtures/<Schema>/<case>.json`, sorted.
pub fn fixtures() -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let root = workspace_root().join("tests/fixtures");
    let Ok(schemas) = std::fs::read_dir(&root) else {
        return out;
    };
    for schema_dir in schemas.flatten() {
        let schema = schema_dir.file_name().to_string_lossy().into_owned();
        let Ok(cases) = std::fs::read_dir(schema_dir.path()) else {
            continue;
        };
        for case in cases.flatten() {
            let path = case.path();
            if path.extension().is_some_and(|e| e == "json") {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| Value::String(format!("unreadable fixture: {e}")));
                out.push((schema.clone(), name, value));
            }
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

/// The README's Rust examples, run by `cargo test --doc` against hss-mock
/// ([`docs`]).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

/// The Rust examples of the manual (`docs/`), run by `cargo test --doc`
/// against hss-mock ([`docs`]).
#[cfg(doctest)]
#[doc = include_str!("../../docs/client.md")]
#[doc = include_str!("../../docs/credentials.md")]
#[doc = include_str!("../../docs/cli.md")]
#[doc = include_str!("../../docs/watch.md")]
#[doc = include_str!("../../docs/siem.md")]
#[doc = include_str!("../../docs/changing-the-spec.md")]
#[doc = include_str!("../../docs/testing.md")]
pub struct DocsExamples;
