//! `cargo xtask docs-check`: compares API reference pages (saved as text)
//! with the spec and lists every difference.
//!
//! For each page ([`page::parse`]) the operation with the same method and
//! path is looked up, then compared:
//!
//! - path, query and header parameters: present on both sides, mandatory
//!   vs `required`, type, and the range the page states;
//! - the response tables against the response schema, nested object tables
//!   included: fields present on both sides and their types;
//! - the example response against the spec's example for the same status,
//!   value by value, and against the page's own tables (keys spelled
//!   otherwise, values of another type).
//!
//! Page types map to the spec as: `String` -> `string`, `Integer` ->
//! `integer` (int32 or no format), `Long` -> `integer`/int64, `Boolean`,
//! `Float`/`Double`/`Number` -> `number`, `Array of X objects` -> `array`
//! of the object X, `X object` -> `object`.
//!
//! A difference the spec settles on purpose is acknowledged by an
//! `x-acknowledged` entry `{field, reason, difference}` on the schema that
//! holds the field, on the field's own schema, on the parameter, or (for a
//! header) on the security scheme that sends it. `difference` names the
//! rule(s) it settles (a string or a list of the names of [`Rule`]s);
//! without it the entry settles every difference about that field.

pub mod draft;
pub mod page;
pub mod rule;
pub mod sync;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::check::{OperationRef, operations, parameters, resolve};
use crate::error::Location;
use crate::positions::escape;
use crate::source::SpecSource;
use page::{Page, Place, Range, Row, Table};
pub use rule::{Rule, UnknownRule};

/// One difference between a page and the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// What kind of difference, such as [`Rule::FieldType`].
    pub rule: Rule,
    /// The parameter or field it is about.
    pub field: String,
    /// Where it is in the spec.
    pub location: Location,
    /// The page line it is about, when there is one.
    pub page_line: Option<usize>,
    /// What differs, in one sentence.
    pub message: String,
    /// The reason from the spec's `x-acknowledged` entry, when the spec
    /// settles this difference on purpose.
    pub acknowledged: Option<String>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: [{}] {}", self.location, self.rule, self.message)?;
        if let Some(line) = self.page_line {
            write!(f, " (page line {line})")?;
        }
        if let Some(reason) = &self.acknowledged {
            write!(f, "\n      acknowledged: {reason}")?;
        }
        Ok(())
    }
}

/// The comparison of one page with the spec.
#[derive(Debug, Clone)]
pub struct PageReport {
    /// The page file.
    pub page: PathBuf,
    /// `METHOD /path` of the page.
    pub operation: String,
    /// Every difference, in page order.
    pub differences: Vec<Difference>,
}

impl PageReport {
    /// The differences the spec does not acknowledge.
    pub fn unacknowledged(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.acknowledged.is_none())
    }

    /// The differences the spec acknowledges.
    pub fn acknowledged(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.acknowledged.is_some())
    }
}

impl fmt::Display for PageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.page.display(), self.operation)?;
        let open: Vec<_> = self.unacknowledged().collect();
        let settled: Vec<_> = self.acknowledged().collect();
        writeln!(f, "  differences ({}):", open.len())?;
        for d in open {
            writeln!(f, "    {d}")?;
        }
        writeln!(f, "  acknowledged by the spec ({}):", settled.len())?;
        for d in settled {
            writeln!(f, "    {d}")?;
        }
        Ok(())
    }
}

/// Why a page could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// The page could not be read.
    #[error("{}: cannot read the page: {source}", file.display())]
    Read {
        /// The page file.
        file: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The page is not in the expected format.
    #[error("{}:{}: {}", file.display(), error.line, error.message)]
    Page {
        /// The page file.
        file: PathBuf,
        /// What is wrong, and where.
        error: page::PageError,
    },
}

/// Reads the page at `file` and compares it with `spec`.
pub fn check_file(spec: &SpecSource, file: &Path) -> Result<PageReport, DocsError> {
    let text = std::fs::read_to_string(file).map_err(|source| DocsError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    check_text(spec, file, &text)
}

/// Compares the page `text` (named `file` in the report) with `spec`.
pub fn check_text(spec: &SpecSource, file: &Path, text: &str) -> Result<PageReport, DocsError> {
    let page = page::parse(text).map_err(|error| DocsError::Page {
        file: file.to_path_buf(),
        error,
    })?;
    Ok(check_page(spec, file, &page))
}

/// Compares a page already read (named `file` in the report) with `spec`.
pub fn check_page(spec: &SpecSource, file: &Path, page: &Page) -> PageReport {
    let mut checker = Checker {
        spec,
        page,
        differences: Vec::new(),
    };
    checker.run();
    PageReport {
        page: file.to_path_buf(),
        operation: format!("{} {}", page.method, page.path),
        differences: checker.differences,
    }
}

struct Checker<'a> {
    spec: &'a SpecSource,
    page: &'a Page,
    differences: Vec<Difference>,
}

