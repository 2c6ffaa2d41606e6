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
            lines.push(rejected_line(record));
            metrics.left_out(record.operation, LeftOut::Schema, 1);
        }
        for (delivery, reason) in unmapped {
            lines.push(unmapped_line(delivery, reason));
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

/// The line of a record that breaks its schema.
fn rejected_line(record: &Rejected) -> String {
    let raw: Value = serde_json::from_str(&record.raw).unwrap_or(Value::String(record.raw.clone()));
    json!({
        "operation": record.operation.operation_id(),
        "position": record.position,
        "error": record.message,
        "record": raw,
        "id": record.id.to_string(),
    })
    .to_string()
}

/// The line of a version its SIEM schema cannot take.
fn unmapped_line(delivery: &Delivery, reason: &str) -> String {
    let raw: Value =
        serde_json::from_str(&delivery.json).unwrap_or(Value::String(delivery.json.clone()));
    json!({
        "operation": delivery.operation.operation_id(),
        "error": reason,
        "record": raw,
        "id": delivery.id.to_string(),
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
