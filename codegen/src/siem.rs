//! `x-siem`: how a record becomes an event of a SIEM schema (OCSF, ECS).
//!
//! The top-level extension holds what every operation's events share;
//! the one on a record schema holds the record's own mapping. This module
//! reads both into one [`MappingModel`] per schema and record, and checks
//! every value against the record schema: a field it names exists, a
//! value map covers the field's listed values (with a default when the
//! set is open), a condition names listed values, a date is an integer.

use serde_json::{Map, Value};

use crate::error::Finding;
use crate::shapes::{FieldModel, SchemaModel};
use crate::source::SpecSource;

/// A SIEM schema the spec can map records to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchemaKind {
    /// The Open Cybersecurity Schema Framework.
    Ocsf,
    /// The Elastic Common Schema.
    Ecs,
}

impl SchemaKind {
    /// Every schema, in the order of the generated table.
    pub const ALL: [SchemaKind; 2] = [SchemaKind::Ocsf, SchemaKind::Ecs];

    /// The key under `x-siem`.
    pub fn key(self) -> &'static str {
        match self {
            SchemaKind::Ocsf => "ocsf",
            SchemaKind::Ecs => "ecs",
        }
    }

    /// Targets the mapping engine sets itself, which a rule may not.
    fn engine_targets(self) -> &'static [&'static str] {
        match self {
            SchemaKind::Ocsf => &[
                "class_uid",
                "class_name",
                "category_uid",
                "type_uid",
                "metadata.version",
                "metadata.profiles",
            ],
            SchemaKind::Ecs => &["ecs.version"],
        }
    }
}

/// An OCSF class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassModel {
    /// `class_uid`.
    pub uid: i64,
    /// The class's name.
    pub name: String,
    /// `category_uid`.
    pub category: i64,
}

/// One record schema's mapping to one SIEM schema.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingModel {
    /// The schema.
    pub kind: SchemaKind,
    /// The schema's version.
    pub version: String,
    /// The OCSF class.
    pub class: Option<ClassModel>,
    /// OCSF profiles the events use.
    pub profiles: Vec<String>,
    /// Where what no rule copies goes (OCSF).
    pub unmapped: Option<String>,
    /// Where the whole record goes (ECS).
    pub original: Option<String>,
    /// Targets without which a record cannot be mapped.
    pub required: Vec<String>,
    /// Object paths (`*` for each item of a list) and the keys one of
    /// which an object there must hold to be kept.
    pub needs_one_of: Vec<(String, Vec<String>)>,
    /// Every target with its value: the top level's, then the record's.
    pub rules: Vec<(String, ValueModel)>,
}

/// A constant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstModel {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    Strs(Vec<String>),
}

/// How a copied field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convert {
    /// As it is.
    AsIs,
    /// Milliseconds since the epoch as an RFC 3339 date.
    Date,
    /// In a list of one.
    List,
    /// As text.
    Text,
}

/// Facts a record does not hold, given when it is mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextModel {
    /// The region.
    Region,
    /// The project id.
    Project,
    /// The account (domain) id.
    Account,
    /// The record version's id.
    Id,
}

/// A condition on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionModel {
    /// The field holds one of the values.
    In(String, Vec<String>),
    /// Both fields are present and differ.
    Differs(String, String),
}

/// A target's value.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueModel {
    /// A record field, by dotted path.
    Field(String, Convert),
    /// A constant.
    Const(ConstModel),
    /// A fact of the context.
    Context(ContextModel),
    /// The first of these that has a value.
    First(Vec<ValueModel>),
    /// A field's listed value mapped to a constant.
    Map {
        /// The field.
        field: String,
        /// Listed value and constant.
        cases: Vec<(String, ConstModel)>,
        /// For any other value.
        default: Option<ConstModel>,
    },
    /// The first case whose condition holds.
    Cases {
        /// Condition and constant.
        cases: Vec<(ConditionModel, ConstModel)>,
        /// When none holds.
        default: Option<ConstModel>,
    },
}

/// Where a finding is reported, and the record schema values refer to.
struct Scope<'a> {
    source: &'a SpecSource,
    at: String,
    record: &'a SchemaModel,
}

