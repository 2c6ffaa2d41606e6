//! The record fields a mapping reads, found in one pass over a record.
//!
//! A plan names each field path once, in a tree of their segments; for
//! each record, [`Fields::find`] walks each object's keys and the tree's
//! names side by side (both sorted), instead of looking every path up on
//! its own.

use std::cmp::Ordering;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The field paths a mapping reads, each with its index.
#[derive(Debug, Default)]
pub(super) struct Fields {
    /// The paths' segments as a tree.
    root: Segment,
    /// How many paths there are.
    count: usize,
}

/// A segment of one or more paths.
#[derive(Debug, Default)]
struct Segment {
    /// The index of the path that ends here.
    index: Option<usize>,
    /// The segments after it, sorted by name.
    next: Vec<(&'static str, Segment)>,
}

impl Fields {
    /// The index of `path`, added when new.
    pub(super) fn index(&mut self, path: &'static str) -> usize {
        let mut segment = &mut self.root;
        for name in path.split('.') {
            let at = match segment.next.binary_search_by(|(n, _)| n.cmp(&name)) {
                Ok(at) => at,
                Err(at) => {
                    segment.next.insert(at, (name, Segment::default()));
                    at
                }
            };
            segment = &mut segment.next[at].1;
        }
        *segment.index.get_or_insert_with(|| {
            self.count += 1;
            self.count - 1
        })
    }

    /// How many paths there are.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// What `record` holds that is not among the paths marked in
    /// `copied` (by index).
    pub(super) fn rest<'e>(
        &'e self,
        record: &'e Map<String, Value>,
        copied: &'e [bool],
    ) -> Rest<'e> {
        Rest {
            fields: record,
            segment: &self.root,
            copied,
            top: true,
        }
    }

    /// Each path's value in `record` (by index); `None` where it has none.
    pub(super) fn find<'r>(&self, record: &'r Map<String, Value>) -> Vec<Option<&'r Value>> {
        let mut found = vec![None; self.count];
        self.root.find_in(record, &mut found);
        found
    }
}

impl Segment {
    /// Whether the path that ends here was copied.
    fn is_copied(&self, copied: &[bool]) -> bool {
        self.index
            .is_some_and(|i| copied.get(i).copied().unwrap_or(false))
    }

    /// Whether a path at or below here was copied.
    fn touched(&self, copied: &[bool]) -> bool {
        self.is_copied(copied) || self.next.iter().any(|(_, next)| next.touched(copied))
    }

    /// Sets the values of the paths at and below this segment, `value`
    /// being its value.
    fn find<'r>(&self, value: &'r Value, found: &mut [Option<&'r Value>]) {
        if let Some(slot) = self.index.and_then(|i| found.get_mut(i)) {
            *slot = Some(value);
        }
        if self.next.is_empty() {
            return;
        }
        match value {
            Value::Object(map) => self.find_in(map, found),
            Value::Array(items) => {
                for (name, next) in &self.next {
                    if let Some(item) = name.parse::<usize>().ok().and_then(|i| items.get(i)) {
                        next.find(item, found);
                    }
                }
            }
            _ => {}
        }
    }

    /// The same, for the segments after this one in the object `map`.
    fn find_in<'r>(&self, map: &'r Map<String, Value>, found: &mut [Option<&'r Value>]) {
        if !keys_are_sorted() {
            for (name, next) in &self.next {
                if let Some(value) = map.get(*name) {
                    next.find(value, found);
                }
            }
            return;
        }
        let mut entries = map.iter();
        let mut entry = entries.next();
        for (name, next) in &self.next {
            while let Some((key, value)) = entry {
                match compare(key, name) {
                    Ordering::Less => entry = entries.next(),
                    Ordering::Equal => {
                        next.find(value, found);
                        break;
                    }
                    Ordering::Greater => break,
                }
            }
        }
    }
}

/// The fields of an object less the copied paths: a copied path is left
/// out, and an object left empty by that goes too; at the top, so do
/// nulls.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rest<'e> {
    fields: &'e Map<String, Value>,
    /// The object's place among the paths.
    segment: &'e Segment,
    copied: &'e [bool],
    top: bool,
}

