//! What a pass remembers of the records it read, compactly enough to go in
//! a [`super::pager::Cursor`]: the keys read last, in order
//! ([`RecentKeys`], for where the list moved), and every key read in the
//! pass with the version it was read in ([`ReadSet`], for each record
//! once and for reading the head again).
//!
//! Both hold a key's 64-bit fingerprint (the low half of its
//! [`RecordKey`] digest), not the key: a pass of a million records holds
//! two of them the same with odds of about 1 in 40 million.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasherDefault;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::record::RecordKey;

/// Hashes a key's fingerprint, which is a digest already, by taking it:
/// no second hash of a hash.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 ^= value;
    }
}

type Hasher = BuildHasherDefault<KeyHasher>;

/// The fingerprint a pass remembers a key by.
pub(crate) fn fingerprint(key: &RecordKey) -> u64 {
    key.low_bits()
}

/// The keys of the records read last, oldest first, at most `capacity`.
/// Saved as one hex string of 16 digits a key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RecentKeys {
    order: VecDeque<u64>,
    set: HashSet<u64, Hasher>,
}

impl RecentKeys {
    /// Whether `key` is remembered.
    pub(crate) fn contains(&self, key: &RecordKey) -> bool {
        self.set.contains(&fingerprint(key))
    }

    /// Remembers `key`, forgetting the oldest beyond `capacity`.
    pub(crate) fn insert(&mut self, key: &RecordKey, capacity: usize) {
        let print = fingerprint(key);
        if self.set.insert(print) {
            self.order.push_back(print);
        }
        while self.order.len() > capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }
}

impl Serialize for RecentKeys {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = self.order.iter().flat_map(|p| p.to_be_bytes()).collect();
        serializer.serialize_str(&hex::encode(bytes))
    }
}

impl<'de> Deserialize<'de> for RecentKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut recent = RecentKeys::default();
        for chunk in chunks::<D, 8>(&String::deserialize(deserializer)?)? {
            let print = u64::from_be_bytes(chunk);
            if recent.set.insert(print) {
                recent.order.push_back(print);
            }
        }
        Ok(recent)
    }
}

/// Every record read, by its key's fingerprint, with a stamp of the
/// version it was read in last ([`crate::record::version_stamp`]). Saved
/// as one hex string of 24 digits a record, in the fingerprints' order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReadSet(HashMap<u64, u32, Hasher>);

impl ReadSet {
    /// The stamp of the version `key` was read in, if it was read.
    pub(crate) fn stamp(&self, key: &RecordKey) -> Option<u32> {
        self.0.get(&fingerprint(key)).copied()
    }

    /// Whether `key` was read.
    pub(crate) fn contains(&self, key: &RecordKey) -> bool {
        self.0.contains_key(&fingerprint(key))
    }

    /// `key` was read in the version `stamp` stands for.
    pub(crate) fn insert(&mut self, key: &RecordKey, stamp: u32) {
        self.0.insert(fingerprint(key), stamp);
    }

    /// Takes in every record of `other`, in the versions `other` read.
    pub(crate) fn absorb(&mut self, other: ReadSet) {
        self.0.extend(other.0);
    }
}

impl Serialize for ReadSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(u64, u32)> = self.0.iter().map(|(k, v)| (*k, *v)).collect();
        entries.sort_unstable();
        let mut bytes = Vec::with_capacity(entries.len() * 12);
        for (print, stamp) in entries {
            bytes.extend_from_slice(&print.to_be_bytes());
            bytes.extend_from_slice(&stamp.to_be_bytes());
        }
        serializer.serialize_str(&hex::encode(bytes))
    }
}

impl<'de> Deserialize<'de> for ReadSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut read = ReadSet::default();
        for chunk in chunks::<D, 12>(&String::deserialize(deserializer)?)? {
            let (print, stamp) = chunk.split_at(8);
            let print = u64::from_be_bytes(print.try_into().unwrap_or_default());
            let stamp = u32::from_be_bytes(stamp.try_into().unwrap_or_default());
            read.0.insert(print, stamp);
        }
        Ok(read)
    }
}

/// The `N`-byte records of a hex string.
fn chunks<'de, D: Deserializer<'de>, const N: usize>(text: &str) -> Result<Vec<[u8; N]>, D::Error> {
    let bytes = hex::decode(text).map_err(serde::de::Error::custom)?;
    if bytes.len() % N != 0 {
        return Err(serde::de::Error::custom(format!(
            "expected a hex string of {N}-byte records, got {} bytes",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(N)
        .map(|chunk| {
            let mut record = [0u8; N];
            record.copy_from_slice(chunk);
            record
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_round_trip_through_json() {
        let keys: Vec<RecordKey> = (0..50).map(|n| RecordKey::of(&[n.to_string()])).collect();
        let mut recent = RecentKeys::default();
        let mut read = ReadSet::default();
        for (n, key) in keys.iter().enumerate() {
            recent.insert(key, 20);
            read.insert(key, n as u32);
        }
        let text = serde_json::to_string(&recent).unwrap();
        assert_eq!(serde_json::from_str::<RecentKeys>(&text).unwrap(), recent);
        let text = serde_json::to_string(&read).unwrap();
        assert_eq!(text.len(), 50 * 24 + 2, "24 hex digits a record");
        let back: ReadSet = serde_json::from_str(&text).unwrap();
        assert_eq!(back, read);
        assert_eq!(back.stamp(&keys[7]), Some(7));
        assert!(serde_json::from_str::<ReadSet>("\"abcd\"").is_err());
    }
}