impl Scope<'_> {
    fn finding(&self, message: impl Into<String>) -> Finding {
        self.source.finding("x-siem", &self.at, message)
    }

    /// The schema of the record field at the dotted `path`.
    fn field(&self, path: &str) -> Result<&SchemaModel, Finding> {
        let mut schema = self.record;
        for segment in path.split('.') {
            let SchemaModel::Object(fields) = schema else {
                return Err(self.finding(format!(
                    "{path}: the record field before {segment} is not an object"
                )));
            };
            let Some(FieldModel { schema: inner, .. }) = fields.iter().find(|f| f.name == segment)
            else {
                return Err(self.finding(format!(
                    "{path} is not a field of the record ({segment} is not there)"
                )));
            };
            schema = inner;
        }
        Ok(schema)
    }
}

/// The mappings of the record schema at `item_ref` (`item` its node,
/// `record` its model): one a schema its `x-siem` maps, merged with the
/// top level's.
pub fn read(
    source: &SpecSource,
    item_ref: &str,
    item: &Value,
    record: &SchemaModel,
) -> Result<Vec<MappingModel>, Finding> {
    let Some(own) = item.get("x-siem") else {
        return Ok(Vec::new());
    };
    let at = format!("{}/x-siem", item_ref.trim_start_matches('#'));
    let scope = Scope {
        source,
        at: at.clone(),
        record,
    };
    let own = own
        .as_object()
        .ok_or_else(|| scope.finding("x-siem must be a mapping with ocsf and/or ecs"))?;
    if let Some(key) = own.keys().find(|k| !matches!(k.as_str(), "ocsf" | "ecs")) {
        return Err(scope.finding(format!(
            "x-siem has the unknown key {key}; it takes ocsf, ecs"
        )));
    }
    let mut out = Vec::new();
    for kind in SchemaKind::ALL {
        if let Some(node) = own.get(kind.key()) {
            let scope = Scope {
                at: format!("{at}/{}", kind.key()),
                ..scope
            };
            out.push(mapping(&scope, kind, node)?);
        }
    }
    Ok(out)
}

/// One schema's mapping of a record: its own `node`, over the top level's.
fn mapping(scope: &Scope<'_>, kind: SchemaKind, node: &Value) -> Result<MappingModel, Finding> {
    let own = keys(scope, node, &["class", "why", "required", "set"])?;
    let top_at = format!("/x-siem/{}", kind.key());
    let top_node = scope.source.at(&top_at).ok_or_else(|| {
        scope.finding(format!(
            "the record is mapped to {0}, but the spec has no top-level x-siem.{0} (its version)",
            kind.key()
        ))
    })?;
    let top_scope = Scope {
        source: scope.source,
        at: top_at,
        record: scope.record,
    };
    let top = keys(
        &top_scope,
        top_node,
        &[
            "version",
            "profiles",
            "unmapped",
            "original",
            "needs-one-of",
            "set",
        ],
    )?;
    let version = top
        .get("version")
        .and_then(Value::as_str)
        .ok_or_else(|| top_scope.finding("x-siem needs the schema's version, as text"))?;
    let class = match kind {
        SchemaKind::Ocsf => Some(class(scope, own.get("class"))?),
        SchemaKind::Ecs => None,
    };
    if own.get("why").and_then(Value::as_str).is_none() && kind == SchemaKind::Ocsf {
        return Err(scope.finding("x-siem.ocsf needs `why`: the reason for its class"));
    }
    let mut rules = Vec::new();
    for (target, value) in set(&top_scope, top.get("set"))? {
        if own.get("set").and_then(|s| s.get(&target)).is_none() {
            rules.push((target, value));
        }
    }
    rules.extend(set(scope, own.get("set"))?);
    let model = MappingModel {
        kind,
        version: version.to_string(),
        class,
        profiles: strings(&top_scope, top.get("profiles"), "profiles")?,
        unmapped: optional_text(&top_scope, top.get("unmapped"), "unmapped")?,
        original: optional_text(&top_scope, top.get("original"), "original")?,
        required: strings(scope, own.get("required"), "required")?,
        needs_one_of: needs_one_of(&top_scope, top.get("needs-one-of"))?,
        rules,
    };
    check_targets(scope, &model)?;
    Ok(model)
}

