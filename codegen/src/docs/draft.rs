//! The spec nodes a page documents, written in this project's own words.
//!
//! [`Draft`] turns the facts of a [`Page`] (names, types, ranges, listed
//! values, defaults, the example) into OpenAPI nodes as [`Yaml`] trees:
//! an operation, its parameters, its response and the component schemas
//! the response tables name. Descriptions are made from the field name
//! and those facts; no sentence of the page is copied.
//!
//! Conventions of the spec this follows:
//!
//! - Every object is kept open (`additionalProperties: {}`).
//! - Listed values of a response field become a named component with
//!   `x-extensible-enum` (an open enumeration); listed values of a
//!   parameter become its `enum`.
//! - `Integer` is int32 and `Long` is int64.
//! - A parameter the spec already holds as a component (same name, place,
//!   required flag, type, and the same range and values where the page
//!   gives them) is used by `$ref`.

use serde_json::Value;

use super::Rule;
use super::page::{Page, Place, Range, Row, Table};
use crate::check::resolve;
use crate::positions::escape;
use crate::yaml_edit::Yaml;

/// The media type every body is read and written as.
pub const JSON: &str = "application/json";

/// Spec nodes built from one page.
#[derive(Debug, Clone)]
pub struct Draft<'p> {
    page: &'p Page,
    operation_id: String,
    /// Whether the operationId was made up from the method and path
    /// because the page has no SDK sample.
    pub derived_id: bool,
}

/// A component schema the draft needs, with its name.
pub type NewSchema = (String, Yaml);

/// Names the shared error responses are usually given, with their status.
const ERROR_RESPONSES: [(&str, &str); 11] = [
    ("BadRequest", "400"),
    ("Unauthorized", "401"),
    ("Forbidden", "403"),
    ("NotFound", "404"),
    ("MethodNotAllowed", "405"),
    ("Conflict", "409"),
    ("TooManyRequests", "429"),
    ("InternalServerError", "500"),
    ("BadGateway", "502"),
    ("ServiceUnavailable", "503"),
    ("GatewayTimeout", "504"),
];

impl<'p> Draft<'p> {
    /// A draft for `page`.
    pub fn new(page: &'p Page) -> Self {
        let (operation_id, derived_id) = match &page.operation_id {
            Some(id) => (id.clone(), false),
            None => (derived_operation_id(page), true),
        };
        Self {
            page,
            operation_id,
            derived_id,
        }
    }

