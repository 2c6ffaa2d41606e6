//! The state of a watch (`--state`): every feed's state and the output it
//! covers (which file, its length, and a digest of its last bytes: an
//! [`output::Mark`](crate::output::Mark)), written atomically before the
//! first byte is written to a file and after each page; a state of
//! another watch, or of another `--schema`, is refused.

use std::collections::BTreeMap;
use std::path::Path;

use hss_client::watch::FeedState;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::exit::Failure;
use crate::output::{FileId, Mark, Tail};

/// The version of the state file's layout.
pub(crate) const VERSION: u32 = 1;

/// The state file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) version: u32,
    /// What the state is of: the feeds and the output.
    pub(crate) fingerprint: String,
    /// The feeds, for people reading the file.
    pub(crate) watch: Vec<String>,
    /// The output's length once the last page was written.
    pub(crate) output_bytes: u64,
    /// Which file that length is of (absent in states written before
    /// rotation was followed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) output_file: Option<FileId>,
    /// The output's last bytes before that length, by digest (absent in
    /// states written before the output was known by its content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) output_tail: Option<Tail>,
    /// What the lines hold (`--schema`; absent in states written before
    /// it was recorded, which take the schema of their next run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) schema: Option<String>,
    /// Each feed's state, by name.
    pub(crate) feeds: BTreeMap<String, FeedState>,
}

/// What a watch is, as its state knows it: its feeds' names, its output
/// and what the output's lines hold.
#[derive(Clone, Debug)]
pub(crate) struct Of {
    /// The feeds' names, as given.
    pub(crate) names: Vec<String>,
    /// The output file; `None` for stdout.
    pub(crate) output: Option<std::path::PathBuf>,
    /// The schema's name (`hss`, `ocsf`, `ecs`).
    pub(crate) schema: &'static str,
}

impl Of {
    /// A digest of the feeds (in any order) and the output's absolute
    /// path.
    pub(crate) fn fingerprint(&self) -> String {
        let output = self
            .output
            .as_ref()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
        let mut names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        names.sort_unstable();
        let text = serde_json::to_string(&(names, output)).unwrap_or_default();
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

impl State {
    /// A new state of the watch `of`.
    pub(crate) fn new(of: &Of) -> Self {
        State {
            version: VERSION,
            fingerprint: of.fingerprint(),
            watch: of.names.clone(),
            schema: Some(of.schema.to_string()),
            ..State::default()
        }
    }

    /// The state at `path`, when there is one; a state of another watch
    /// than `of`, of another schema, or of another layout, is refused.
    pub(crate) fn load(path: &Path, of: &Of) -> Result<Option<State>, Failure> {
        let Some(state) = crate::state_file::read::<State>(path, "state", "watch state")? else {
            return Ok(None);
        };
        if state.version != VERSION {
            return Err(Failure::usage(format!(
                "{} has state version {}, this tool writes {VERSION}",
                path.display(),
                state.version
            )));
        }
        if state.fingerprint != of.fingerprint() {
            return Err(Failure::usage(format!(
                "the state {} belongs to another watch ({}), not to this one ({}); \
                 rerun that one, or give this one a state file of its own",
                path.display(),
                state.watch.join("; "),
                of.names.join("; ")
            )));
        }
        match state.schema.as_deref() {
            Some(schema) if schema != of.schema => Err(Failure::usage(format!(
                "the state {} is of a watch that writes --schema {schema}, and this one \
                 gives --schema {}: one output holds one format. Rerun with --schema {schema}, \
                 or give the watch in --schema {} a --state and an --output of its own \
                 (its first cycle backfills)",
                path.display(),
                of.schema,
                of.schema
            ))),
            Some(_) => Ok(Some(state)),
            None => Ok(Some(State {
                schema: Some(of.schema.to_string()),
                ..state
            })),
        }
    }

    /// The output as the state names it.
    pub(crate) fn output(&self) -> Mark {
        Mark {
            file: self.output_file,
            bytes: self.output_bytes,
            tail: self.output_tail.clone(),
        }
    }

    /// Names `mark` as the output the state covers.
    pub(crate) fn set_output(&mut self, mark: &Mark) {
        self.output_file = mark.file;
        self.output_bytes = mark.bytes;
        self.output_tail = mark.tail.clone();
    }

    /// Writes the state atomically.
    pub(crate) fn save(&self, path: &Path) -> Result<(), Failure> {
        crate::state_file::write(path, "state", self, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(schema: &'static str) -> Of {
        Of {
            names: vec!["ListThings".to_string()],
            output: Some("out.ndjson".into()),
            schema,
        }
    }

    #[test]
    fn a_state_of_another_schema_is_refused_saying_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        State::new(&of("hss")).save(&path).unwrap();
        assert!(State::load(&path, &of("hss")).unwrap().is_some());
        let refused = State::load(&path, &of("ocsf")).unwrap_err();
        assert_eq!(refused.status, crate::exit::Status::Usage);
        for said in ["--schema hss", "--schema ocsf", "--state", "--output"] {
            assert!(refused.message.contains(said), "{}", refused.message);
        }
    }

    #[test]
    fn a_state_written_before_tails_and_schemas_loads_and_takes_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let old = serde_json::json!({
            "version": VERSION,
            "fingerprint": of("ocsf").fingerprint(),
            "watch": ["ListThings"],
            "output_bytes": 12,
            "output_file": {"device": 1, "inode": 2},
            "feeds": {},
        });
        std::fs::write(&path, old.to_string()).unwrap();
        let state = State::load(&path, &of("ocsf")).unwrap().unwrap();
        assert_eq!(state.schema.as_deref(), Some("ocsf"));
        assert_eq!(state.output().bytes, 12);
        assert_eq!(state.output().tail, None);
        state.save(&path).unwrap();
        assert!(State::load(&path, &of("hss")).is_err());
    }
}
