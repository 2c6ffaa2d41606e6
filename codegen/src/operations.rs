//! Every operation of the spec as a model: its names, method and path, its
//! parameters with their bounds and defaults, how it pages and the time
//! window its parameters span. [`emit`] turns the models into the
//! generated operations module of `hss-client`, [`readme`] into the
//! README's table of operations.
//!
//! Pagination follows the HSS convention unless the operation says
//! otherwise: an operation pages when it has integer `offset` and `limit`
//! query parameters and its 200 response is an object with an integer
//! `total_num` and an array `data_list`. The `x-pagination` extension on an
//! operation names other parameters and fields (`offset`, `limit`,
//! `total`, `items`), or, set to `false`, switches paging off.
//!
//! The `x-time-window` extension on an operation names two integer query
//! parameters (`start`, `end`) that bound a time window, and optionally the
//! record field they bound (`field`): `start` must not be after `end`.
//!
//! The `x-wildcard` extension on a parameter names a value that selects
//! every record rather than the records holding that value.
//!
//! The `x-rate-limit` extension, at the top level or on an operation (which
//! then replaces the top-level one), says how often the service lets the
//! operation be called: calls per `window-seconds` by one user
//! (`per-user`), from one address (`per-ip`) and by everyone (`overall`),
//! with the `source` that documents it.
//!
//! The `x-record-key` extension on the schema of a paginated operation's
//! records lists the properties that identify a record; `x-record-version`
//! names the property that changes whenever the record does.

pub mod emit;
pub mod readme;
pub mod siem;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::check::{OperationRef, operations, parameters};
use crate::error::Finding;
use crate::source::SpecSource;

pub use crate::shapes::{FieldModel, SchemaModel};

/// The path parameter the client fills in from its configuration.
pub const PROJECT_ID: &str = "project_id";

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationModel {
    /// The spec's operationId.
    pub operation_id: String,
    /// The Rust name of the request builder type (progenitor's).
    pub type_name: String,
    /// The Rust name of the client method (progenitor's).
    pub method_name: String,
    /// The HTTP method, uppercase.
    pub http_method: String,
    /// The path template.
    pub path: String,
    /// The summary.
    pub summary: String,
    /// The description.
    pub description: String,
    /// Every parameter, path item level first, in spec order.
    pub parameters: Vec<ParameterModel>,
    /// How it pages, when it does.
    pub pagination: Option<PaginationModel>,
    /// The time window its parameters span, when they do.
    pub time_window: Option<TimeWindowModel>,
    /// The 200 response body, when it is JSON.
    pub response: Option<ResponseModel>,
    /// How often the service lets it be called (`x-rate-limit`).
    pub rate_limit: Option<RateLimitModel>,
}

/// `x-rate-limit`: calls per window the service allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitModel {
    /// The window, in seconds.
    pub window_seconds: u64,
    /// Calls per window by one user.
    pub per_user: Option<u64>,
    /// Calls per window from one source address.
    pub per_ip: Option<u64>,
    /// Calls per window by everyone.
    pub overall: Option<u64>,
    /// Where the limit is documented.
    pub source: String,
}