/// A difference before its acknowledgement is looked up.
struct Found<'a> {
    rule: Rule,
    field: String,
    pointer: String,
    page_line: Option<usize>,
    message: String,
    /// The spec nodes whose `x-acknowledged` entries may settle it.
    scopes: Vec<&'a Value>,
}

impl<'a> Checker<'a> {
    fn doc(&self) -> &'a Value {
        &self.spec.value
    }

    fn push(&mut self, found: Found<'_>) {
        let acknowledged = found
            .scopes
            .iter()
            .find_map(|scope| acknowledgement(scope, &found.field, found.rule));
        let location = self.spec.locate(&found.pointer);
        // The same difference seen again (in another element of an example
        // array, say) is listed once.
        if self
            .differences
            .iter()
            .any(|d| d.rule == found.rule && d.location == location && d.message == found.message)
        {
            return;
        }
        self.differences.push(Difference {
            rule: found.rule,
            field: found.field,
            location,
            page_line: found.page_line,
            message: found.message,
            acknowledged,
        });
    }

    fn run(&mut self) {
        let method = self.page.method.to_ascii_lowercase();
        let ops = operations(self.doc());
        let Some(op) = ops
            .iter()
            .find(|op| op.method == method && op.path == self.page.path)
        else {
            self.push(Found {
                rule: Rule::OperationMissing,
                field: self.page.path.clone(),
                pointer: "/paths".into(),
                page_line: None,
                message: format!(
                    "the page documents {} {}, which the spec does not have",
                    self.page.method, self.page.path
                ),
                scopes: vec![],
            });
            return;
        };
        for place in [Place::Path, Place::Query, Place::Header] {
            self.parameters(op, place);
        }
        self.response(op);
    }

    /// Compares the page's parameters in `place` with the operation's.
    fn parameters(&mut self, op: &OperationRef<'a>, place: Place) {
        let declared: Vec<(String, &'a Value)> = parameters(self.doc(), op)
            .into_iter()
            .filter(|(_, p)| p.get("in").and_then(Value::as_str) == Some(place.as_str()))
            .collect();
        let rows = self.page.parameters(place);
        for row in &rows {
            let what = format!("{} parameter {}", place.as_str(), row.name);
            match declared.iter().find(|(_, p)| parameter_name(p) == row.name) {
                Some((pointer, parameter)) => {
                    self.compare_parameter(pointer, parameter, row, &what);
                }
                None => self.undeclared_parameter(op, place, row, &what),
            }
        }
        for (pointer, parameter) in &declared {
            let name = parameter_name(parameter);
            if !rows.iter().any(|r| r.name == name) {
                self.push(Found {
                    rule: Rule::ParameterMissingOnPage,
                    field: name.clone(),
                    pointer: pointer.clone(),
                    page_line: None,
                    message: format!(
                        "the spec declares {} parameter {name}, which the page does not document",
                        place.as_str()
                    ),
                    scopes: vec![*parameter],
                });
            }
        }
    }

    /// A page parameter the operation does not declare: a header a
    /// security scheme sends, or one missing from the spec.
    fn undeclared_parameter(&mut self, op: &OperationRef<'a>, place: Place, row: &Row, what: &str) {
        if place == Place::Header
            && let Some((pointer, scheme)) = self.header_scheme(&row.name)
        {
            self.push(Found {
                rule: Rule::HeaderAsSecurityScheme,
                field: row.name.clone(),
                pointer,
                page_line: Some(row.line),
                message: format!(
                    "the page's {what} is sent by a security scheme, not declared as a parameter"
                ),
                scopes: vec![scheme],
            });
            return;
        }
        self.push(Found {
            rule: Rule::ParameterMissingInSpec,
            field: row.name.clone(),
            pointer: format!("{}/parameters", op.pointer()),
            page_line: Some(row.line),
            message: format!("the page documents {what}, which the spec does not declare"),
            scopes: vec![],
        });
    }

    /// Compares a page parameter with the spec's parameter at `pointer`:
    /// its required flag, type and range.
    fn compare_parameter(&mut self, pointer: &str, parameter: &'a Value, row: &Row, what: &str) {
        let doc = self.doc();
        let schema = parameter.get("schema").and_then(|s| resolve(doc, s));
        let scopes: Vec<&Value> = [Some(parameter), schema].into_iter().flatten().collect();
        let required = parameter
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let Some(mandatory) = row.mandatory
            && mandatory != required
        {
            self.push(Found {
                rule: Rule::ParameterRequired,
                field: row.name.clone(),
                pointer: pointer.to_string(),
                page_line: Some(row.line),
                message: format!(
                    "{what}: the page says mandatory {}, the spec says required: {required}",
                    if mandatory { "Yes" } else { "No" }
                ),
                scopes: scopes.clone(),
            });
        }
        let Some(schema) = schema else { return };
        if let Err(spec_type) = type_matches(doc, &row.kind, schema) {
            self.push(Found {
                rule: Rule::ParameterType,
                field: row.name.clone(),
                pointer: format!("{pointer}/schema"),
                page_line: Some(row.line),
                message: format!(
                    "{what}: the page says {}, the spec says {spec_type}",
                    row.kind
                ),
                scopes: scopes.clone(),
            });
        }
        if let Some(range) = row.range {
            self.compare_range(pointer, schema, range, row, what, scopes);
        }
    }

    /// Compares the range (or length) the page gives a parameter with its
    /// schema's bounds.
    fn compare_range(
        &mut self,
        pointer: &str,
        schema: &Value,
        range: Range,
        row: &Row,
        what: &str,
        scopes: Vec<&Value>,
    ) {
        let (low, high) = if range.length {
            ("minLength", "maxLength")
        } else {
            ("minimum", "maximum")
        };
        let bound = |k: &str| schema.get(k).and_then(Value::as_f64);
        if bound(low) == Some(range.min) && bound(high) == Some(range.max) {
            return;
        }
        self.push(Found {
            rule: Rule::ParameterRange,
            field: row.name.clone(),
            pointer: format!("{pointer}/schema"),
            page_line: Some(row.line),
            message: format!(
                "{what}: the page gives {} {} to {}, the spec has {low} {} and {high} {}",
                if range.length {
                    "a length of"
                } else {
                    "the range"
                },
                range.min,
                range.max,
                show(bound(low)),
                show(bound(high)),
            ),
            scopes,
        });
    }

    /// The security scheme that sends header `name`, with its pointer.
    fn header_scheme(&self, name: &str) -> Option<(String, &'a Value)> {
        let schemes = self
            .doc()
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)?;
        schemes.iter().find_map(|(key, scheme)| {
            let is_header = scheme.get("in").and_then(Value::as_str) == Some("header");
            let same = scheme
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name));
            (is_header && same).then(|| {
                (
                    format!("/components/securitySchemes/{}", escape(key)),
                    scheme,
                )
            })
        })
    }

    /// Compares the page's success response (tables and example) with the
    /// operation's JSON response of the same status.
    fn response(&mut self, op: &OperationRef<'a>) {
        let status = self.page.success_status();
        let media = op
            .operation
            .pointer(&format!("/responses/{}", escape(&status)))
            .and_then(|r| resolve(self.doc(), r))
            .and_then(|r| r.pointer("/content/application~1json"));
        let Some(media) = media else {
            self.push(Found {
                rule: Rule::ResponseMissing,
                field: status.clone(),
                pointer: format!("{}/responses", op.pointer()),
                page_line: None,
                message: format!("the spec has no JSON {status} response"),
                scopes: vec![],
            });
            return;
        };
        let media_pointer = format!(
            "{}/responses/{}/content/application~1json",
            op.pointer(),
            escape(&status)
        );
        if let (Some(table), Some(schema)) = (self.page.response(), media.get("schema")) {
            self.object(
                table,
                schema,
                &format!("{media_pointer}/schema"),
                "response",
                0,
            );
        }
        let Some(page_example) = self
            .page
            .example
            .as_ref()
            .filter(|e| e.status == status)
            .map(|e| &e.value)
        else {
            return;
        };
        if let Some(table) = self.page.response()
            && let Some(schema) = media.get("schema")
        {
            self.example_against_tables(page_example, table, schema, "response", 0);
        }
        self.example_against_spec(page_example, media, &media_pointer, &status);
    }

    /// Compares the page's example response with the spec's example for
    /// the same status (in the media type at `media_pointer`).
    fn example_against_spec(
        &mut self,
        page_example: &Value,
        media: &'a Value,
        media_pointer: &str,
        status: &str,
    ) {
        let Some((suffix, spec_example)) = spec_example(self.doc(), media) else {
            self.push(Found {
                rule: Rule::ExampleMissingInSpec,
                field: status.to_string(),
                pointer: media_pointer.to_string(),
                page_line: None,
                message: format!("the page has an example {status} response; the spec has none"),
                scopes: vec![],
            });
            return;
        };
        let mut found = Vec::new();
        compare_values(page_example, spec_example, String::new(), &mut found);
        for (path, message) in found {
            self.push(Found {
                rule: Rule::ExampleDiffers,
                field: path.clone(),
                pointer: format!("{media_pointer}/{suffix}{path}"),
                page_line: None,
                message: format!(
                    "example {status} response at {}: {message}",
                    if path.is_empty() { "/" } else { &path }
                ),
                scopes: vec![],
            });
        }
    }

    /// Compares an object table with the spec schema of that object.
    fn object(
        &mut self,
        table: &Table,
        schema: &'a Value,
        pointer: &str,
        what: &str,
        depth: usize,
    ) {
        let doc = self.doc();
        if depth > 16 {
            return;
        }
        let (pointer, schema) = follow(doc, schema, pointer);
        let Some(schema) = schema else { return };
        for row in &table.rows {
            self.object_row(row, schema, &pointer, what, depth);
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, property) in properties.into_iter().flatten() {
            if !table.rows.iter().any(|r| &r.name == name) {
                self.push(Found {
                    rule: Rule::FieldMissingOnPage,
                    field: name.clone(),
                    pointer: format!("{pointer}/properties/{}", escape(name)),
                    page_line: None,
                    message: format!(
                        "{what}: the spec has field {name}, which the page does not document"
                    ),
                    scopes: [Some(schema), resolve(doc, property)]
                        .into_iter()
                        .flatten()
                        .collect(),
                });
            }
        }
    }

    /// Compares one row of an object table with the property of the same
    /// name of `schema` (the object at `pointer`), and its nested table
    /// with the property's schema.
    fn object_row(
        &mut self,
        row: &Row,
        schema: &'a Value,
        pointer: &str,
        what: &str,
        depth: usize,
    ) {
        let doc = self.doc();
        let at = format!("{pointer}/properties/{}", escape(&row.name));
        let property = schema
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|p| p.get(&row.name));
        let Some(property) = property else {
            self.push(Found {
                rule: Rule::FieldMissingInSpec,
                field: row.name.clone(),
                pointer: pointer.to_string(),
                page_line: Some(row.line),
                message: format!(
                    "{what}: the page documents field {}, which the spec does not have",
                    row.name
                ),
                scopes: vec![schema],
            });
            return;
        };
        let resolved = resolve(doc, property);
        let scopes: Vec<&Value> = [Some(schema), resolved].into_iter().flatten().collect();
        let Some(resolved) = resolved else { return };
        if let Err(spec_type) = type_matches(doc, &row.kind, resolved) {
            self.push(Found {
                rule: Rule::FieldType,
                field: row.name.clone(),
                pointer: at,
                page_line: Some(row.line),
                message: format!(
                    "{what}.{}: the page says {}, the spec says {spec_type}",
                    row.name, row.kind
                ),
                scopes,
            });
            return;
        }
        let Some(nested) = nested_table(self.page, &row.kind) else {
            return;
        };
        let (item, item_pointer) = if row.kind.starts_with("Array of ") {
            (resolved.get("items"), format!("{at}/items"))
        } else {
            (Some(property), at)
        };
        if let Some(item) = item {
            let nested_what = format!("{what}.{}", row.name);
            self.object(nested, item, &item_pointer, &nested_what, depth + 1);
        }
    }

    /// Checks the page's example against the page's own tables: keys the
    /// tables spell otherwise, and values of another type.
    fn example_against_tables(
        &mut self,
        value: &Value,
        table: &Table,
        schema: &'a Value,
        what: &str,
        depth: usize,
    ) {
        let doc = self.doc();
        if depth > 16 {
            return;
        }
        let (_, schema) = follow(doc, schema, "");
        let Some(schema) = schema else { return };
        let Some(object) = value.as_object() else {
            return;
        };
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, item) in object {
            let Some(row) = table.rows.iter().find(|r| &r.name == key) else {
                self.example_key_off_the_tables(schema, key, what);
                continue;
            };
            let property = properties.and_then(|p| p.get(key));
            let resolved = property.and_then(|p| resolve(doc, p));
            if !value_matches(&row.kind, item) {
                let scopes: Vec<&Value> = [Some(schema), resolved].into_iter().flatten().collect();
                let property_pointer = self.property_pointer(schema, key);
                self.push(Found {
                    rule: Rule::ExampleType,
                    field: key.clone(),
                    pointer: property_pointer,
                    page_line: Some(row.line),
                    message: format!(
                        "{what}.{key}: the page's example sends {item}, its table says {}",
                        row.kind
                    ),
                    scopes,
                });
                continue;
            }
            if let (Some(nested), Some(resolved)) = (nested_table(self.page, &row.kind), resolved) {
                let nested_what = format!("{what}.{key}");
                let schemas = NestedSchemas { resolved, property };
                self.nested_example(item, nested, schemas, &nested_what, depth);
            }
        }
    }

    /// A key of the page's example that the tables do not list: another
    /// spelling of a documented field (`x-aliases`), or an undocumented
    /// one.
    fn example_key_off_the_tables(&mut self, schema: &'a Value, key: &str, what: &str) {
        let canonical = schema
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|p| {
                p.iter().find(|(_, prop)| {
                    prop.get("x-aliases")
                        .and_then(Value::as_array)
                        .is_some_and(|a| a.iter().any(|s| s == key))
                })
            });
        let (rule, field, message) = match canonical {
            Some((name, _)) => (
                Rule::ExampleKey,
                name.clone(),
                format!("{what}: the page's example spells field {name} as {key}"),
            ),
            None => (
                Rule::ExampleUndocumentedField,
                key.to_string(),
                format!(
                    "{what}: the page's example has field {key}, which its tables do not document"
                ),
            ),
        };
        let property_pointer = self.property_pointer(schema, &field);
        self.push(Found {
            rule,
            field,
            pointer: property_pointer,
            page_line: None,
            message,
            scopes: vec![schema],
        });
    }

    /// Checks a nested value of the page's example (an array of objects,
    /// or an object) against the nested table its row names.
    fn nested_example(
        &mut self,
        item: &Value,
        nested: &Table,
        schemas: NestedSchemas<'a>,
        what: &str,
        depth: usize,
    ) {
        match (item, schemas.resolved.get("items")) {
            (Value::Array(items), Some(item_schema)) => {
                for element in items {
                    self.example_against_tables(element, nested, item_schema, what, depth + 1);
                }
            }
            (Value::Object(_), _) => {
                if let Some(property) = schemas.property {
                    self.example_against_tables(item, nested, property, what, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// The pointer of property `name` of `schema` (a node of this
    /// document), or of the schema when it has no such property.
    fn property_pointer(&self, schema: &Value, name: &str) -> String {
        let base = find_pointer(self.doc(), schema, String::new(), 0).unwrap_or_default();
        if schema
            .pointer(&format!("/properties/{}", escape(name)))
            .is_some()
        {
            format!("{base}/properties/{}", escape(name))
        } else {
            base
        }
    }
}

/// The schemas of a property whose row names a nested table: as written
/// (perhaps a `$ref`), and with its `$ref` followed.
struct NestedSchemas<'a> {
    resolved: &'a Value,
    property: Option<&'a Value>,
}

/// The `name` of a parameter, or empty.
fn parameter_name(parameter: &Value) -> String {
    parameter
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// The spec's example of a media type, with the pointer suffix where it
/// is: its `example`, else the value of its first `examples` entry.
fn spec_example<'a>(doc: &'a Value, media: &'a Value) -> Option<(String, &'a Value)> {
    media
        .get("example")
        .map(|e| ("example".to_string(), e))
        .or_else(|| {
            media
                .get("examples")
                .and_then(Value::as_object)
                .and_then(|m| m.iter().next())
                .and_then(|(name, e)| {
                    resolve(doc, e)
                        .and_then(|e| e.get("value"))
                        .map(|v| (format!("examples/{}/value", escape(name)), v))
                })
        })
}

/// The pointer of `target` (by identity) inside `value`.
fn find_pointer(value: &Value, target: &Value, pointer: String, depth: usize) -> Option<String> {
    if std::ptr::eq(value, target) {
        return Some(pointer);
    }
    if depth > 24 {
        return None;
    }
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            find_pointer(v, target, format!("{pointer}/{}", escape(k)), depth + 1)
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_pointer(v, target, format!("{pointer}/{i}"), depth + 1)),
        _ => None,
    }
}

/// Follows `$ref`s from `node`, keeping track of the pointer.
fn follow<'a>(doc: &'a Value, node: &'a Value, pointer: &str) -> (String, Option<&'a Value>) {
    let mut pointer = pointer.to_string();
    let mut node = node;
    for _ in 0..32 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let Some(path) = target.strip_prefix('#') else {
                    return (pointer, None);
                };
                pointer = path.to_string();
                match doc.pointer(path) {
                    Some(next) => node = next,
                    None => return (pointer, None),
                }
            }
            None => return (pointer, Some(node)),
        }
    }
    (pointer, None)
}

