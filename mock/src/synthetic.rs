//! Records built from an operation's response item schema, for every
//! operation without a hand-tuned source. Record `i` is a pure function of
//! the seed and `i`:
//!
//! - a string with listed values takes them in turn;
//! - another string is made from the field's example, or its name, and a
//!   number: unique per record for an id (`id` or `..._id`), one of a few
//!   otherwise, so that filtering on it finds several records;
//! - a field named like a cluster's id, name or type (`cluster_id`,
//!   `clusterName`, ...) takes the value of the dataset's cluster that
//!   record `i` belongs to ([`Dataset::cluster_of`]), as the hand-tuned
//!   records do: every operation speaks of the same clusters, as the
//!   service's do, so a cluster filter selects records in each of them;
//! - an integer lies within its bounds; the time-window field, and any
//!   int64 field whose name ends in `time`, is an epoch-millisecond time,
//!   one [`STEP_MS`] after the record before, from [`BASE_TIME_MS`];
//! - numbers, booleans, lists and nested objects follow their schemas.
//!
//! A response that does not page is one such object, record 0.
//!
//! Every record of a list is distinct, as the service's are: a list whose
//! records carry a field unique to each (an id, a time, a number) has as
//! many records as the dataset; a list of records that speak only of a
//! cluster (a list of clusters) has one record per cluster; any other
//! list makes its first free-text string field unique to each record.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use hss_client::Operation;
use hss_client::spec::{Field, IntegerSchema, Schema, StringSchema};
use serde_json::{Map, Value};

use crate::data::{BASE_TIME_MS, Cluster, Dataset, mix};
use crate::source::Records;

/// Milliseconds between the times of two consecutive records.
pub const STEP_MS: i64 = 1_000;
/// How many different values a pooled string field takes.
const POOL: u64 = 8;

/// The synthetic records of one operation.
#[derive(Debug, Clone)]
pub struct Synthetic {
    seed: u64,
    len: u64,
    dataset: Arc<Dataset>,
    item: &'static Schema,
    window_field: Option<&'static str>,
    /// The string field made unique to each record, when no field is.
    unique: Option<&'static str>,
}

/// What tells a list's records apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Distinct {
    /// A field unique to each record.
    ByIndex,
    /// Their cluster: one record per cluster.
    ByCluster,
    /// This string field, made unique to each record.
    ByField(&'static str),
    /// Nothing: a single record.
    Single,
}

impl Synthetic {
    /// As many records of `operation` for `seed` as `dataset` has, over
    /// its clusters.
    pub fn new(operation: Operation, seed: u64, dataset: Arc<Dataset>) -> Self {
        let item = operation
            .item_schema()
            .or(operation.response())
            .unwrap_or(&Schema::Any);
        let window_field = operation.time_window().and_then(|w| w.field);
        Self::of_schema(
            item,
            operation.pagination().is_some(),
            window_field,
            seed,
            dataset,
        )
    }

    /// Records of schema `item`: a list (`paged`) or one record.
    pub fn of_schema(
        item: &'static Schema,
        paged: bool,
        window_field: Option<&'static str>,
        seed: u64,
        dataset: Arc<Dataset>,
    ) -> Self {
        let distinct = distinct(item, window_field);
        let len = match (paged, distinct) {
            (false, _) | (true, Distinct::Single) => 1,
            (true, Distinct::ByIndex | Distinct::ByField(_)) => dataset.len(),
            (true, Distinct::ByCluster) => dataset.len().min(dataset.clusters().len() as u64),
        };
        let unique = match distinct {
            Distinct::ByField(name) => Some(name),
            _ => None,
        };
        Self {
            seed,
            len,
            dataset,
            item,
            window_field,
            unique,
        }
    }

    /// Record `index` as a JSON value.
    pub fn record(&self, index: u64) -> Value {
        self.value(self.item, "", index, 0)
    }

