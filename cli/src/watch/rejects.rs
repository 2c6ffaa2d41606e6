//! `hss watch --rejects FILE`: the record versions watch could not write
//! as lines, set aside rather than dropped. A record that breaks its
//! schema (the feed hands it over beside the page's deliveries), or a
//! version its SIEM schema cannot take, is one JSON line, as
//! `hss export --rejects` writes it: the operation, the error, the raw
//! record (and the position where it was read, when it broke its schema),
//! with the version's `id`. Every one is also a warning on stderr and
//! counted in `hss_watch_records_left_out_total`.
//!
//! The file is opened by its path to append each page's rejects, and
//! synced before the state moves past them: a rotation of it is followed,
//! and a crash loses none (one may be set aside twice, when the process
//! dies between the rejects and the state).

use std::io::Write;
use std::path::{Path, PathBuf};

use hss_client::watch::{Delivery, Rejected};
use hss_client::{Operation, RecordKey};
use serde_json::{Value, json};

use crate::exit::Failure;
use crate::metrics::{LeftOut, Metrics};

/// Where left-out record versions go.
#[derive(Debug)]
pub(super) struct Rejects {
    path: Option<PathBuf>,
    /// Record versions left out by this process.
    count: u64,
}

impl Rejects {
    /// The rejects at `path` (none kept when `None`); the file is created
    /// now, so that a path that cannot take them fails at start.
    pub(super) fn open(path: Option<&Path>) -> Result<Self, Failure> {
        if let Some(path) = path {
            append(path, &[]).map_err(|f| Failure::usage(format!("--rejects: {}", f.message)))?;
        }
        Ok(Rejects {
            path: path.map(Path::to_path_buf),
            count: 0,
        })
    }

    /// Record versions left out by this process so far.
    pub(super) fn count(&self) -> u64 {
        self.count
    }

    /// Sets aside one page's `rejected` records and `unmapped` versions
    /// (each with why its schema cannot take it): appended and synced,
    /// said on stderr and counted.
    pub(super) fn set_aside(
        &mut self,
        metrics: &Metrics,
        rejected: &[Rejected],
        unmapped: &[(&Delivery, String)],
    ) -> Result<(), Failure> {
        let mut lines = Vec::with_capacity(rejected.len() + unmapped.len());
        for record in rejected {
            lines.push(rejected_line(
                record.operation,
                (record.position, &record.message),
                &record.raw,
                record.id,
            ));
            metrics.left_out(record.operation, LeftOut::Schema, 1);
        }
        for (delivery, reason) in unmapped {
            lines.push(unmapped_line(
                delivery.operation,
                reason,
                &delivery.json,
                delivery.id,
            ));
            metrics.left_out(delivery.operation, LeftOut::Unmapped, 1);
        }
        if lines.is_empty() {
            return Ok(());
        }
        if let Some(path) = &self.path {
            append(path, &lines)?;
        }
        let kept = match &self.path {
            Some(path) => format!("set aside in {}", path.display()),
            None => "not kept: pass --rejects FILE to keep such records".to_string(),
        };
        for record in rejected {
            tracing::warn!(
                "{}: the record at offset {} does not match its schema and was left out ({kept}): {}",
                record.operation,
                record.position,
                record.message
            );
        }
        for (delivery, reason) in unmapped {
            tracing::warn!(
                "{}: the record version {} was left out ({kept}): {reason}",
                delivery.operation,
                delivery.id
            );
        }
        self.count += lines.len() as u64;
        Ok(())
    }
}

/// The raw record as JSON; as a string when it is not JSON.
fn raw_value(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// The line of a record of `operation` that breaks its schema: read at
/// `position`, with `message` saying how.
fn rejected_line(
    operation: Operation,
    (position, message): (i64, &str),
    raw: &str,
    id: RecordKey,
) -> String {
    json!({
        "operation": operation.operation_id(),
        "position": position,
        "error": message,
        "record": raw_value(raw),
        "id": id.to_string(),
    })
    .to_string()
}

/// The line of a version its SIEM schema cannot take, for `reason`.
fn unmapped_line(operation: Operation, reason: &str, raw: &str, id: RecordKey) -> String {
    json!({
        "operation": operation.operation_id(),
        "error": reason,
        "record": raw_value(raw),
        "id": id.to_string(),
    })
    .to_string()
}

/// Appends `lines` to the file at `path` (created when absent) and syncs
/// them.
fn append(path: &Path, lines: &[String]) -> Result<(), Failure> {
    let failed = |e: std::io::Error| {
        Failure::local(format!(
            "cannot write the rejects file {}: {e}",
            path.display()
        ))
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(failed)?;
    if lines.is_empty() {
        return Ok(());
    }
    let mut text = lines.join("\n");
    text.push('\n');
    file.write_all(text.as_bytes()).map_err(failed)?;
    file.sync_data().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation() -> Operation {
        hss_client::Operation::ALL[0]
    }

    #[test]
    fn lines_hold_what_export_s_rejects_hold_and_the_id() {
        let id = RecordKey::of(&["\"a\"".to_string()]);
        let line = rejected_line(operation(), (49, "an id is a number"), r#"{"x_id":1}"#, id);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["operation"], operation().operation_id());
        assert_eq!(value["position"], 49);
        assert_eq!(value["error"], "an id is a number");
        assert_eq!(value["record"]["x_id"], 1);
        assert_eq!(value["id"], id.to_string());
        let line = unmapped_line(operation(), "needs a time", "not json", id);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["error"], "needs a time");
        assert_eq!(value["record"], "not json", "kept as it came");
        assert!(value.get("position").is_none());
    }

    #[test]
    fn the_file_is_created_at_start_and_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rejects.ndjson");
        std::fs::write(&path, "earlier\n").unwrap();
        let rejects = Rejects::open(Some(&path)).unwrap();
        assert_eq!(rejects.count(), 0);
        append(&path, &["one".to_string(), "two".to_string()]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "earlier\none\ntwo\n"
        );
        let missing = dir.path().join("no-such-dir").join("rejects.ndjson");
        let refused = Rejects::open(Some(&missing)).unwrap_err();
        assert_eq!(refused.status, crate::exit::Status::Usage);
        assert!(refused.message.contains("--rejects"), "{}", refused.message);
    }
}