/// `node` as a mapping whose keys are among `allowed`.
fn keys<'v>(
    scope: &Scope<'_>,
    node: &'v Value,
    allowed: &[&str],
) -> Result<&'v Map<String, Value>, Finding> {
    let map = node
        .as_object()
        .ok_or_else(|| scope.finding(format!("must be a mapping of {}", allowed.join(", "))))?;
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(scope.finding(format!(
            "has the unknown key {key}; it takes {}",
            allowed.join(", ")
        ))),
        None => Ok(map),
    }
}

/// The OCSF class: `{uid, name, category}`.
fn class(scope: &Scope<'_>, node: Option<&Value>) -> Result<ClassModel, Finding> {
    let bad = || {
        scope.finding(
            "x-siem.ocsf needs class: {uid, name, category}, uid and category whole numbers",
        )
    };
    let node = node.ok_or_else(bad)?;
    let uid = node.get("uid").and_then(Value::as_i64).ok_or_else(bad)?;
    let category = node
        .get("category")
        .and_then(Value::as_i64)
        .ok_or_else(bad)?;
    let name = node.get("name").and_then(Value::as_str).ok_or_else(bad)?;
    if uid / 1000 != category {
        return Err(scope.finding(format!(
            "OCSF class {uid} is not in category {category} (a class's uid is its category's times 1000 and more)"
        )));
    }
    Ok(ClassModel {
        uid,
        name: name.to_string(),
        category,
    })
}

/// `needs-one-of`: object paths and the keys one of which they need.
fn needs_one_of(
    scope: &Scope<'_>,
    node: Option<&Value>,
) -> Result<Vec<(String, Vec<String>)>, Finding> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let map = node
        .as_object()
        .ok_or_else(|| scope.finding("needs-one-of must map object paths to lists of keys"))?;
    map.iter()
        .map(|(path, keys)| {
            let keys = strings(scope, Some(keys), "needs-one-of")?;
            if keys.is_empty() || path.split('.').any(str::is_empty) {
                return Err(scope.finding(format!(
                    "needs-one-of {path}: a path with no empty segment, and at least one key"
                )));
            }
            Ok((path.clone(), keys))
        })
        .collect()
}

/// A list of strings, empty when absent.
fn strings(scope: &Scope<'_>, node: Option<&Value>, what: &str) -> Result<Vec<String>, Finding> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    node.as_array()
        .and_then(|list| {
            list.iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .ok_or_else(|| scope.finding(format!("{what} must be a list of strings")))
}

/// Text, when present.
fn optional_text(
    scope: &Scope<'_>,
    node: Option<&Value>,
    what: &str,
) -> Result<Option<String>, Finding> {
    match node {
        None => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
        Some(_) => Err(scope.finding(format!("{what} must be a target path"))),
    }
}

/// The rules of a `set`.
fn set(scope: &Scope<'_>, node: Option<&Value>) -> Result<Vec<(String, ValueModel)>, Finding> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let map = node
        .as_object()
        .ok_or_else(|| scope.finding("set must be a mapping of target paths to values"))?;
    map.iter()
        .map(|(target, value)| {
            value_of(scope, value)
                .map(|v| (target.clone(), v))
                .map_err(|f| Finding {
                    message: format!("set {target}: {}", f.message),
                    ..f
                })
        })
        .collect()
}

/// The targets are well formed, none is the engine's, every required one
/// is set, and OCSF sets an activity.
fn check_targets(scope: &Scope<'_>, model: &MappingModel) -> Result<(), Finding> {
    let engine = model.kind.engine_targets();
    let reserved = [model.unmapped.as_deref(), model.original.as_deref()];
    for (target, _) in &model.rules {
        if target.split('.').any(str::is_empty) {
            return Err(scope.finding(format!("the target {target} has an empty segment")));
        }
        if engine.contains(&target.as_str()) {
            return Err(scope.finding(format!(
                "{target} is set from the class and version; a rule may not set it"
            )));
        }
        if reserved.iter().flatten().any(|r| is_under(target, r)) {
            return Err(scope.finding(format!(
                "{target} is where the record's leftovers or original go; a rule may not set it"
            )));
        }
    }
    let taken: Vec<&str> = engine
        .iter()
        .copied()
        .chain(reserved.into_iter().flatten())
        .collect();
    for (i, (target, _)) in model.rules.iter().enumerate() {
        let others = model.rules[i + 1..].iter().map(|(t, _)| t.as_str());
        if let Some(other) = others
            .chain(taken.iter().copied())
            .find(|o| meet(target, o))
        {
            return Err(scope.finding(format!(
                "the targets {target} and {other} meet: a target holds a value or other targets, not both, and a list position is a number"
            )));
        }
    }
    let is_set = |t: &str| model.rules.iter().any(|(target, _)| target == t);
    if let Some(missing) = model.required.iter().find(|t| !is_set(t)) {
        return Err(scope.finding(format!("{missing} is required but no rule sets it")));
    }
    if model.kind == SchemaKind::Ocsf && !is_set("activity_id") {
        return Err(scope.finding("x-siem.ocsf must set activity_id (type_uid is made from it)"));
    }
    Ok(())
}

/// Whether two targets cannot both be set: one is inside the other, or
/// one makes a list where the other makes an object.
fn meet(a: &str, b: &str) -> bool {
    let position = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (mut a, mut b) = (a.split('.'), b.split('.'));
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) => return position(x) != position(y),
            // One ends where the other goes on, or both end: the same.
            _ => return true,
        }
    }
}