impl RateLimitModel {
    /// The calls per window one client may make: the smallest of the
    /// limits.
    pub fn budget(&self) -> u64 {
        [self.per_user, self.per_ip, self.overall]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(u64::MAX)
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The URL path.
    Path,
    /// The query string.
    Query,
    /// A header.
    Header,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterModel {
    /// The wire name.
    pub name: String,
    /// The builder method's name (progenitor's).
    pub rust_name: String,
    /// Where it travels.
    pub location: Location,
    /// Whether it is required.
    pub required: bool,
    /// The description.
    pub description: String,
    /// Its schema.
    pub schema: SchemaModel,
    /// `x-wildcard`.
    pub wildcard: Option<String>,
}

/// The 200 response body.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseModel {
    /// The Rust type progenitor gives it (in `types`).
    pub type_name: String,
    /// Its shape.
    pub schema: SchemaModel,
}

/// How an operation pages.
#[derive(Debug, Clone, PartialEq)]
pub struct PaginationModel {
    /// The offset parameter.
    pub offset: String,
    /// The limit parameter.
    pub limit: String,
    /// The total field.
    pub total: String,
    /// The items field.
    pub items: String,
    /// Smallest page size.
    pub min_limit: i64,
    /// Largest page size, when given.
    pub max_limit: Option<i64>,
    /// Largest offset.
    pub max_offset: i64,
    /// Default page size of streams.
    pub default_page_size: i64,
    /// Whether the total field is required (a plain integer in Rust).
    pub total_required: bool,
    /// The Rust type of one item (in `types`).
    pub item_type: String,
    /// The record properties that identify a record (`x-record-key`);
    /// empty when the whole record is its identity.
    pub record_key: Vec<String>,
    /// The record property that tells a record's versions apart
    /// (`x-record-version`).
    pub record_version: Option<String>,
    /// How a record becomes a SIEM event (`x-siem`), a schema each.
    pub siem: Vec<crate::siem::MappingModel>,
}

/// `x-time-window`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeWindowModel {
    /// The start parameter.
    pub start: String,
    /// The end parameter.
    pub end: String,
    /// The record field bounded.
    pub field: Option<String>,
}

#[derive(Debug, Clone)]
struct PaginationNames {
    offset: String,
    limit: String,
    total: String,
    items: String,
}

impl PaginationNames {
    /// The HSS convention's names.
    fn convention() -> Self {
        Self {
            offset: "offset".into(),
            limit: "limit".into(),
            total: "total_num".into(),
            items: "data_list".into(),
        }
    }
}

/// Reads every operation of `source`. Malformed extensions, and
/// operations that cannot be described (a paginated operation whose page
/// size has neither a maximum nor a default, say), are findings.
pub fn collect(source: &SpecSource) -> Result<Vec<OperationModel>, Vec<Finding>> {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for op in operations(&source.value) {
        match operation(source, &op) {
            Ok(model) => out.push(model),
            Err(mut more) => findings.append(&mut more),
        }
    }
    if findings.is_empty() {
        Ok(out)
    } else {
        Err(findings)
    }
}

fn operation(source: &SpecSource, op: &OperationRef<'_>) -> Result<OperationModel, Vec<Finding>> {
    let doc = &source.value;
    let operation_id = op.operation_id().unwrap_or_default().to_string();
    let mut findings = Vec::new();
    let parameters_out = parameter_models(source, op, &mut findings);
    let response = success_schema(doc, op).map(|(type_name, body)| ResponseModel {
        type_name: type_name
            .unwrap_or_else(|| sanitize_pascal(&format!("{operation_id}-response"))),
        schema: schema(doc, body, &mut BTreeSet::new()),
    });
    let (pagination, time_window) = paging(source, op, &parameters_out, &response, &mut findings);
    let rate_limit = match rate_limit(source, op) {
        Ok(limit) => limit,
        Err(finding) => {
            findings.push(finding);
            None
        }
    };
    if !findings.is_empty() {
        return Err(findings);
    }
    Ok(OperationModel {
        type_name: sanitize_pascal(&operation_id),
        method_name: sanitize_snake(&operation_id),
        http_method: op.method.to_uppercase(),
        path: op.path.to_string(),
        summary: text(op.operation.get("summary")),
        description: text(op.operation.get("description")),
        parameters: parameters_out,
        pagination,
        time_window,
        response,
        rate_limit,
        operation_id,
    })
}