    /// The page.
    pub fn page(&self) -> &'p Page {
        self.page
    }

    /// The operationId: the SDK sample's, or one made from the method and
    /// path.
    pub fn operation_id(&self) -> &str {
        &self.operation_id
    }

    /// JSON pointer of the page's operation in the spec.
    pub fn operation_pointer(&self) -> String {
        format!(
            "/paths/{}/{}",
            escape(&self.page.path),
            self.page.method.to_ascii_lowercase()
        )
    }

    /// The name of the response body schema.
    pub fn response_name(&self) -> String {
        format!("{}Response", self.operation_id)
    }

    /// The whole operation, and the component schemas it needs that `doc`
    /// does not have yet.
    pub fn operation(&self, doc: &Value) -> (Yaml, Vec<NewSchema>) {
        let mut new = Vec::new();
        let mut entries: Vec<(String, Yaml)> = vec![
            ("operationId".into(), Yaml::str(&self.operation_id)),
            ("tags".into(), Yaml::Seq(vec![Yaml::str(self.tag(doc))])),
            ("summary".into(), Yaml::str(sentence(&self.operation_id))),
            ("security".into(), security(doc)),
        ];
        let mut parameters = Vec::new();
        for place in [Place::Path, Place::Query, Place::Header] {
            for row in self.page.parameters(place) {
                if place == Place::Header && header_scheme(doc, &row.name).is_some() {
                    continue;
                }
                parameters.push(self.parameter(doc, row, place));
            }
        }
        if !parameters.is_empty() {
            entries.push(("parameters".into(), Yaml::Seq(parameters)));
        }
        if let Some(table) = self.page.request_body() {
            let name = format!("{}RequestBody", self.operation_id);
            let schema = self.schema_ref(doc, &name, table, &mut new);
            entries.push((
                "requestBody".into(),
                Yaml::map([
                    ("required", Yaml::Scalar(Value::Bool(true))),
                    (
                        "content",
                        Yaml::map([(JSON, Yaml::map([("schema", schema)]))]),
                    ),
                ]),
            ));
        }
        let mut responses = vec![(
            self.page.success_status(),
            self.success_response(doc, &mut new),
        )];
        responses.extend(error_responses(doc));
        entries.push(("responses".into(), Yaml::Map(responses)));
        (Yaml::Map(entries), new)
    }

    /// The success response: description, schema and example.
    pub fn success_response(&self, doc: &Value, new: &mut Vec<NewSchema>) -> Yaml {
        let mut media = Vec::new();
        if let Some(table) = self.page.response() {
            let schema = self.schema_ref(doc, &self.response_name(), table, new);
            media.push(("schema".to_string(), schema));
        }
        if let Some(examples) = self.examples() {
            media.push(("examples".to_string(), examples));
        }
        let mut response = vec![(
            "description".to_string(),
            Yaml::str(format!("Successful response of {}.", self.operation_id)),
        )];
        if !media.is_empty() {
            response.push(("content".into(), Yaml::map([(JSON, Yaml::Map(media))])));
        }
        Yaml::Map(response)
    }

    /// The page's example response as the value of an `examples` entry.
    pub fn examples(&self) -> Option<Yaml> {
        Some(Yaml::map([(
            "documented",
            Yaml::map([
                (
                    "summary",
                    Yaml::str("Example response from the API reference page"),
                ),
                ("value", self.example_value()?),
            ]),
        )]))
    }

    /// The page's example response, as the page lays it out.
    pub fn example_value(&self) -> Option<Yaml> {
        let example = self.page.example.as_ref()?;
        Some(Yaml::Json {
            text: example.text.clone(),
            value: example.value.clone(),
        })
    }

    /// The tag: the page's section of the reference, else the one tag the
    /// spec's operations (or its tag list) use, else the first part of the
    /// path after the version and project.
    fn tag(&self, doc: &Value) -> String {
        if let Some(section) = &self.page.section {
            return section.clone();
        }
        let mut used: Vec<String> = Vec::new();
        for (_, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (_, op) in item.as_object().into_iter().flatten() {
                for tag in op
                    .get("tags")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(t) = tag.as_str()
                        && !used.iter().any(|u| u == t)
                    {
                        used.push(t.to_string());
                    }
                }
            }
        }
        if used.is_empty() {
            used = doc
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
                .collect();
        }
        if used.len() == 1 {
            return used.remove(0);
        }
        static_segments(&self.page.path)
            .first()
            .map(|s| sentence(s))
            .unwrap_or_else(|| "Default".into())
    }

    /// A parameter: a `$ref` to a matching component, else written out.
    pub fn parameter(&self, doc: &Value, row: &Row, place: Place) -> Yaml {
        if let Some(name) = matching_component(doc, row, place) {
            return Yaml::map([(
                "$ref",
                Yaml::str(format!("#/components/parameters/{}", escape(&name))),
            )]);
        }
        self.inline_parameter(row, place)
    }

    /// A parameter written out, never by `$ref`.
    pub fn inline_parameter(&self, row: &Row, place: Place) -> Yaml {
        let required = row.mandatory.unwrap_or(place == Place::Path) || place == Place::Path;
        Yaml::map([
            ("name", Yaml::str(&row.name)),
            ("in", Yaml::str(place.as_str())),
            ("required", Yaml::Scalar(Value::Bool(required))),
            ("description", Yaml::str(describe(row))),
            ("schema", parameter_schema(row)),
        ])
    }

    /// The schema of property `row` of an object, and the components it
    /// needs.
    pub fn property(&self, doc: &Value, row: &Row, new: &mut Vec<NewSchema>) -> Yaml {
        if let Some(name) = object_name(&row.kind) {
            let target = match self.page.object(name) {
                Some(table) => self.schema_ref(doc, name, table, new),
                None => open_object(&format!("{}.", sentence(name))),
            };
            return if row.kind.starts_with("Array of ") {
                Yaml::map([
                    ("type", Yaml::str("array")),
                    ("description", Yaml::str(describe(row))),
                    ("items", target),
                ])
            } else {
                target
            };
        }
        if !row.values.is_empty() && row.kind == "String" {
            let schema = Yaml::map([
                ("type", Yaml::str("string")),
                (
                    "description",
                    Yaml::str(format!(
                        "{}: one of {}. Other values are kept as they came.",
                        sentence(&row.name),
                        row.values.join(", ")
                    )),
                ),
                (
                    "x-extensible-enum",
                    Yaml::Seq(row.values.iter().map(Yaml::str).collect()),
                ),
            ]);
            let name = free_name(doc, new, &pascal(&row.name), &schema);
            add_schema(new, &name, schema);
            return reference(&name);
        }
        let mut entries = type_entries(&row.kind);
        entries.push(("description".into(), Yaml::str(describe(row))));
        Yaml::Map(entries)
    }

    /// A `$ref` to the object schema `name` described by `table`, adding
    /// the schema (and what it needs) unless `doc` has it already.
    fn schema_ref(&self, doc: &Value, name: &str, table: &Table, new: &mut Vec<NewSchema>) -> Yaml {
        let exists = doc
            .pointer(&format!("/components/schemas/{}", escape(name)))
            .is_some();
        if !exists && !new.iter().any(|(n, _)| n == name) {
            // Reserve the name first, so a table that names itself ends.
            new.push((name.to_string(), Yaml::Map(Vec::new())));
            let schema = self.object(doc, name, table, new);
            if let Some(slot) = new.iter_mut().find(|(n, _)| n == name) {
                slot.1 = schema;
            }
        }
        reference(name)
    }

    /// The object schema of a table.
    fn object(&self, doc: &Value, name: &str, table: &Table, new: &mut Vec<NewSchema>) -> Yaml {
        let description = if *name == self.response_name() {
            format!("Response body of {}.", self.operation_id)
        } else {
            format!("{}.", sentence(name))
        };
        let mut properties = Vec::new();
        for row in &table.rows {
            properties.push((row.name.clone(), self.property(doc, row, new)));
        }
        Yaml::map([
            ("type", Yaml::str("object")),
            ("description", Yaml::str(description)),
            ("additionalProperties", Yaml::Map(Vec::new())),
            ("properties", Yaml::Map(properties)),
        ])
    }

    /// A string-or-other schema for a field whose table type and example
    /// value disagree, named after the field, with the acknowledgement.
    pub fn either(&self, doc: &Value, row: &Row, sent: &Value, new: &mut Vec<NewSchema>) -> Yaml {
        let documented = Yaml::Map(type_entries(&row.kind));
        let observed = Yaml::Map(value_type(sent));
        let schema = Yaml::map([
            (
                "description",
                Yaml::str(format!(
                    "{}, sent as {} or as {}.",
                    sentence(&row.name),
                    type_word(&row.kind),
                    json_type(sent)
                )),
            ),
            (
                "x-acknowledged",
                Yaml::Seq(vec![acknowledgement(
                    &row.name,
                    &[Rule::FieldType, Rule::ExampleType],
                    &format!(
                        "The table types it {} but the example sends {}; both forms are accepted.",
                        row.kind,
                        json_type(sent)
                    ),
                )]),
            ),
            ("oneOf", Yaml::Seq(vec![documented, observed])),
        ]);
        let name = free_name(doc, new, &pascal(&row.name), &schema);
        add_schema(new, &name, schema);
        reference(&name)
    }
}