/// A field of the leftovers: whole, or less what was copied below it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Part<'e> {
    /// The value as the record holds it.
    Whole(&'e Value),
    /// An object less copied paths.
    Rest(Rest<'e>),
}

impl<'e> Rest<'e> {
    /// What is left, in the record's order.
    pub(super) fn parts(self) -> impl Iterator<Item = (&'e str, Part<'e>)> {
        // The keys and the names of the paths' segments come sorted: one
        // pass over both finds each key's segment.
        let sorted = keys_are_sorted();
        let next = &self.segment.next;
        let mut at = 0;
        self.fields.iter().filter_map(move |(key, value)| {
            if self.top && value.is_null() {
                return None;
            }
            let segment = if sorted {
                while next
                    .get(at)
                    .is_some_and(|(name, _)| compare(name, key).is_lt())
                {
                    at += 1;
                }
                next.get(at).filter(|(name, _)| *name == key.as_str())
            } else {
                next.iter().find(|(name, _)| *name == key.as_str())
            };
            let whole = Some((key.as_str(), Part::Whole(value)));
            let Some((_, segment)) = segment.filter(|(_, s)| s.touched(self.copied)) else {
                return whole;
            };
            if segment.is_copied(self.copied) {
                return None;
            }
            match value {
                Value::Object(fields) => {
                    let rest = Rest {
                        fields,
                        segment,
                        copied: self.copied,
                        top: false,
                    };
                    (!rest.is_empty()).then_some((key.as_str(), Part::Rest(rest)))
                }
                _ => whole,
            }
        })
    }

    /// Whether nothing is left.
    pub(super) fn is_empty(self) -> bool {
        self.parts().next().is_none()
    }
}

/// Two keys in serde_json's order (byte by byte), compared in place: the
/// keys are short and differ early.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    a.bytes().cmp(b.bytes())
}

/// Whether serde_json's maps give their keys sorted (they do unless its
/// `preserve_order` feature is on).
pub(super) fn keys_are_sorted() -> bool {
    static SORTED: OnceLock<bool> = OnceLock::new();
    *SORTED.get_or_init(|| {
        let mut map = Map::new();
        map.insert("b".into(), Value::Null);
        map.insert("a".into(), Value::Null);
        map.keys().next().is_some_and(|key| key == "a")
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_path_is_found_once_nested_and_in_lists() {
        let mut fields = Fields::default();
        let paths = [
            "kind",
            "info.name",
            "items.1.id",
            "info.name",
            "absent",
            "kind.deeper",
        ];
        let indexes: Vec<usize> = paths.iter().map(|p| fields.index(p)).collect();
        assert_eq!(indexes, [0, 1, 2, 1, 3, 4]);
        let record = json!({
            "absent_not": 1,
            "info": {"name": "n", "other": 2},
            "items": [{"id": "first"}, {"id": "second"}],
            "kind": "k",
            "zzz": null,
        });
        let Value::Object(record) = record else {
            unreachable!("a literal object")
        };
        let found = fields.find(&record);
        assert_eq!(found[0], Some(&json!("k")));
        assert_eq!(found[1], Some(&json!("n")));
        assert_eq!(found[2], Some(&json!("second")));
        assert_eq!(found[3], None, "a key that only begins like the path");
        assert_eq!(found[4], None, "below a text");
    }

    /// The leftovers of `record` when the paths `read` are read and
    /// `copied` copied.
    fn leftovers(record: &Value, read: &[&'static str], copied: &[&'static str]) -> Value {
        let Value::Object(record) = record else {
            unreachable!("a literal object")
        };
        let mut fields = Fields::default();
        read.iter().chain(copied).for_each(|p| {
            fields.index(p);
        });
        let mut marks = vec![false; fields.count()];
        for path in copied {
            let index = fields.index(path);
            marks[index] = true;
        }
        serde_json::to_value(fields.rest(record, &marks)).unwrap_or_default()
    }

    #[test]
    fn leftovers_are_what_no_rule_copied() {
        let record = json!({
            "a": 1,
            "a-b": 2,
            "b": {"c": 2, "d": 3, "e": {"f": 1}},
            "e": null,
            "g": {"h": 1},
            "i": {},
            "j": [{"k": 1}],
            "n": 5,
        });
        let copied = ["a", "b.c", "b.e.f", "g.h", "j.0.k", "missing.path"];
        assert_eq!(
            leftovers(&record, &["n", "b.d"], &copied),
            json!({
                "a-b": 2,
                "b": {"d": 3},
                "i": {},
                "j": [{"k": 1}],
                "n": 5,
            }),
            "a copied path goes, an object it leaves empty goes, nulls at the top go, lists are kept whole, a path read but not copied stays"
        );
        assert_eq!(
            leftovers(&record, &[], &[]).as_object().map(Map::len),
            Some(7)
        );
    }

    #[test]
    fn keys_compare_as_serde_json_sorts_them() {
        for (a, b) in [
            ("a", "a-b"),
            ("a-b", "a.c"),
            ("event_id", "event_name"),
            ("", "a"),
        ] {
            assert_eq!(compare(a, b), a.cmp(b), "{a} {b}");
            assert_eq!(compare(b, a), b.cmp(a), "{b} {a}");
        }
    }
}