/// The models of `op`'s path, query and header parameters; a malformed
/// `x-wildcard` is added to `findings`.
fn parameter_models(
    source: &SpecSource,
    op: &OperationRef<'_>,
    findings: &mut Vec<Finding>,
) -> Vec<ParameterModel> {
    let doc = &source.value;
    let mut out = Vec::new();
    for (at, parameter) in parameters(doc, op) {
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let location = match parameter.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            _ => continue,
        };
        let schema = parameter
            .get("schema")
            .map(|s| schema(doc, s, &mut BTreeSet::new()))
            .unwrap_or(SchemaModel::Any);
        let wildcard = match parameter.get("x-wildcard") {
            None => None,
            Some(Value::String(value)) => Some(value.clone()),
            Some(_) => {
                findings.push(source.finding(
                    "x-wildcard",
                    &format!("{at}/x-wildcard"),
                    format!("x-wildcard of parameter {name} must be a string"),
                ));
                None
            }
        };
        out.push(ParameterModel {
            rust_name: sanitize_snake(&name),
            location,
            required: parameter
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            description: text(parameter.get("description")),
            schema,
            wildcard,
            name,
        });
    }
    out
}

/// How `op` pages, and its time window; what is malformed is added to
/// `findings`.
fn paging(
    source: &SpecSource,
    op: &OperationRef<'_>,
    parameters: &[ParameterModel],
    response: &Option<ResponseModel>,
    findings: &mut Vec<Finding>,
) -> (Option<PaginationModel>, Option<TimeWindowModel>) {
    let pagination = match pagination(source, op, parameters) {
        Ok(p) => p,
        Err(finding) => {
            findings.push(finding);
            // A time window's field is checked against the records'
            // schema, which a broken pagination leaves unknown: that would
            // only say the same thing again.
            return (None, None);
        }
    };
    let time_window = match time_window(source, op, parameters, pagination.as_ref(), response) {
        Ok(w) => w,
        Err(finding) => {
            findings.push(finding);
            None
        }
    };
    (pagination, time_window)
}

/// The `x-rate-limit` that applies to `op`: its own, else the top-level
/// one. A malformed one is a finding.
pub fn rate_limit(
    source: &SpecSource,
    op: &OperationRef<'_>,
) -> Result<Option<RateLimitModel>, Finding> {
    let (at, extension) = match op.operation.get("x-rate-limit") {
        Some(own) => (format!("{}/x-rate-limit", op.pointer()), own),
        None => match source.value.get("x-rate-limit") {
            Some(top) => ("/x-rate-limit".to_string(), top),
            None => return Ok(None),
        },
    };
    let bad = |message: String| source.finding("x-rate-limit", &at, message);
    let Some(map) = extension.as_object() else {
        return Err(bad(
            "x-rate-limit must be a mapping (window-seconds, per-user, per-ip, overall, source)"
                .into(),
        ));
    };
    let known = ["window-seconds", "per-user", "per-ip", "overall", "source"];
    if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(bad(format!(
            "x-rate-limit has the unknown key {key}; it takes {}",
            known.join(", ")
        )));
    }
    let count = |key: &str| -> Result<Option<u64>, Finding> {
        match map.get(key) {
            None => Ok(None),
            Some(value) => match value.as_u64() {
                Some(n) if n >= 1 => Ok(Some(n)),
                _ => Err(bad(format!(
                    "x-rate-limit {key} must be a whole number of calls, at least 1, got {value}"
                ))),
            },
        }
    };
    let Some(window_seconds) = count("window-seconds")? else {
        return Err(bad("x-rate-limit needs window-seconds".into()));
    };
    let (per_user, per_ip, overall) = (count("per-user")?, count("per-ip")?, count("overall")?);
    if per_user.is_none() && per_ip.is_none() && overall.is_none() {
        return Err(bad(
            "x-rate-limit needs at least one of per-user, per-ip and overall".into(),
        ));
    }
    let source_text = match map.get("source") {
        Some(Value::String(text)) if !text.trim().is_empty() => {
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        }
        _ => {
            return Err(bad(
                "x-rate-limit needs a source: where the limit is documented".into(),
            ));
        }
    };
    Ok(Some(RateLimitModel {
        window_seconds,
        per_user,
        per_ip,
        overall,
        source: source_text,
    }))
}

