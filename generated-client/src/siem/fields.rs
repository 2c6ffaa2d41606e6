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

    /// Each path's value in `record` (by index); `None` where it has none.
    pub(super) fn find<'r>(&self, record: &'r Map<String, Value>) -> Vec<Option<&'r Value>> {
        let mut found = vec![None; self.count];
        self.root.find_in(record, &mut found);
        found
    }
}

impl Segment {
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
