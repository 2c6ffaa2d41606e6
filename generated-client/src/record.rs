//! Record identity: which records of a list are the same record.
//!
//! The spec names, on the schema of a paginated operation's records, the
//! fields that identify a record (`x-record-key`) and the field that
//! changes whenever the record does (`x-record-version`); the generated
//! [`crate::PaginatedExt`] impls read them off each typed record. A
//! record's [`RecordKey`] is a digest of its key fields' JSON values, so it
//! has one size whatever the key, can be kept in a checkpoint, and tells
//! nothing of the record. A record schema without `x-record-key` is
//! identified by its whole content.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::spec::{Field, Operation};

/// The identity of one record: a 128-bit digest of its key fields.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey(u128);

// `Hash` hashes the one `u128` (`Hasher::write_u128`), which
// `pager::KeyHasher` relies on.

impl RecordKey {
    /// The key of a record whose key fields, in the spec's order, are
    /// `parts` (each the JSON text of a field's value, see `key_part`).
    pub fn of(parts: &[String]) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            // The length first, so that no two lists of parts run together
            // into the same bytes.
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let digest = hash.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        RecordKey(u128::from_be_bytes(bytes))
    }

    /// The low 64 bits of the digest: what a pass remembers a key by.
    pub(crate) fn low_bits(&self) -> u64 {
        self.0 as u64
    }

    /// The id of one version of the record `key` identifies: the same
    /// every time that version is read, and the key itself for records
    /// without versions. `hss watch` writes it as each line's `id`, and the
    /// SIEM mappings as the event's (`metadata.uid`, `event.id`).
    pub fn of_version(key: RecordKey, version: Option<&str>) -> Self {
        match version {
            Some(version) => RecordKey::of(&[key.to_string(), version.to_string()]),
            None => key,
        }
    }

    /// The key of a record of `operation` given as JSON: what the
    /// generated code computes from the typed record, computed from the
    /// record's JSON instead (for a record that does not match its
    /// schema). A key field is read under any of its spellings.
    pub fn from_json(operation: Operation, record: &serde_json::Value) -> Self {
        let names = operation
            .pagination()
            .map(|p| p.record_key)
            .unwrap_or_default();
        if names.is_empty() {
            return RecordKey::of(&[key_part(record)]);
        }
        let fields = operation.item_schema().map(|s| s.fields()).unwrap_or(&[]);
        let parts: Vec<String> = names
            .iter()
            .map(|name| key_part(&json_field(record, name, fields)))
            .collect();
        RecordKey::of(&parts)
    }
}

/// A 32-bit stamp of a record's version (its `x-record-version` field as
/// JSON text), 0 for a record without one: what a pass remembers to tell
/// whether a record it meets again has changed since it read it. Two
/// versions of one record share a stamp with odds of 1 in 4 billion.
pub(crate) fn version_stamp(version: Option<&str>) -> u32 {
    let Some(version) = version else {
        return 0;
    };
    // FNV-1a, never 0 for a version.
    let hash = version.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash.max(1)
}

/// The version of a record of `operation` given as JSON (its
/// `x-record-version` field), as the generated code reads it from a typed
/// record.
pub fn version_from_json(operation: Operation, record: &serde_json::Value) -> Option<String> {
    let name = operation.pagination()?.record_version?;
    let fields = operation.item_schema().map(|s| s.fields()).unwrap_or(&[]);
    Some(key_part(&json_field(record, name, fields)))
}

/// The value of field `name` of `record`, under its own name or an alias;
/// `null` when absent.
fn json_field(record: &serde_json::Value, name: &str, fields: &[Field]) -> serde_json::Value {
    let aliases = fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.aliases)
        .unwrap_or_default();
    std::iter::once(name)
        .chain(aliases.iter().copied())
        .find_map(|key| record.get(key).filter(|v| !v.is_null()))
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// One key field's value as JSON text: a string with its quotes, a number
/// in digits, `null` for an absent field.
pub fn key_part<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordKey({self})")
    }
}

impl FromStr for RecordKey {
    type Err = String;

    /// 32 hex digits, as [`RecordKey`]'s `Display` writes it.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() != 32 {
            return Err(format!(
                "a record key is 32 hex digits, got {} characters",
                text.len()
            ));
        }
        u128::from_str_radix(text, 16)
            .map(RecordKey)
            .map_err(|e| format!("a record key is 32 hex digits: {e}"))
    }
}

impl Serialize for RecordKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    /// The SplitMix64 finalizer: a cheap, well-mixed hash for tests.
    pub(crate) fn mix(mut x: u64) -> u64 {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_do_not_run_together() {
        let a = RecordKey::of(&["\"ab\"".into(), "\"c\"".into()]);
        let b = RecordKey::of(&["\"a\"".into(), "\"bc\"".into()]);
        assert_ne!(a, b);
        assert_eq!(a, RecordKey::of(&["\"ab\"".into(), "\"c\"".into()]));
    }

    #[test]
    fn keys_round_trip_as_text() {
        let key = RecordKey::of(&["1".into()]);
        let text = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<RecordKey>(&text).unwrap(), key);
        assert!("xyz".parse::<RecordKey>().is_err());
    }

    #[test]
    fn a_json_record_has_the_key_of_its_typed_form() {
        for &operation in Operation::ALL {
            let Some(pagination) = operation.pagination() else {
                continue;
            };
            if pagination.record_key.is_empty() {
                continue;
            }
            let mut record = serde_json::Map::new();
            for (n, name) in pagination.record_key.iter().enumerate() {
                record.insert((*name).to_string(), serde_json::json!(format!("v{n}")));
            }
            let parts: Vec<String> = (0..pagination.record_key.len())
                .map(|n| key_part(&Some(format!("v{n}"))))
                .collect();
            assert_eq!(
                RecordKey::from_json(operation, &serde_json::Value::Object(record)),
                RecordKey::of(&parts),
                "{operation}"
            );
        }
    }
}