/// `x-record-key` and `x-record-version` of a record schema: the key
/// properties (empty without the extension) and the version property.
fn record_identity(
    source: &SpecSource,
    item_ref: &str,
    item: &Value,
) -> Result<(Vec<String>, Option<String>), Finding> {
    let at = item_ref.trim_start_matches('#');
    let properties = item.get("properties").and_then(Value::as_object);
    let is_property = |name: &str| properties.is_some_and(|p| p.contains_key(name));
    let key = match item.get("x-record-key") {
        None => Vec::new(),
        Some(value) => {
            let names: Option<Vec<String>> = value.as_array().and_then(|list| {
                list.iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
            let Some(names) = names.filter(|n| !n.is_empty()) else {
                return Err(source.finding(
                    "x-record-key",
                    &format!("{at}/x-record-key"),
                    "x-record-key must be a non-empty list of property names",
                ));
            };
            if let Some(name) = names.iter().find(|n| !is_property(n)) {
                return Err(source.finding(
                    "x-record-key",
                    &format!("{at}/x-record-key"),
                    format!("x-record-key names {name}, which is not a property of the record"),
                ));
            }
            let mut unique = BTreeSet::new();
            if let Some(name) = names.iter().find(|n| !unique.insert(n.as_str())) {
                return Err(source.finding(
                    "x-record-key",
                    &format!("{at}/x-record-key"),
                    format!("x-record-key names {name} twice"),
                ));
            }
            names
        }
    };
    let version = match item.get("x-record-version") {
        None => None,
        Some(Value::String(name)) if is_property(name) => Some(name.clone()),
        Some(Value::String(name)) => {
            return Err(source.finding(
                "x-record-version",
                &format!("{at}/x-record-version"),
                format!("x-record-version names {name}, which is not a property of the record"),
            ));
        }
        Some(_) => {
            return Err(source.finding(
                "x-record-version",
                &format!("{at}/x-record-version"),
                "x-record-version must be the name of a property",
            ));
        }
    };
    Ok((key, version))
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The 200 (else first 2xx) response's JSON schema, with the component
/// name when it is a `$ref` to one.
fn success_schema<'a>(
    doc: &'a Value,
    op: &OperationRef<'a>,
) -> Option<(Option<String>, &'a Value)> {
    let responses = op.operation.get("responses")?.as_object()?;
    let response = responses.get("200").or_else(|| {
        responses
            .iter()
            .find(|(status, _)| status.starts_with('2'))
            .map(|(_, r)| r)
    })?;
    let response = crate::check::resolve(doc, response)?;
    let content = response.get("content")?.as_object()?;
    let media = content
        .iter()
        .find(|(media, _)| is_json(media))
        .map(|(_, m)| m)?;
    let raw = media.get("schema")?;
    let name = raw
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(sanitize_pascal);
    let body = crate::check::resolve(doc, raw)?;
    Some((name, body))
}

/// Whether a media type is JSON (`application/json`, with parameters or a
/// `+json` suffix).
pub fn is_json(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A schema's model; `$ref`s are followed, and a `$ref` already being
/// followed (a recursive schema) becomes [`SchemaModel::Any`].
pub fn schema(doc: &Value, node: &Value, seen: &mut BTreeSet<String>) -> SchemaModel {
    let reference = node.get("$ref").and_then(Value::as_str).map(str::to_string);
    if let Some(reference) = &reference
        && !seen.insert(reference.clone())
    {
        return SchemaModel::Any;
    }
    let model = match crate::check::resolve(doc, node) {
        None => SchemaModel::Any,
        Some(node) => resolved_schema(doc, node, seen),
    };
    if let Some(reference) = &reference {
        seen.remove(reference);
    }
    model
}

fn resolved_schema(doc: &Value, node: &Value, seen: &mut BTreeSet<String>) -> SchemaModel {
    if let Some(variants) = node
        .get("oneOf")
        .or_else(|| node.get("anyOf"))
        .and_then(Value::as_array)
    {
        return SchemaModel::OneOf(variants.iter().map(|v| schema(doc, v, seen)).collect());
    }
    let integer = |key: &str| node.get(key).and_then(as_integer);
    match node.get("type").and_then(Value::as_str) {
        Some("integer") => SchemaModel::Integer {
            bits: if node.get("format").and_then(Value::as_str) == Some("int32") {
                32
            } else {
                64
            },
            minimum: integer("minimum"),
            maximum: integer("maximum"),
            default: integer("default"),
            example: integer("example"),
        },
        Some("string") => {
            let (values, closed) = match (node.get("enum"), node.get("x-extensible-enum")) {
                (Some(list), _) => (strings(list), true),
                (None, Some(list)) => (strings(list), false),
                (None, None) => (Vec::new(), false),
            };
            let string = |key: &str| node.get(key).and_then(Value::as_str).map(str::to_string);
            SchemaModel::String {
                min_length: node.get("minLength").and_then(Value::as_u64),
                max_length: node.get("maxLength").and_then(Value::as_u64),
                pattern: string("pattern"),
                values,
                closed,
                format: string("format"),
                default: string("default"),
                example: string("example"),
            }
        }
        Some("number") => SchemaModel::Number,
        Some("boolean") => SchemaModel::Boolean {
            default: node.get("default").and_then(Value::as_bool),
        },
        Some("array") => SchemaModel::Array(Box::new(
            node.get("items")
                .map(|items| schema(doc, items, seen))
                .unwrap_or(SchemaModel::Any),
        )),
        Some("object") | None if node.get("properties").is_some() => {
            let required = required_names(node);
            let fields = node
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, body)| FieldModel {
                    aliases: body.get("x-aliases").map(strings).unwrap_or_default(),
                    required: required.contains(name.as_str()),
                    schema: schema(doc, body, seen),
                    name: name.clone(),
                })
                .collect();
            SchemaModel::Object(fields)
        }
        Some("object") => SchemaModel::Object(Vec::new()),
        _ => SchemaModel::Any,
    }
}

/// The names an object schema lists under `required`.
fn required_names(node: &Value) -> BTreeSet<&str> {
    node.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn as_integer(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
            .map(|f| f as i64)
    })
}

fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn pagination(
    source: &SpecSource,
    op: &OperationRef<'_>,
    parameters: &[ParameterModel],
) -> Result<Option<PaginationModel>, Finding> {
    let at = format!("{}/x-pagination", op.pointer());
    let extension = op.operation.get("x-pagination");
    let Some(names) = pagination_names(source, extension, &at)? else {
        return Ok(None);
    };
    // What is missing: for the convention, the operation simply does not
    // page; for an explicit x-pagination, it is a finding.
    let missing = |message: String| -> Result<Option<PaginationModel>, Finding> {
        if extension.is_some() {
            Err(source.finding("x-pagination", &at, message))
        } else {
            Ok(None)
        }
    };
    let integer_query = |name: &str| {
        parameters.iter().find(|p| {
            matches!(p.schema, SchemaModel::Integer { .. })
                && p.location == Location::Query
                && p.name == name
        })
    };
    let (Some(offset), Some(limit)) = (integer_query(&names.offset), integer_query(&names.limit))
    else {
        return missing(format!(
            "the operation has no integer query parameters {} and {}",
            names.offset, names.limit
        ));
    };
    let records = match paged_records(&source.value, op, &names) {
        Ok(records) => records,
        Err(message) => return missing(message),
    };
    let item = crate::check::resolve(
        &source.value,
        &serde_json::json!({ "$ref": records.item_ref }),
    )
    .cloned()
    .unwrap_or(Value::Null);
    let (record_key, record_version) = record_identity(source, records.item_ref, &item)?;
    let record_model = schema(&source.value, &item, &mut BTreeSet::new());
    let siem = crate::siem::read(source, records.item_ref, &item, &record_model)?;
    let (limit_min, limit_max, limit_default, _) = integer_bounds(limit);
    let (_, offset_max, _, offset_format_max) = integer_bounds(offset);
    let Some(default_page_size) = limit_max.or(limit_default) else {
        return Err(source.finding(
            "pagination-page-size",
            &op.pointer(),
            format!(
                "{} pages, but its {} parameter has neither a maximum nor a default, so a stream has no page size to use",
                op.operation_id().unwrap_or(op.path),
                names.limit
            ),
        ));
    };
    Ok(Some(PaginationModel {
        total_required: records.total_required,
        offset: names.offset,
        limit: names.limit,
        total: names.total,
        items: names.items,
        min_limit: limit_min.unwrap_or(1).max(1),
        max_limit: limit_max,
        max_offset: offset_max.unwrap_or(offset_format_max),
        default_page_size,
        item_type: records.item_type,
        record_key,
        record_version,
        siem,
    }))
}