fn is_under(target: &str, root: &str) -> bool {
    target == root || target.starts_with(&format!("{root}."))
}

/// One value: a field path, or one of the forms in the spec's header.
fn value_of(scope: &Scope<'_>, node: &Value) -> Result<ValueModel, Finding> {
    let map = match node {
        Value::String(path) => {
            scope.field(path)?;
            return Ok(ValueModel::Field(path.clone(), Convert::AsIs));
        }
        Value::Object(map) => map,
        _ => return Err(scope.finding("a value is a field path or a mapping")),
    };
    if let Some(constant) = map.get("const") {
        return Ok(ValueModel::Const(const_of(scope, constant)?));
    }
    if let Some(name) = map.get("context") {
        return context(scope, name);
    }
    if let Some(list) = map.get("first") {
        let list = list
            .as_array()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| scope.finding("first must be a non-empty list of values"))?;
        let values = list
            .iter()
            .map(|v| value_of(scope, v))
            .collect::<Result<_, _>>()?;
        return Ok(ValueModel::First(values));
    }
    if let Some(cases) = map.get("cases") {
        return cases_of(scope, cases, map.get("default"));
    }
    let Some(field) = map.get("field").and_then(Value::as_str) else {
        return Err(scope.finding(
            "a value mapping takes const, context, first, cases, or field (with map or as)",
        ));
    };
    let schema = scope.field(field)?;
    if let Some(table) = map.get("map") {
        return map_of(scope, field, schema, table, map.get("default"));
    }
    let convert = convert(scope, field, schema, map.get("as"))?;
    Ok(ValueModel::Field(field.to_string(), convert))
}

fn context(scope: &Scope<'_>, name: &Value) -> Result<ValueModel, Finding> {
    let context = match name.as_str() {
        Some("region") => ContextModel::Region,
        Some("project") => ContextModel::Project,
        Some("account") => ContextModel::Account,
        Some("id") => ContextModel::Id,
        _ => {
            return Err(scope.finding(format!(
                "context {name} is unknown; it is one of region, project, account, id"
            )));
        }
    };
    Ok(ValueModel::Context(context))
}

/// `as`: how a field's value is written.
fn convert(
    scope: &Scope<'_>,
    field: &str,
    schema: &SchemaModel,
    node: Option<&Value>,
) -> Result<Convert, Finding> {
    match node.map(|n| n.as_str()) {
        None => Ok(Convert::AsIs),
        Some(Some("date")) if matches!(schema, SchemaModel::Integer { .. }) => Ok(Convert::Date),
        Some(Some("date")) => Err(scope.finding(format!(
            "{field} is not an integer (milliseconds since the epoch), so it cannot be a date"
        ))),
        Some(Some("list")) => Ok(Convert::List),
        Some(Some("text")) => Ok(Convert::Text),
        Some(_) => Err(scope.finding(format!("as of {field} is one of date, list, text"))),
    }
}