/// The page table a nested type cell refers to (`Array of X objects`,
/// `X object`).
fn nested_table<'p>(page: &'p Page, kind: &str) -> Option<&'p Table> {
    let name = kind
        .strip_prefix("Array of ")
        .and_then(|rest| rest.strip_suffix(" objects"))
        .or_else(|| kind.strip_suffix(" object"))?;
    page.object(name)
}

/// Whether the spec schema has the type the page names; on a mismatch, the
/// spec's type in words.
fn type_matches(doc: &Value, kind: &str, schema: &Value) -> Result<(), String> {
    let spec_type = schema.get("type").and_then(Value::as_str);
    let format = schema.get("format").and_then(Value::as_str);
    let ok = match kind {
        "String" => spec_type == Some("string"),
        "Integer" => spec_type == Some("integer") && matches!(format, None | Some("int32")),
        "Long" => spec_type == Some("integer") && format == Some("int64"),
        "Boolean" => spec_type == Some("boolean"),
        "Float" | "Double" | "Number" => spec_type == Some("number"),
        "Object" => spec_type == Some("object"),
        k if k.starts_with("Array of ") => spec_type == Some("array"),
        k if k.ends_with(" object") || k.starts_with("Map<") => spec_type == Some("object"),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(describe(doc, schema, 0))
    }
}