/// An `x-acknowledged` entry.
pub fn acknowledgement(field: &str, rules: &[Rule], reason: &str) -> Yaml {
    let difference = match rules {
        [one] => Yaml::str(one.as_str()),
        many => Yaml::Seq(many.iter().map(|r| Yaml::str(r.as_str())).collect()),
    };
    Yaml::map([
        ("field", Yaml::str(field)),
        ("difference", difference),
        ("reason", Yaml::str(reason)),
    ])
}

/// A `$ref` to component schema `name`.
pub fn reference(name: &str) -> Yaml {
    Yaml::map([(
        "$ref",
        Yaml::str(format!("#/components/schemas/{}", escape(name))),
    )])
}

fn add_schema(new: &mut Vec<NewSchema>, name: &str, schema: Yaml) {
    if !new.iter().any(|(n, _)| n == name) {
        new.push((name.to_string(), schema));
    }
}

/// `base` when no schema (in the spec or about to be added) has that name
/// or the one there is `schema` itself; else `base2`, `base3`, ...
fn free_name(doc: &Value, new: &[NewSchema], base: &str, schema: &Yaml) -> String {
    let value = schema.to_value();
    for n in 1.. {
        let name = if n == 1 {
            base.to_string()
        } else {
            format!("{base}{n}")
        };
        let existing = doc
            .pointer(&format!("/components/schemas/{}", escape(&name)))
            .cloned()
            .or_else(|| {
                new.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, s)| s.to_value())
            });
        match existing {
            None => return name,
            Some(e) if e == value => return name,
            Some(_) => {}
        }
    }
    base.to_string()
}

