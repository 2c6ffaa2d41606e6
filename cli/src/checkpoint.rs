//! `--checkpoint FILE`: where an export stands, written atomically after
//! every page has been written and synced to disk, so that a rerun of the
//! same command after a crash (even `kill -9`, or a power loss) goes on
//! from there with no record lost or written twice. It holds the pager's
//! whole [`Cursor`]: the next offset, the last total, and the keys of the
//! records written last, so a list that moved meanwhile is followed as if
//! the export had never stopped. With each output's length it keeps a
//! digest of its last bytes ([`Tail`]): a rerun goes on only in a file
//! that still holds them there, and refuses one changed since, instead of
//! cutting it at a length that means nothing in it.

use std::path::{Path, PathBuf};

use hss_client::Cursor;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::exit::Failure;
use crate::output::Tail;

/// The version of the checkpoint file's layout.
const VERSION: u32 = 2;

/// Where an export stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Checkpoint {
    /// The layout version.
    pub version: u32,
    /// What the export is: a digest of the operation, its filters, the
    /// format and the output files. A checkpoint of another export is
    /// refused.
    pub fingerprint: String,
    /// The export it belongs to, for people reading the file.
    pub export: String,
    /// Where the pass over the list stands.
    pub cursor: Cursor,
    /// Records written to the output.
    pub records: u64,
    /// Records written to the rejects.
    pub rejected: u64,
    /// The output's length in bytes after the last page.
    pub output_bytes: u64,
    /// The rejects file's length in bytes after the last page.
    pub rejects_bytes: u64,
    /// The output's last bytes before that length, by digest (absent in
    /// checkpoints written before, which go by the length alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tail: Option<Tail>,
    /// The rejects file's last bytes before its length, by digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejects_tail: Option<Tail>,
}

/// What identifies an export.
#[derive(Debug, Serialize)]
pub struct Identity<'a> {
    /// The operationId.
    pub operation: &'a str,
    /// The filters, by wire name, sorted.
    pub arguments: Vec<(&'a str, &'a str)>,
    /// The format's name.
    pub format: &'a str,
    /// The output file.
    pub output: Option<PathBuf>,
    /// The rejects file.
    pub rejects: Option<PathBuf>,
}

impl Identity<'_> {
    /// The digest a checkpoint carries.
    pub fn fingerprint(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    /// A short description: the operation and its filters.
    pub fn describe(&self) -> String {
        let mut text = self.operation.to_string();
        for (name, value) in &self.arguments {
            text.push_str(&format!(" {name}={value}"));
        }
        text
    }
}

impl Checkpoint {
    /// A checkpoint at the start of an export.
    pub fn start(identity: &Identity<'_>) -> Self {
        Checkpoint {
            version: VERSION,
            fingerprint: identity.fingerprint(),
            export: identity.describe(),
            cursor: Cursor::at(0),
            records: 0,
            rejected: 0,
            output_bytes: 0,
            rejects_bytes: 0,
            output_tail: None,
            rejects_tail: None,
        }
    }

    /// The checkpoint at `path`, if there is one; an error when it cannot
    /// be read or belongs to another export.
    pub fn load(path: &Path, identity: &Identity<'_>) -> Result<Option<Self>, Failure> {
        let Some(checkpoint) =
            crate::state_file::read::<Checkpoint>(path, "checkpoint", "checkpoint")?
        else {
            return Ok(None);
        };
        if checkpoint.version != VERSION {
            return Err(Failure::usage(format!(
                "{} has checkpoint version {}, this tool writes {VERSION}",
                path.display(),
                checkpoint.version
            )));
        }
        if checkpoint.fingerprint != identity.fingerprint() {
            return Err(Failure::usage(format!(
                "the checkpoint {} belongs to another export ({}), not to {}; \
                 rerun that export, or remove the checkpoint to start this one afresh",
                path.display(),
                checkpoint.export,
                identity.describe()
            )));
        }
        Ok(Some(checkpoint))
    }

    /// Writes the checkpoint to `path` atomically: a reader (or a rerun
    /// after a crash) sees the old one or the new one, never a part.
    pub fn save(&self, path: &Path) -> Result<(), Failure> {
        crate::state_file::write(path, "checkpoint", self, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity<'static> {
        Identity {
            operation: "ListThings",
            arguments: Vec::new(),
            format: "ndjson",
            output: Some(PathBuf::from("out.ndjson")),
            rejects: None,
        }
    }

    #[test]
    fn a_checkpoint_written_before_tails_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint");
        let mut old = serde_json::to_value(Checkpoint::start(&identity())).unwrap();
        old.as_object_mut().unwrap().remove("output_tail");
        std::fs::write(&path, old.to_string()).unwrap();
        let loaded = Checkpoint::load(&path, &identity()).unwrap().unwrap();
        assert_eq!(loaded.output_tail, None);
        assert_eq!(loaded, Checkpoint::start(&identity()));
    }
}