    fn value(&self, schema: &Schema, name: &str, index: u64, depth: usize) -> Value {
        let h = mix(self.seed ^ mix(index ^ hash(name)));
        match schema {
            Schema::String(string) => Value::String(self.string(string, name, index)),
            Schema::Integer(integer) => Value::from(self.integer(integer, name, index, h)),
            Schema::Number => Value::from(index as f64 / 4.0),
            Schema::Boolean { .. } => Value::Bool(index.is_multiple_of(2)),
            Schema::Array(items) if depth < 4 => {
                Value::Array(vec![self.value(items, name, index, depth + 1)])
            }
            Schema::Object(fields) if depth < 4 => {
                let mut map = Map::new();
                for field in *fields {
                    let value = self.value(field.schema, field.name, index, depth + 1);
                    if !value.is_null() {
                        map.insert(field.name.to_string(), value);
                    }
                }
                Value::Object(map)
            }
            Schema::OneOf(variants) => variants
                .first()
                .map_or(Value::Null, |v| self.value(v, name, index, depth)),
            _ => Value::Null,
        }
    }

    fn string(&self, string: &StringSchema, name: &str, index: u64) -> String {
        if let Some(value) = cluster_value(self.dataset.cluster_of(index), name, string) {
            return fit(value.to_string(), string);
        }
        if !string.values.is_empty() {
            let n = (index + hash(name)) % string.values.len() as u64;
            return string.values[n as usize].to_string();
        }
        let base = string
            .example
            .unwrap_or(if name.is_empty() { "value" } else { name });
        let unique = is_id(name) || self.unique == Some(name);
        let text = if unique {
            format!("{base}-{:x}-{index}", self.seed)
        } else {
            format!("{base}-{}", index % POOL)
        };
        fit(text, string)
    }

    fn integer(&self, integer: &IntegerSchema, name: &str, index: u64, h: u64) -> i64 {
        if is_time(integer, name, self.window_field) {
            return BASE_TIME_MS.saturating_add((index as i64).saturating_mul(STEP_MS));
        }
        let low = integer.minimum.unwrap_or(0);
        let high = integer
            .maximum
            .unwrap_or(low.saturating_add(1_000))
            .max(low);
        let span = (high - low) as u64 + 1;
        low + (h % span.max(1)) as i64
    }
}

/// Whether a string field named `name` is an id, unique to each record.
fn is_id(name: &str) -> bool {
    name == "id" || name.ends_with("_id")
}

/// Whether an integer field is a time, one step apart from record to
/// record.
fn is_time(integer: &IntegerSchema, name: &str, window_field: Option<&str>) -> bool {
    window_field == Some(name) || (integer.bits == 64 && name.ends_with("time"))
}

/// What tells the records of schema `item` apart, by the rules the values
/// are made by.
fn distinct(item: &Schema, window_field: Option<&str>) -> Distinct {
    let fields = item.fields();
    // A cluster's id or name: one value per cluster, and a cluster's only.
    let cluster_field = |field: &Field| {
        matches!(field.schema, Schema::String(string) if string.values.is_empty())
            && matches!(plain(field.name).as_str(), "clusterid" | "clustername")
    };
    let unique = fields.iter().any(|field| match field.schema {
        Schema::String(string) => {
            string.values.is_empty() && is_id(field.name) && !cluster_field(field)
        }
        Schema::Integer(integer) => is_time(integer, field.name, window_field),
        Schema::Number => true,
        _ => false,
    });
    if unique {
        return Distinct::ByIndex;
    }
    if fields.iter().any(cluster_field) {
        return Distinct::ByCluster;
    }
    fields
        .iter()
        .find_map(|field| match field.schema {
            Schema::String(string)
                if string.values.is_empty() && plain(field.name) != "clustertype" =>
            {
                Some(field.name)
            }
            _ => None,
        })
        .map_or(Distinct::Single, Distinct::ByField)
}

/// `text` cut or padded to the lengths `string` allows.
fn fit(mut text: String, string: &StringSchema) -> String {
    if let Some(max) = string.max_length {
        text = text.chars().take(max as usize).collect();
    }
    if let Some(min) = string.min_length {
        while (text.chars().count() as u64) < min {
            text.push('x');
        }
    }
    text
}

