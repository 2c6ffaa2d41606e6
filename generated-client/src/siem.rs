//! Records as SIEM events: OCSF and ECS, as the spec maps them.
//!
//! The mapping is a fact of the spec (`x-siem` on each record schema, read
//! through [`Operation::siem`]); this module only applies it, the same way
//! for every operation. [`map_record`] turns one record, as JSON with the
//! spec's field names, into one event:
//!
//! - every rule of the mapping sets its target from the record, a
//!   constant or the [`Context`];
//! - OCSF events get `class_uid`, `class_name`, `category_uid`, `type_uid`
//!   (`class_uid` x 100 + `activity_id`), `metadata.version` and
//!   `metadata.profiles`; what the record holds that no rule copied goes
//!   under `unmapped`, so nothing the service sent is dropped;
//! - ECS events get `ecs.version`, and the whole record under one custom
//!   field (`hss.record`);
//! - a record that leaves a required target empty is not mapped: the
//!   error names the target.
//!
//! ```
//! use hss_client::siem::{Context, map_record};
//! use hss_client::spec::siem::SiemSchema;
//! use hss_client::Operation;
//!
//! let context = Context::default().with_region("cn-north-4");
//! for &operation in Operation::ALL {
//!     if operation.siem(SiemSchema::Ocsf).is_none() {
//!         continue;
//!     }
//!     let record = serde_json::json!({});
//!     // An empty record has no time: it cannot be an OCSF event.
//!     assert!(map_record(operation, &record, SiemSchema::Ocsf, &context).is_err());
//! }
//! ```

use serde_json::{Map, Value};

use crate::client::HssClient;
use crate::spec::Operation;
use crate::spec::siem::{Condition, Const, ContextValue, Convert, Mapping, SiemSchema, Source};

/// Facts an event needs that a record does not hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// The region the records were read in.
    pub region: Option<String>,
    /// The project id.
    pub project: Option<String>,
    /// The account (domain) id, when known.
    pub account: Option<String>,
    /// The id of the record's version (`RecordKey::of_version`), the same
    /// as `hss watch`'s line id.
    pub id: Option<String>,
}

impl Context {
    /// With the region.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// With the project id.
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// With the account (domain) id.
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// With the record version's id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The region and project of `client`.
    pub fn of_client(client: &HssClient) -> Self {
        Context {
            region: client.region().map(|r| r.id().to_string()),
            project: Some(client.project_id().to_string()),
            ..Context::default()
        }
    }

    fn get(&self, value: ContextValue) -> Option<&str> {
        match value {
            ContextValue::Region => self.region.as_deref(),
            ContextValue::Project => self.project.as_deref(),
            ContextValue::Account => self.account.as_deref(),
            ContextValue::Id => self.id.as_deref(),
        }
    }
}

/// Why a record could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// The spec does not map this operation's records to this schema.
    #[error("the spec does not map {operation} records to {}", schema.name())]
    NotMapped {
        /// The operation.
        operation: &'static str,
        /// The schema.
        schema: SiemSchema,
    },
    /// The record is not a JSON object.
    #[error("a {operation} record must be a JSON object to be mapped")]
    NotAnObject {
        /// The operation.
        operation: &'static str,
    },
    /// A target the schema requires got no value from the record.
    #[error("the {} event needs {target}, and the {operation} record gives it no value", schema.name())]
    Required {
        /// The operation.
        operation: &'static str,
        /// The schema.
        schema: SiemSchema,
        /// The target left empty.
        target: &'static str,
    },
}

/// Maps one record of `operation` (JSON, with the spec's field names) to
/// an event of `schema`.
pub fn map_record(
    operation: Operation,
    record: &Value,
    schema: SiemSchema,
    context: &Context,
) -> Result<Value, MapError> {
    into_event(operation, record.clone(), schema, context)
}