/// The names `x-pagination` (`extension`, at `at`) gives the paging
/// parameters and fields: the convention's without it, `None` when it is
/// `false`.
fn pagination_names(
    source: &SpecSource,
    extension: Option<&Value>,
    at: &str,
) -> Result<Option<PaginationNames>, Finding> {
    let map = match extension {
        None => return Ok(Some(PaginationNames::convention())),
        Some(Value::Bool(false)) => return Ok(None),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(source.finding(
                "x-pagination",
                at,
                "x-pagination must be a mapping (offset, limit, total, items) or false",
            ));
        }
    };
    let known = ["offset", "limit", "total", "items"];
    if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(source.finding(
            "x-pagination",
            at,
            format!(
                "x-pagination has the unknown key {key}; it takes offset, limit, total and items"
            ),
        ));
    }
    let convention = PaginationNames::convention();
    let name = |key: &str, fallback: String| -> Result<String, Finding> {
        match map.get(key) {
            None => Ok(fallback),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(source.finding(
                "x-pagination",
                &format!("{at}/{key}"),
                format!("x-pagination {key} must be a name"),
            )),
        }
    };
    Ok(Some(PaginationNames {
        offset: name("offset", convention.offset)?,
        limit: name("limit", convention.limit)?,
        total: name("total", convention.total)?,
        items: name("items", convention.items)?,
    }))
}

/// The records of a paged response, as its schema gives them.
struct PagedRecords<'a> {
    /// The `$ref` of one record's schema.
    item_ref: &'a str,
    /// The Rust type of one record.
    item_type: String,
    /// Whether the total count is a required field.
    total_required: bool,
}

/// The records of `op`'s success response under the pagination `names`;
/// what is missing for paging, in words, when the response does not page.
fn paged_records<'a>(
    doc: &'a Value,
    op: &OperationRef<'a>,
    names: &PaginationNames,
) -> Result<PagedRecords<'a>, String> {
    let Some((Some(_), body)) = success_schema(doc, op) else {
        return Err(
            "the 200 response needs a JSON body that is a `$ref` to a component schema".into(),
        );
    };
    let properties = body.get("properties");
    let property = |name: &str| {
        properties
            .and_then(|p| p.get(name))
            .and_then(|p| crate::check::resolve(doc, p))
    };
    let total_ok = property(&names.total)
        .is_some_and(|p| p.get("type").and_then(Value::as_str) == Some("integer"));
    let items =
        property(&names.items).filter(|p| p.get("type").and_then(Value::as_str) == Some("array"));
    let item_ref = property(&names.items)
        .and_then(|p| p.pointer("/items/$ref"))
        .and_then(Value::as_str);
    let item_type = item_ref
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(sanitize_pascal);
    if !total_ok || items.is_none() {
        return Err(format!(
            "the 200 response has no integer {} and array {}",
            names.total, names.items
        ));
    }
    let (Some(item_type), Some(item_ref)) = (item_type, item_ref) else {
        return Err(format!(
            "the items of {} must be a `$ref` to a component schema",
            names.items
        ));
    };
    Ok(PagedRecords {
        item_ref,
        item_type,
        total_required: required_names(body).contains(names.total.as_str()),
    })
}

