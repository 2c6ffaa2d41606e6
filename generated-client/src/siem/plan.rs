//! A mapping made ready for many records ([`Plan`]), and one record's
//! event ([`Event`]): the value of each target, borrowed from the record
//! where it can be, written by serde without an event tree in between.

use serde_json::{Map, Value};

use super::context::Context;
use super::error::MapError;
use super::fields::Rest;
use super::source::Got;
use super::tree::{Kind, Leaf, Node, Tree};
use crate::spec::Operation;
use crate::spec::siem::{Mapping, SiemSchema};

/// How one operation's records become events of one schema, made ready
/// once for many records.
///
/// ```
/// use hss_client::siem::{Context, Plan};
/// use hss_client::{Operation, SiemSchema};
///
/// for &operation in Operation::ALL {
///     let Ok(plan) = Plan::new(operation, SiemSchema::Ocsf) else {
///         continue; // the spec does not map this operation to OCSF
///     };
///     let record = serde_json::json!({});
///     // An empty record has no time: it cannot be an OCSF event.
///     assert!(plan.event(&record, &Context::default()).is_err());
/// }
/// ```
#[derive(Debug)]
pub struct Plan {
    operation: Operation,
    mapping: &'static Mapping,
    tree: Tree,
}

impl Plan {
    /// The plan of `operation`'s records in `schema`; an error when the
    /// spec does not map them.
    pub fn new(operation: Operation, schema: SiemSchema) -> Result<Self, MapError> {
        let mapping = operation.siem(schema).ok_or(MapError::NotMapped {
            operation: operation.operation_id(),
            schema,
        })?;
        Ok(Plan {
            operation,
            mapping,
            tree: Tree::new(mapping),
        })
    }

    /// The operation whose records it maps.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The schema it maps them to.
    pub fn schema(&self) -> SiemSchema {
        self.mapping.schema
    }

    /// Appends the event of `record` to `out` as compact JSON; an error,
    /// with nothing appended, when the record cannot be mapped.
    pub fn write(
        &self,
        record: &Value,
        context: &Context,
        out: &mut Vec<u8>,
    ) -> Result<(), MapError> {
        let event = self.event(record, context)?;
        let start = out.len();
        serde_json::to_writer(&mut *out, &event).map_err(|e| {
            out.truncate(start);
            self.encode_failed(e)
        })
    }

    /// The event of `record` as a JSON value.
    pub fn value(&self, record: &Value, context: &Context) -> Result<Value, MapError> {
        let event = self.event(record, context)?;
        serde_json::to_value(&event).map_err(|e| self.encode_failed(e))
    }

    fn encode_failed(&self, error: serde_json::Error) -> MapError {
        MapError::Encode {
            operation: self.operation.operation_id(),
            schema: self.mapping.schema,
            message: error.to_string(),
        }
    }

    /// The event of `record` (JSON, with the spec's field names), ready to
    /// be written with serde (`serde_json::to_writer`); an error when a
    /// required target gets no value.
    pub fn event<'r>(
        &'r self,
        record: &'r Value,
        context: &'r Context,
    ) -> Result<Event<'r>, MapError> {
        let operation = self.operation.operation_id();
        let Value::Object(fields) = record else {
            return Err(MapError::NotAnObject { operation });
        };
        let found = self.tree.fields.find(fields);
        let mut copied = vec![false; self.tree.fields.count()];
        let values: Vec<Option<Got<'r>>> = self
            .tree
            .leaves
            .iter()
            .map(|leaf| match leaf {
                Leaf::Rules(steps) => steps.iter().fold(None, |last, step| {
                    step.evaluate(&found, context, &mut copied).or(last)
                }),
                _ => None,
            })
            .collect();
        let missing = self
            .tree
            .required
            .iter()
            .find(|(_, leaf)| values.get(*leaf).is_none_or(Option::is_none));
        if let Some(&(target, _)) = missing {
            return Err(MapError::Required {
                operation,
                schema: self.mapping.schema,
                target,
            });
        }
        let activity = self
            .tree
            .activity
            .and_then(|leaf| values.get(leaf)?.as_ref()?.as_i64());
        let mut event = Event {
            plan: self,
            fields,
            values,
            copied,
            activity,
            kept: vec![false; self.tree.nodes],
        };
        event.mark(&self.tree.root);
        Ok(event)
    }
}