/// Like [`map_record`], taking the record: what the event keeps of it
/// (leftovers, the original) is moved, not copied.
pub fn into_event(
    operation: Operation,
    record: Value,
    schema: SiemSchema,
    context: &Context,
) -> Result<Value, MapError> {
    let name = operation.operation_id();
    let mapping = operation.siem(schema).ok_or(MapError::NotMapped {
        operation: name,
        schema,
    })?;
    if !record.is_object() {
        return Err(MapError::NotAnObject { operation: name });
    }
    let mut event = Value::Object(Map::new());
    let mut copied = Vec::new();
    for rule in mapping.rules {
        if let Some(value) = evaluate(&rule.value, &record, context, &mut copied) {
            set(&mut event, rule.target, value);
        }
    }
    if let Some(target) = mapping.required.iter().find(|t| get(&event, t).is_none()) {
        return Err(MapError::Required {
            operation: name,
            schema,
            target,
        });
    }
    stamp(&mut event, mapping);
    keep_record(&mut event, mapping, record, &copied);
    compact(&mut event);
    for (path, keys) in mapping.needs_one_of {
        let pattern: Vec<&str> = path.split('.').collect();
        drop_unidentified(&mut event, &pattern, keys);
    }
    Ok(event)
}

/// What the engine adds: the class and version facts.
fn stamp(event: &mut Value, mapping: &Mapping) {
    match mapping.schema {
        SiemSchema::Ocsf => {
            if let Some(class) = mapping.class {
                let activity = get(event, "activity_id").and_then(Value::as_i64);
                set(event, "class_uid", class.uid.into());
                set(event, "class_name", class.name.into());
                set(event, "category_uid", class.category.into());
                set(
                    event,
                    "type_uid",
                    (class.uid * 100 + activity.unwrap_or(0)).into(),
                );
            }
            set(event, "metadata.version", mapping.version.into());
            if !mapping.profiles.is_empty() {
                set(event, "metadata.profiles", mapping.profiles.into());
            }
        }
        SiemSchema::Ecs => set(event, "ecs.version", mapping.version.into()),
    }
}

/// What the event keeps of the record: what no rule copied (`unmapped`),
/// and the whole record (`original`).
fn keep_record(event: &mut Value, mapping: &Mapping, record: Value, copied: &[&str]) {
    let Value::Object(mut fields) = record else {
        return;
    };
    match (mapping.unmapped, mapping.original) {
        (Some(unmapped), original) => {
            if let Some(original) = original {
                set(event, original, Value::Object(fields.clone()));
            }
            strip_copied(&mut fields, copied);
            if !fields.is_empty() {
                set(event, unmapped, Value::Object(fields));
            }
        }
        (None, Some(original)) => set(event, original, Value::Object(fields)),
        (None, None) => {}
    }
}

/// A source's value for `record`; the field paths it copies are added to
/// `copied`.
fn evaluate(
    source: &Source,
    record: &Value,
    context: &Context,
    copied: &mut Vec<&'static str>,
) -> Option<Value> {
    match *source {
        Source::Field(path, how) => {
            let value = present(get(record, path))?;
            copied.push(path);
            convert(value, how)
        }
        Source::Const(c) => Some(constant(c)),
        Source::Context(which) => context.get(which).map(Value::from),
        Source::First(list) => list
            .iter()
            .find_map(|s| evaluate(s, record, context, copied)),
        Source::Map {
            field,
            cases,
            default,
        } => {
            let value = present(get(record, field)).and_then(Value::as_str);
            let hit = value.and_then(|v| cases.iter().find(|(k, _)| *k == v));
            hit.map(|(_, c)| *c).or(default).map(constant)
        }
        Source::Cases { cases, default } => cases
            .iter()
            .find(|(when, _)| holds(when, record))
            .map(|(_, c)| *c)
            .or(default)
            .map(constant),
    }
}