/// An open object with a description.
fn open_object(description: &str) -> Yaml {
    Yaml::map([
        ("type", Yaml::str("object")),
        ("description", Yaml::str(description)),
        ("additionalProperties", Yaml::Map(Vec::new())),
    ])
}

/// `X` of `Array of X objects` or `X object`.
pub fn object_name(kind: &str) -> Option<&str> {
    kind.strip_prefix("Array of ")
        .and_then(|rest| rest.strip_suffix(" objects"))
        .or_else(|| kind.strip_suffix(" object"))
}

/// The page types of single values.
const SCALARS: [&str; 8] = [
    "String",
    "Integer",
    "Long",
    "Boolean",
    "Float",
    "Double",
    "Number",
    "BigDecimal",
];

/// The `type` (and `format`, `items`) of a page type.
pub fn type_entries(kind: &str) -> Vec<(String, Yaml)> {
    let t = |s: &str| ("type".to_string(), Yaml::str(s));
    let f = |s: &str| ("format".to_string(), Yaml::str(s));
    match kind {
        "String" => vec![t("string")],
        "Integer" => vec![t("integer"), f("int32")],
        "Long" => vec![t("integer"), f("int64")],
        "Boolean" => vec![t("boolean")],
        "Float" => vec![t("number"), f("float")],
        "Double" => vec![t("number"), f("double")],
        "Number" | "BigDecimal" => vec![t("number")],
        k if k.starts_with("Array of ") => {
            let item = capitalize(&k["Array of ".len()..]);
            let singular = item.strip_suffix('s').unwrap_or(&item).to_string();
            let item = if SCALARS.contains(&item.as_str()) {
                item
            } else {
                singular
            };
            vec![t("array"), ("items".into(), Yaml::Map(type_entries(&item)))]
        }
        _ => vec![
            t("object"),
            ("additionalProperties".into(), Yaml::Map(Vec::new())),
        ],
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The schema entries for the JSON type of `value`.
pub(crate) fn value_type(value: &Value) -> Vec<(String, Yaml)> {
    match value {
        Value::String(_) => type_entries("String"),
        Value::Number(n) if n.is_i64() || n.is_u64() => type_entries("Long"),
        Value::Number(_) => type_entries("Double"),
        Value::Bool(_) => type_entries("Boolean"),
        Value::Array(_) => vec![
            ("type".into(), Yaml::str("array")),
            ("items".into(), Yaml::Map(Vec::new())),
        ],
        _ => type_entries("Object"),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        Value::Null => "null",
    }
}

fn type_word(kind: &str) -> String {
    match kind {
        "String" => "a string".into(),
        "Integer" | "Long" => "an integer".into(),
        "Boolean" => "a boolean".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// The schema of a parameter: its type, range, default and listed values.
pub fn parameter_schema(row: &Row) -> Yaml {
    let mut entries = type_entries(&row.kind);
    if let Some(range) = row.range {
        let (low, high) = if range.length {
            ("minLength", "maxLength")
        } else {
            ("minimum", "maximum")
        };
        entries.push((low.into(), Yaml::Scalar(number(range.min))));
        entries.push((high.into(), Yaml::Scalar(number(range.max))));
    }
    if let Some(default) = &row.default {
        entries.push(("default".into(), Yaml::Scalar(typed(&row.kind, default))));
    }
    if !row.values.is_empty() {
        entries.push((
            "enum".into(),
            Yaml::Seq(
                row.values
                    .iter()
                    .map(|v| Yaml::Scalar(typed(&row.kind, v)))
                    .collect(),
            ),
        ));
    }
    Yaml::Map(entries)
}

/// A bound as a JSON number (an integer when it is whole).
pub fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// A value as written on the page, typed as the page's type says.
fn typed(kind: &str, text: &str) -> Value {
    match kind {
        "Integer" | "Long" => text.parse::<i64>().map(Value::from).ok(),
        "Float" | "Double" | "Number" => text.parse::<f64>().ok().map(number),
        "Boolean" => text.parse::<bool>().map(Value::Bool).ok(),
        _ => None,
    }
    .unwrap_or_else(|| Value::String(text.to_string()))
}

/// A description made from the name and the page's facts:
/// `Limit: 10 to 200; default 10.`
pub fn describe(row: &Row) -> String {
    let mut facts = Vec::new();
    if let Some(range) = row.range {
        facts.push(range_words(range));
    }
    if !row.values.is_empty() {
        facts.push(format!("one of {}", row.values.join(", ")));
    }
    if let Some(default) = &row.default {
        facts.push(format!("default {default}"));
    }
    if facts.is_empty() {
        format!("{}.", sentence(&row.name))
    } else {
        format!("{}: {}.", sentence(&row.name), facts.join("; "))
    }
}

fn range_words(range: Range) -> String {
    let n = |v: f64| thousands(&number(v).to_string());
    if range.length {
        format!("{} to {} characters", n(range.min), n(range.max))
    } else {
        format!("{} to {}", n(range.min), n(range.max))
    }
}

/// `2000000` as `2,000,000`.
fn thousands(digits: &str) -> String {
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() <= 4 {
        return digits.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The words of a name (`snake_case`, `camelCase`, `PascalCase`,
/// `kebab-case`), lower-cased.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == ' ' || c == '.' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && !current.is_empty()
            && (chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            out.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `cluster_name` as `Cluster name`.
pub fn sentence(name: &str) -> String {
    capitalize(&words(name).join(" "))
}

/// `line_num` as `LineNum`.
pub fn pascal(name: &str) -> String {
    words(name).iter().map(|w| capitalize(w)).collect()
}

/// A name compared loosely: lower case, without `_` and `-`.
pub fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The path segments that are not parameters, after the version segment.
fn static_segments(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .skip_while(|s| s.len() <= 3 && s.starts_with('v'))
        .collect()
}

/// An operationId for a page without SDK sample: a verb for the method
/// and the path's fixed segments, `GET /v5/{p}/cluster-protect/events`
/// giving `ListClusterProtectEvents` (`Show` when nothing is listed).
fn derived_operation_id(page: &Page) -> String {
    let lists = page
        .response()
        .is_some_and(|t| t.rows.iter().any(|r| r.kind.starts_with("Array of ")));
    let verb = match page.method.as_str() {
        "GET" if lists => "List",
        "GET" => "Show",
        "POST" => "Create",
        "PUT" | "PATCH" => "Update",
        "DELETE" => "Delete",
        other => other,
    };
    let rest: String = static_segments(&page.path)
        .iter()
        .map(|s| pascal(s))
        .collect();
    format!("{}{rest}", capitalize(&verb.to_ascii_lowercase()))
}

/// The security requirements of a new operation: the spec's root ones,
/// else each scheme on its own.
fn security(doc: &Value) -> Yaml {
    if let Some(root) = doc.get("security").filter(|s| s.is_array()) {
        return Yaml::from_value(root);
    }
    Yaml::Seq(
        doc.pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, _)| Yaml::map([(name.as_str(), Yaml::Seq(Vec::new()))]))
            .collect(),
    )
}

/// The error responses of a new operation: those the spec's operations
/// share by `$ref`, else the shared responses known by their usual names.
fn error_responses(doc: &Value) -> Vec<(String, Yaml)> {
    let shared = doc
        .pointer("/components/responses")
        .and_then(Value::as_object);
    for (_, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (_, op) in item.as_object().into_iter().flatten() {
            let refs: Vec<(String, Yaml)> = op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(status, r)| !status.starts_with('2') && r.get("$ref").is_some())
                .map(|(status, r)| (status.clone(), Yaml::from_value(r)))
                .collect();
            if !refs.is_empty() {
                return refs;
            }
        }
    }
    ERROR_RESPONSES
        .iter()
        .filter(|(name, _)| shared.is_some_and(|s| s.contains_key(*name)))
        .map(|(name, status)| {
            (
                status.to_string(),
                Yaml::map([("$ref", Yaml::str(format!("#/components/responses/{name}")))]),
            )
        })
        .collect()
}

/// The security scheme that sends header `name`.
pub fn header_scheme(doc: &Value, name: &str) -> Option<String> {
    doc.pointer("/components/securitySchemes")
        .and_then(Value::as_object)?
        .iter()
        .find(|(_, s)| {
            s.get("in").and_then(Value::as_str) == Some("header")
                && s.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .map(|(key, _)| key.clone())
}

/// The component parameter that says what `row` says.
fn matching_component(doc: &Value, row: &Row, place: Place) -> Option<String> {
    let components = doc.pointer("/components/parameters")?.as_object()?;
    components.iter().find_map(|(key, p)| {
        let p = resolve(doc, p)?;
        let schema = p.get("schema").and_then(|s| resolve(doc, s))?;
        let wanted = type_entries(&row.kind);
        let same_type = wanted
            .iter()
            .all(|(k, v)| schema.get(k) == Some(&v.to_value()));
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let range_ok = row.range.is_none_or(|r| {
            let (low, high) = if r.length {
                ("minLength", "maxLength")
            } else {
                ("minimum", "maximum")
            };
            schema.get(low).and_then(Value::as_f64) == Some(r.min)
                && schema.get(high).and_then(Value::as_f64) == Some(r.max)
        });
        let values_ok = row.values.is_empty()
            || schema
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| {
                    e.iter()
                        .filter_map(Value::as_str)
                        .eq(row.values.iter().map(String::as_str))
                });
        let ok = p.get("name").and_then(Value::as_str) == Some(row.name.as_str())
            && p.get("in").and_then(Value::as_str) == Some(place.as_str())
            && row.mandatory.is_none_or(|m| m == required)
            && same_type
            && range_ok
            && values_ok;
        ok.then(|| key.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            words("ListClusterEventLogs"),
            ["list", "cluster", "event", "logs"]
        );
        assert_eq!(
            words("enterpriseProjectId"),
            ["enterprise", "project", "id"]
        );
        assert_eq!(words("HTTPServer_x"), ["http", "server", "x"]);
        assert_eq!(sentence("cluster_name"), "Cluster name");
        assert_eq!(pascal("line_num"), "LineNum");
        assert_eq!(loose("projectId"), loose("project_id"));
        assert_eq!(thousands("2000000"), "2,000,000");
        assert_eq!(thousands("200"), "200");
    }

    #[test]
    fn array_types() {
        let v = |k: &str| Yaml::Map(type_entries(k)).to_value();
        assert_eq!(
            v("Array of strings"),
            serde_json::json!({"type": "array", "items": {"type": "string"}})
        );
        assert_eq!(
            v("Array of Long"),
            serde_json::json!({"type": "array", "items": {"type": "integer", "format": "int64"}})
        );
        assert_eq!(
            v("Array of integers"),
            serde_json::json!({"type": "array", "items": {"type": "integer", "format": "int32"}})
        );
    }

    #[test]
    fn derived_ids() {
        let page = Page {
            method: "GET".into(),
            path: "/v5/{project_id}/cluster-protect/events".into(),
            ..Page::default()
        };
        assert_eq!(derived_operation_id(&page), "ShowClusterProtectEvents");
    }
}