/// The value of `cluster` for a field named like a cluster's id, name or
/// type (case and underscores aside); a type only when the field lists it
/// or lists nothing.
fn cluster_value<'a>(cluster: &'a Cluster, name: &str, string: &StringSchema) -> Option<&'a str> {
    match plain(name).as_str() {
        "clusterid" => Some(&cluster.id),
        "clustername" => Some(&cluster.name),
        "clustertype"
            if string.values.is_empty() || string.values.contains(&cluster.cluster_type) =>
        {
            Some(cluster.cluster_type)
        }
        _ => None,
    }
}

/// A field's name with case and underscores aside.
fn plain(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

impl Records for Synthetic {
    fn len(&self) -> u64 {
        self.len
    }

    fn write(&self, index: u64, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(out, &self.record(index));
    }

    fn field(&self, index: u64, name: &str) -> Option<Cow<'_, str>> {
        let field = self.item.field(name)?;
        match self.value(field.schema, name, index, 1) {
            Value::String(s) => Some(Cow::Owned(s)),
            Value::Null => None,
            other => Some(Cow::Owned(other.to_string())),
        }
    }

    fn window(&self, start: i64, end: i64) -> Range<u64> {
        if end < start || self.len == 0 || end < BASE_TIME_MS {
            return 0..0;
        }
        let first = if start <= BASE_TIME_MS {
            0
        } else {
            ((start - BASE_TIME_MS) as u64).div_ceil(STEP_MS as u64)
        };
        let last = ((end - BASE_TIME_MS) as u64 / STEP_MS as u64).saturating_add(1);
        first.min(self.len)..last.min(self.len)
    }

    fn window_field(&self) -> Option<&str> {
        self.window_field
    }

    fn origin(&self) -> &'static str {
        "synthetic records built from the response schema"
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// A record schema of the spec's cluster fields only (id, name, type),
    /// with no key: a list of clusters.
    fn cluster_schema() -> &'static Schema {
        let mut fields: Vec<Field> = Vec::new();
        for operation in Operation::ALL {
            for field in operation.item_schema().map_or(&[][..], Schema::fields) {
                let plain = plain(field.name);
                if plain.starts_with("cluster") && !fields.iter().any(|f| f.name == field.name) {
                    fields.push(*field);
                }
            }
        }
        assert!(
            fields.iter().any(|f| plain(f.name) == "clusterid"),
            "the spec has a cluster id field"
        );
        Box::leak(Box::new(Schema::Object(Box::leak(
            fields.into_boxed_slice(),
        ))))
    }

    fn distinct_records(records: &Synthetic) -> (u64, usize) {
        let all: BTreeSet<Vec<u8>> = (0..records.len())
            .map(|i| {
                let mut out = Vec::new();
                records.write(i, &mut out);
                out
            })
            .collect();
        (records.len(), all.len())
    }

    #[test]
    fn a_list_of_clusters_has_one_distinct_record_per_cluster() {
        let dataset = Arc::new(Dataset::new(7, 1000, 8, "project"));
        let records = Synthetic::of_schema(cluster_schema(), true, None, 7, dataset);
        assert_eq!(distinct_records(&records), (8, 8));
    }

    #[test]
    fn every_operation_s_list_holds_distinct_records() {
        let dataset = Arc::new(Dataset::new(7, 500, 8, "project"));
        let paged: Vec<Operation> = Operation::ALL
            .iter()
            .copied()
            .filter(|op| op.pagination().is_some())
            .collect();
        assert!(!paged.is_empty(), "an operation pages");
        for operation in paged {
            let records = Synthetic::new(operation, 7, Arc::clone(&dataset));
            let (len, distinct) = distinct_records(&records);
            assert!(len > 0, "{operation}");
            assert_eq!(distinct as u64, len, "{operation}");
        }
    }
}