/// One record's event: what each target of its [`Plan`] holds. It is
/// written with serde, keys in the order serde_json gives a map's.
#[derive(Debug)]
pub struct Event<'r> {
    pub(super) plan: &'r Plan,
    /// The record's fields.
    pub(super) fields: &'r Map<String, Value>,
    /// Each leaf's value, for the leaves of rules.
    pub(super) values: Vec<Option<Got<'r>>>,
    /// Which of the fields the plan reads (by index) the rules copied.
    copied: Vec<bool>,
    /// OCSF's `activity_id`.
    pub(super) activity: Option<i64>,
    /// Whether each node, by id, is written.
    kept: Vec<bool>,
}

impl<'r> Event<'r> {
    /// The event's root.
    pub(super) fn root(&self) -> &'r Node {
        &self.plan.tree.root
    }

    /// The leaf at `index`.
    pub(super) fn leaf(&self, index: usize) -> Option<&'r Leaf> {
        self.plan.tree.leaves.get(index)
    }

    /// Whether `node` is written.
    pub(super) fn keeps(&self, node: &Node) -> bool {
        self.kept.get(node.id).copied().unwrap_or(false)
    }

    /// Marks whether `node` and those below it are written: a node is
    /// when a value is set at or below it and it holds one of the keys it
    /// needs. Whether a value is set (returned) is told before
    /// `needs-one-of` leaves anything out, so an object left empty by it
    /// stays.
    fn mark(&mut self, node: &Node) -> bool {
        let set = match &node.kind {
            Kind::Object(children) => children
                .iter()
                .fold(false, |set, (_, child)| self.mark(child) | set),
            Kind::List(items) => items.iter().fold(false, |set, item| self.mark(item) | set),
            Kind::Leaf(index) => self.has_leaf(*index),
        };
        let kept = set
            && node
                .needs
                .is_none_or(|keys| keys.iter().any(|key| self.has_key(node, key)));
        if let Some(slot) = self.kept.get_mut(node.id) {
            *slot = kept;
        }
        set
    }

    /// Whether `node` holds `key` with a value (the nodes below it
    /// marked).
    fn has_key(&self, node: &Node, key: &str) -> bool {
        match &node.kind {
            Kind::Object(children) => children
                .iter()
                .any(|(k, child)| *k == key && self.keeps(child)),
            Kind::List(_) => false,
            Kind::Leaf(index) => self
                .values
                .get(*index)
                .and_then(Option::as_ref)
                .is_some_and(|got| got.holds(key)),
        }
    }

    /// Whether leaf `index` has a value.
    fn has_leaf(&self, index: usize) -> bool {
        match self.leaf(index) {
            Some(Leaf::Rules(_)) => self.values.get(index).is_some_and(Option::is_some),
            Some(Leaf::Const(_) | Leaf::TypeUid(_) | Leaf::Original) => true,
            Some(Leaf::Unmapped) => !self.leftovers().is_empty(),
            None => false,
        }
    }

    /// What the record holds that no rule copied.
    pub(super) fn leftovers(&self) -> Rest<'_> {
        self.plan.tree.fields.rest(self.fields, &self.copied)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::spec::siem::Source;

    /// A record with every field `mapping` reads (each a number, which
    /// every conversion takes), and one it does not.
    fn record_for(mapping: &Mapping) -> Value {
        fn fields(source: &Source, out: &mut Vec<&'static str>) {
            match *source {
                Source::Field(path, _) => out.push(path),
                Source::First(list) => list.iter().for_each(|s| fields(s, out)),
                _ => {}
            }
        }
        let mut paths = Vec::new();
        mapping
            .rules
            .iter()
            .for_each(|r| fields(&r.value, &mut paths));
        let mut record = json!({"unknown_field": {"kept": true}});
        for path in paths {
            let mut node = &mut record;
            for segment in path.split('.') {
                if !node.is_object() {
                    *node = json!({});
                }
                node = &mut node[segment];
            }
            *node = json!(7);
        }
        record
    }

    #[test]
    fn events_are_written_as_their_json_values_are() {
        let context = Context::default()
            .with_region("cn-north-4")
            .with_project("p")
            .with_account("a")
            .with_id("0123");
        let mut written = 0;
        for &operation in Operation::ALL {
            for &schema in SiemSchema::ALL {
                let Ok(plan) = Plan::new(operation, schema) else {
                    continue;
                };
                let record = record_for(plan.mapping);
                let Ok(event) = plan.event(&record, &context) else {
                    continue;
                };
                written += 1;
                let text = serde_json::to_string(&event).unwrap_or_default();
                let value = serde_json::to_value(&event).unwrap_or_default();
                assert_eq!(text, value.to_string(), "{operation} {}", schema.name());
                assert!(text.contains("\"kept\":true"), "nothing is lost: {text}");
            }
        }
        assert!(written > 0, "no operation's record became an event");
    }
}