/// A schema's type in words: `integer (int64)`, `one of string, integer`.
fn describe(doc: &Value, schema: &Value, depth: usize) -> String {
    let Some(schema) = resolve(doc, schema) else {
        return "an unresolvable $ref".into();
    };
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        return match schema.get("format").and_then(Value::as_str) {
            Some(f) => format!("{t} ({f})"),
            None => t.to_string(),
        };
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array)
            && depth < 8
        {
            let parts: Vec<String> = list.iter().map(|b| describe(doc, b, depth + 1)).collect();
            return format!("one of {}", parts.join(", "));
        }
    }
    "no type".into()
}

/// Whether an example value has the type a page cell names.
fn value_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "String" => value.is_string(),
        "Integer" | "Long" => value.is_i64() || value.is_u64(),
        "Boolean" => value.is_boolean(),
        "Float" | "Double" | "Number" => value.is_number(),
        k if k.starts_with("Array of ") => value.is_array(),
        _ => value.is_object(),
    }
}

/// Lists where two JSON values differ, as (JSON pointer, message).
fn compare_values(page: &Value, spec: &Value, path: String, out: &mut Vec<(String, String)>) {
    match (page, spec) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let at = format!("{path}/{}", escape(key));
                match b.get(key) {
                    Some(other) => compare_values(value, other, at, out),
                    None => out.push((
                        at,
                        "the page has this key, the spec's example does not".into(),
                    )),
                }
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push((
                    format!("{path}/{}", escape(key)),
                    "the spec's example has this key, the page does not".into(),
                ));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                compare_values(x, y, format!("{path}/{index}"), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push((
            path,
            format!("the page has {}, the spec has {}", short(a), short(b)),
        )),
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn show(value: Option<f64>) -> String {
    value
        .map(|v| v.to_string())
        .unwrap_or_else(|| "(none)".into())
}

/// The reason of the `x-acknowledged` entry of `scope` that settles
/// difference `rule` about `field`.
fn acknowledgement(scope: &Value, field: &str, rule: Rule) -> Option<String> {
    let entries = scope.get("x-acknowledged")?.as_array()?;
    entries.iter().find_map(|entry| {
        if entry.get("field").and_then(Value::as_str) != Some(field) {
            return None;
        }
        rule.is_named_by(entry.get("difference")).then(|| {
            entry
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("(no reason given)")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
    })
}