/// The minimum, maximum and default of an integer parameter, and the
/// largest value its format holds.
fn integer_bounds(p: &ParameterModel) -> (Option<i64>, Option<i64>, Option<i64>, i64) {
    match p.schema {
        SchemaModel::Integer {
            bits,
            minimum,
            maximum,
            default,
            ..
        } => {
            let format_max = if bits == 32 {
                i64::from(i32::MAX)
            } else {
                i64::MAX
            };
            (minimum, maximum, default, format_max)
        }
        _ => (None, None, None, i64::MAX),
    }
}

fn time_window(
    source: &SpecSource,
    op: &OperationRef<'_>,
    parameters: &[ParameterModel],
    pagination: Option<&PaginationModel>,
    response: &Option<ResponseModel>,
) -> Result<Option<TimeWindowModel>, Finding> {
    let at = format!("{}/x-time-window", op.pointer());
    let Some(extension) = op.operation.get("x-time-window") else {
        return Ok(None);
    };
    let name = |key: &str| extension.get(key).and_then(Value::as_str);
    let (Some(start), Some(end)) = (name("start"), name("end")) else {
        return Err(source.finding(
            "x-time-window",
            &at,
            "x-time-window needs `start` and `end`, each the name of an integer query parameter",
        ));
    };
    for parameter in [start, end] {
        let ok = parameters.iter().any(|p| {
            p.name == parameter
                && p.location == Location::Query
                && matches!(p.schema, SchemaModel::Integer { .. })
        });
        if !ok {
            return Err(source.finding(
                "x-time-window",
                &at,
                format!("x-time-window names {parameter}, which is not an integer query parameter of the operation"),
            ));
        }
    }
    let field = name("field").map(str::to_string);
    if let Some(field) = &field {
        let item_fields = pagination
            .zip(response.as_ref())
            .and_then(|(p, r)| item_schema(&r.schema, &p.items))
            .map(|s| match s {
                SchemaModel::Object(fields) => fields.iter().any(|f| &f.name == field),
                _ => false,
            })
            .unwrap_or(false);
        if !item_fields {
            return Err(source.finding(
                "x-time-window",
                &format!("{at}/field"),
                format!("x-time-window field {field} is not a field of the operation's records"),
            ));
        }
    }
    Ok(Some(TimeWindowModel {
        start: start.to_string(),
        end: end.to_string(),
        field,
    }))
}

/// The schema of one item of the response's `items` array field.
pub fn item_schema<'a>(response: &'a SchemaModel, items: &str) -> Option<&'a SchemaModel> {
    match response {
        SchemaModel::Object(fields) => {
            fields
                .iter()
                .find(|f| f.name == items)
                .and_then(|f| match &f.schema {
                    SchemaModel::Array(item) => Some(item.as_ref()),
                    _ => None,
                })
        }
        _ => None,
    }
}

/// A name as progenitor makes it a Rust identifier in snake case (method
/// and parameter names).
pub fn sanitize_snake(input: &str) -> String {
    sanitize(input, heck::ToSnakeCase::to_snake_case)
}

/// A name as progenitor makes it a Rust type name (builder and schema
/// types).
pub fn sanitize_pascal(input: &str) -> String {
    sanitize(input, heck::ToPascalCase::to_pascal_case)
}

fn sanitize(input: &str, to_case: fn(&str) -> String) -> String {
    let out = match input {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => to_case(
            &input
                .replace('\'', "")
                .replace(|c: char| !unicode_ident::is_xid_continue(c), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => to_case("x"),
        Some(c) if unicode_ident::is_xid_start(c) => out,
        Some(_) => format!("_{out}"),
    };
    if syn::parse_str::<syn::Ident>(&out).is_ok() && out != "gen" {
        out
    } else {
        format!("{out}_")
    }
}