fn holds(condition: &Condition, record: &Value) -> bool {
    match *condition {
        Condition::In(field, values) => get(record, field)
            .and_then(Value::as_str)
            .is_some_and(|v| values.contains(&v)),
        Condition::Differs(a, b) => match (present(get(record, a)), present(get(record, b))) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        },
    }
}

/// A value that is there: not missing, not null.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn convert(value: &Value, how: Convert) -> Option<Value> {
    match how {
        Convert::AsIs => Some(value.clone()),
        Convert::List => Some(Value::Array(vec![value.clone()])),
        Convert::Text => Some(match value {
            Value::String(text) => Value::String(text.clone()),
            other => Value::String(other.to_string()),
        }),
        Convert::Date => value.as_i64().and_then(rfc3339).map(Value::String),
    }
}

/// Milliseconds since the epoch as RFC 3339 in UTC, with milliseconds.
fn rfc3339(millis: i64) -> Option<String> {
    let nanos = i128::from(millis) * 1_000_000;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&format).ok()
}

fn constant(c: Const) -> Value {
    match c {
        Const::Str(text) => Value::from(text),
        Const::Int(n) => Value::from(n),
        Const::Bool(b) => Value::from(b),
        Const::Strs(list) => Value::from(list),
    }
}

/// The value at a dotted path; a number is a position in a list.
fn get<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |node, segment| match node {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Sets the value at a dotted path, making the objects and lists on the
/// way (a list is padded with empty objects, which [`compact`] removes).
fn set(root: &mut Value, path: &str, value: Value) {
    let mut node = root;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let next_is_index = segments
            .peek()
            .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()));
        let empty = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        let slot = match node {
            Value::Array(items) => {
                let index = segment.parse::<usize>().unwrap_or(items.len());
                while items.len() <= index {
                    items.push(Value::Object(Map::new()));
                }
                &mut items[index]
            }
            other => {
                if !other.is_object() {
                    *other = Value::Object(Map::new());
                }
                let Value::Object(map) = other else { return };
                map.entry(segment).or_insert_with(empty)
            }
        };
        if segments.peek().is_none() {
            *slot = value;
            return;
        }
        node = slot;
    }
}

/// Leaves out the objects at `pattern` (`*` for each item of a list) that
/// hold none of `keys`.
fn drop_unidentified(node: &mut Value, pattern: &[&str], keys: &[&str]) {
    let Some((first, rest)) = pattern.split_first() else {
        return;
    };
    let keep = |v: &Value| keys.iter().any(|k| v.get(k).is_some());
    match node {
        Value::Array(items) if *first == "*" => {
            if rest.is_empty() {
                items.retain(keep);
            } else {
                items
                    .iter_mut()
                    .for_each(|i| drop_unidentified(i, rest, keys));
            }
        }
        Value::Object(map) if rest.is_empty() && map.get(*first).is_some_and(|v| !keep(v)) => {
            map.remove(*first);
        }
        Value::Object(_) if rest.is_empty() => {}
        Value::Object(map) => {
            if let Some(inner) = map.get_mut(*first) {
                drop_unidentified(inner, rest, keys);
            }
        }
        _ => {}
    }
}

/// Removes the empty objects that padding left in lists.
fn compact(value: &mut Value) {
    match value {
        Value::Array(items) => {
            items.retain(|v| !matches!(v, Value::Object(m) if m.is_empty()));
            items.iter_mut().for_each(compact);
        }
        Value::Object(map) => map.values_mut().for_each(compact),
        _ => {}
    }
}

/// Leaves in `fields` only what no rule copied: each copied path is taken
/// out, and an object left empty by that goes too; so do nulls.
fn strip_copied(fields: &mut Map<String, Value>, copied: &[&str]) {
    for path in copied {
        remove_path(fields, path);
    }
    fields.retain(|_, value| !value.is_null());
}

fn remove_path(fields: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            fields.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(inner)) = fields.get_mut(head) {
                remove_path(inner, rest);
                if inner.is_empty() {
                    fields.remove(head);
                }
            }
        }
    }
}
