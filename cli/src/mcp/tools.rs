//! The MCP tools, one for each operation of the spec, made from the
//! generated operations table: the name, the description, the input
//! schema (the operation's parameters, with `max_records` and `cursor`
//! in place of the paging parameters) and the output schema (its records).

use hss_client::Operation;
use hss_client::spec::{Parameter, ParameterLocation, Schema};
use serde_json::{Map, Value, json};

use crate::schema::EventSchema;

/// Records a call returns when `max_records` is not given.
pub const DEFAULT_MAX_RECORDS: i64 = 100;
/// Pages a call reads at most.
pub const MAX_PAGES: i64 = 5;

/// One tool.
#[derive(Clone, Debug)]
pub struct ToolSpec {
    /// The operation it calls.
    pub operation: Operation,
    /// Its name: the snake_case operationId.
    pub name: String,
    /// What it does, for the assistant.
    pub description: String,
    /// The JSON Schema of its arguments.
    pub input_schema: Map<String, Value>,
    /// The JSON Schema of its structured result.
    pub output_schema: Map<String, Value>,
}

/// Every operation's tool.
pub fn tools(schema: EventSchema) -> Vec<ToolSpec> {
    Operation::ALL
        .iter()
        .map(|&operation| ToolSpec {
            operation,
            name: operation.method_name().to_string(),
            description: description(operation),
            input_schema: input_schema(operation),
            output_schema: output_schema(operation, schema),
        })
        .collect()
}

/// The operation whose tool is `name`.
pub fn operation_named(name: &str) -> Option<Operation> {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| op.method_name() == name)
}

/// The bounds of `max_records` for `operation`: from its smallest page to
/// [`MAX_PAGES`] of its largest.
pub fn max_records_bounds(operation: Operation) -> (i64, i64) {
    match operation.pagination() {
        Some(p) => {
            let largest = p.max_limit.unwrap_or(p.default_page_size);
            (p.min_limit.max(1), largest * MAX_PAGES)
        }
        None => (1, 1),
    }
}

/// The parameters an assistant gives: not the path (the project is the
/// server's) and not the paging ones.
pub fn given_parameters(operation: Operation) -> impl Iterator<Item = &'static Parameter> {
    let paging = operation.pagination();
    operation.parameters().iter().filter(move |p| {
        p.location == ParameterLocation::Query
            && paging.is_none_or(|g| p.name != g.offset && p.name != g.limit)
    })
}

fn description(operation: Operation) -> String {
    let mut text = operation.summary().to_string();
    if !text.ends_with('.') {
        text.push('.');
    }
    if !operation.description().is_empty() {
        text.push(' ');
        text.push_str(operation.description());
    }
    if let Some(window) = operation.time_window() {
        text.push_str(&format!(
            " {} and {} (milliseconds since the epoch) bound the records' time",
            window.start, window.end
        ));
        text.push_str(&match window.field {
            Some(field) => format!(" (`{field}`)."),
            None => ".".to_string(),
        });
    }
    if let Some(paging) = operation.pagination() {
        if !paging.record_key.is_empty() {
            text.push_str(&format!(
                " A record is identified by {}.",
                paging.record_key.join(", ")
            ));
        }
        text.push_str(
            " Returns at most max_records records; when more exist, pass the returned cursor to go on exactly where this call stopped.",
        );
    }
    if let Some(limit) = operation.rate_limit() {
        text.push_str(&format!(
            " The service allows {} calls every {} s; calls wait for their turn rather than be refused.",
            limit.calls(),
            limit.window_seconds
        ));
    }
    text
}

fn input_schema(operation: Operation) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for parameter in given_parameters(operation) {
        properties.insert(parameter.name.to_string(), parameter_schema(parameter));
        if parameter.required {
            required.push(Value::from(parameter.name));
        }
    }
    if operation.pagination().is_some() {
        let (low, high) = max_records_bounds(operation);
        properties.insert(
            "max_records".into(),
            json!({
                "type": "integer",
                "minimum": low,
                "maximum": high,
                "default": DEFAULT_MAX_RECORDS.clamp(low, high),
                "description": "Records to return at most in this call.",
            }),
        );
        properties.insert(
            "cursor".into(),
            json!({
                "type": "string",
                "description": "The cursor a previous call returned: go on where it stopped. Give the same other arguments.",
            }),
        );
    }
    let mut out = Map::new();
    out.insert("type".into(), "object".into());
    out.insert("properties".into(), Value::Object(properties));
    out.insert("required".into(), Value::Array(required));
    out.insert("additionalProperties".into(), false.into());
    out
}

fn parameter_schema(parameter: &Parameter) -> Value {
    let mut schema = match value_schema(parameter.schema) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let mut text = parameter.description.to_string();
    if let Some(wildcard) = parameter.wildcard {
        text.push_str(&format!(" `{wildcard}` selects every record."));
    }
    schema.insert("description".into(), text.into());
    Value::Object(schema)
}

/// A JSON Schema of one of the spec's shapes.
pub fn value_schema(schema: &Schema) -> Value {
    match schema {
        Schema::Integer(i) => {
            let mut out = json!({"type": "integer", "minimum": i.lowest(), "maximum": i.highest()});
            if let Some(default) = i.default {
                out["default"] = default.into();
            }
            out
        }
        Schema::String(s) => {
            let mut out = json!({"type": "string"});
            if let Some(n) = s.min_length {
                out["minLength"] = n.into();
            }
            if let Some(n) = s.max_length {
                out["maxLength"] = n.into();
            }
            if let Some(p) = s.pattern {
                out["pattern"] = p.into();
            }
            if !s.values.is_empty() {
                let key = if s.closed { "enum" } else { "examples" };
                out[key] = s.values.into();
            }
            if let Some(d) = s.default {
                out["default"] = d.into();
            }
            out
        }
        Schema::Number => json!({"type": "number"}),
        Schema::Boolean { .. } => json!({"type": "boolean"}),
        Schema::Array(items) => json!({"type": "array", "items": value_schema(items)}),
        Schema::Object(fields) => {
            let properties: Map<String, Value> = fields
                .iter()
                .map(|f| (f.name.to_string(), value_schema(f.schema)))
                .collect();
            json!({"type": "object", "properties": properties})
        }
        Schema::OneOf(shapes) => {
            json!({"anyOf": shapes.iter().map(value_schema).collect::<Vec<_>>()})
        }
        _ => json!({}),
    }
}

fn output_schema(operation: Operation, schema: EventSchema) -> Map<String, Value> {
    let record = match (schema.siem(), operation.item_schema()) {
        (None, Some(item)) => value_schema(item),
        _ => json!({"type": "object"}),
    };
    let out = match operation.pagination() {
        Some(paging) => {
            let mut out = json!({
                "type": "object",
                "properties": {
                    "records": {"type": "array", "items": record},
                    "cursor": {"type": ["string", "null"], "description": "Pass it back to go on; null when the list is done."},
                    "requests_for_rest": {"type": "integer", "description": "Requests the rest of the list would take."},
                    "seconds_for_rest": {"type": "number", "description": "At least this long, at the calls the service allows."},
                },
                "required": ["records", "cursor"],
            });
            out["properties"][paging.total] = json!({
                "type": ["integer", "null"],
                "description": "Records the list holds, as the service last said.",
            });
            out
        }
        None => json!({"type": "object", "properties": {"response": {}}, "required": ["response"]}),
    };
    match out {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
