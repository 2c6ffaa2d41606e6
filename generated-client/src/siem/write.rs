//! An event written with serde: the plan's tree walked for one record,
//! each object's keys in order, a node written when it holds a value.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::fields::{Part, Rest};
use super::plan::Event;
use super::source::constant;
use super::tree::{Kind, Leaf, Node};

impl Serialize for Event<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        At {
            event: self,
            node: self.root(),
        }
        .serialize(serializer)
    }
}

/// A node of one record's event.
struct At<'e, 'r> {
    event: &'e Event<'r>,
    node: &'e Node,
}

impl Serialize for At<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let event = self.event;
        let at = |node| At { event, node };
        match &self.node.kind {
            Kind::Object(children) => {
                let mut map = serializer.serialize_map(None)?;
                for (key, child) in children.iter().filter(|(_, c)| event.keeps(c)) {
                    map.serialize_entry(key, &at(child))?;
                }
                map.end()
            }
            Kind::List(items) => {
                let mut list = serializer.serialize_seq(None)?;
                for item in items.iter().filter(|item| event.keeps(item)) {
                    list.serialize_element(&at(item))?;
                }
                list.end()
            }
            Kind::Leaf(index) => self.leaf(*index, serializer),
        }
    }
}

impl At<'_, '_> {
    fn leaf<S: Serializer>(&self, index: usize, serializer: S) -> Result<S::Ok, S::Error> {
        let event = self.event;
        match event.leaf(index) {
            Some(Leaf::Rules(_)) => match event.values.get(index) {
                Some(Some(got)) => got.serialize(serializer),
                _ => serializer.serialize_unit(),
            },
            Some(Leaf::Const(c)) => constant(c, serializer),
            Some(Leaf::TypeUid(class)) => {
                let activity = event.activity.unwrap_or(0);
                serializer.serialize_i64(class.saturating_mul(100).saturating_add(activity))
            }
            Some(Leaf::Unmapped) => event.leftovers().serialize(serializer),
            Some(Leaf::Original) => event.fields.serialize(serializer),
            None => serializer.serialize_unit(),
        }
    }
}

impl Serialize for Rest<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, part) in self.parts() {
            match part {
                Part::Whole(value) => map.serialize_entry(key, value)?,
                Part::Rest(rest) => map.serialize_entry(key, &rest)?,
            }
        }
        map.end()
    }
}