fn const_of(scope: &Scope<'_>, node: &Value) -> Result<ConstModel, Finding> {
    match node {
        Value::String(text) => Ok(ConstModel::Str(text.clone())),
        Value::Bool(flag) => Ok(ConstModel::Bool(*flag)),
        Value::Number(n) => n
            .as_i64()
            .map(ConstModel::Int)
            .ok_or_else(|| scope.finding(format!("the constant {n} is not a whole number"))),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(ConstModel::Strs)
            .ok_or_else(|| scope.finding("a constant list holds strings only")),
        _ => Err(scope.finding(format!(
            "the constant {node} is not a string, whole number, boolean or list of strings"
        ))),
    }
}

/// The values a field lists, and whether the set is closed.
fn listed(schema: &SchemaModel) -> Option<(&[String], bool)> {
    match schema {
        SchemaModel::String { values, closed, .. } if !values.is_empty() => {
            Some((values.as_slice(), *closed))
        }
        _ => None,
    }
}

/// `{field, map, default}`: the map covers the field's listed values, and
/// an open set has a default.
fn map_of(
    scope: &Scope<'_>,
    field: &str,
    schema: &SchemaModel,
    table: &Value,
    default: Option<&Value>,
) -> Result<ValueModel, Finding> {
    let Some((values, closed)) = listed(schema) else {
        return Err(scope.finding(format!(
            "{field} lists no values (enum or x-extensible-enum), so it cannot be mapped value by value"
        )));
    };
    let table = table
        .as_object()
        .ok_or_else(|| scope.finding(format!("map of {field} must be a mapping")))?;
    if let Some(missing) = values.iter().find(|v| !table.contains_key(*v)) {
        return Err(scope.finding(format!(
            "map of {field} does not cover its listed value {missing}"
        )));
    }
    if let Some(extra) = table.keys().find(|k| !values.contains(k)) {
        return Err(scope.finding(format!(
            "map of {field} maps {extra}, which is not one of its listed values ({})",
            values.join(", ")
        )));
    }
    if default.is_none() && !closed {
        return Err(scope.finding(format!(
            "map of {field} needs a default: its listed values are an open set, others may come"
        )));
    }
    let cases = table
        .iter()
        .map(|(k, v)| const_of(scope, v).map(|c| (k.clone(), c)))
        .collect::<Result<_, _>>()?;
    let default = default.map(|d| const_of(scope, d)).transpose()?;
    Ok(ValueModel::Map {
        field: field.to_string(),
        cases,
        default,
    })
}

/// `{cases: [{when, then}], default}`.
fn cases_of(
    scope: &Scope<'_>,
    node: &Value,
    default: Option<&Value>,
) -> Result<ValueModel, Finding> {
    let list = node
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| scope.finding("cases must be a non-empty list of {when, then}"))?;
    let mut cases = Vec::new();
    for case in list {
        let (Some(when), Some(then)) = (case.get("when"), case.get("then")) else {
            return Err(scope.finding("each case needs when and then"));
        };
        cases.push((condition(scope, when)?, const_of(scope, then)?));
    }
    let default = default.map(|d| const_of(scope, d)).transpose()?;
    Ok(ValueModel::Cases { cases, default })
}

fn condition(scope: &Scope<'_>, node: &Value) -> Result<ConditionModel, Finding> {
    if let Some(pair) = node.get("differs") {
        let pair: Option<Vec<&str>> = pair
            .as_array()
            .filter(|p| p.len() == 2)
            .and_then(|p| p.iter().map(Value::as_str).collect());
        let Some([a, b]) = pair.as_deref() else {
            return Err(scope.finding("differs takes two field paths"));
        };
        scope.field(a)?;
        scope.field(b)?;
        return Ok(ConditionModel::Differs(a.to_string(), b.to_string()));
    }
    let (Some(field), Some(values)) = (
        node.get("field").and_then(Value::as_str),
        node.get("in").and_then(Value::as_array),
    ) else {
        return Err(scope.finding("a condition is {field, in: [values]} or {differs: [a, b]}"));
    };
    let schema = scope.field(field)?;
    let values: Vec<String> = values
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<_>>()
        .ok_or_else(|| scope.finding(format!("the values of {field} must be strings")))?;
    if let Some((listed, _)) = listed(schema)
        && let Some(other) = values.iter().find(|v| !listed.contains(v))
    {
        return Err(scope.finding(format!(
            "{other} is not a listed value of {field} ({})",
            listed.join(", ")
        )));
    }
    Ok(ConditionModel::In(field.to_string(), values))
}
