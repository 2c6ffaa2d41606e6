//! The files a run keeps its place in (an export's checkpoint, a watch's
//! state): JSON, read whole, written atomically, so that a reader or a
//! rerun after a crash sees the old file or the new one, never a part.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::exit::Failure;

/// The file at `path`, decoded; `None` when there is none. `what` names
/// it in errors (`checkpoint`), `kind` what it must be (`checkpoint`,
/// `watch state`).
pub fn read<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    kind: &str,
) -> Result<Option<T>, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Failure::usage(format!(
                "cannot read the {what} {}: {e}",
                path.display()
            )));
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Failure::usage(format!(
            "{} is not a {kind} of this tool: {e}",
            path.display()
        ))
    })
}

/// Writes `value` to `path` atomically, as JSON (`pretty` for people to
/// read); `what` names the file in errors.
pub fn write(path: &Path, what: &str, value: &impl Serialize, pretty: bool) -> Result<(), Failure> {
    let fail =
        |e: io::Error| Failure::local(format!("cannot write the {what} {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    let text = if pretty {
        serde_json::to_vec_pretty(value)
    } else {
        serde_json::to_vec(value)
    }
    .map_err(|e| fail(io::Error::other(e)))?;
    temp.write_all(&text).map_err(fail)?;
    temp.as_file().sync_data().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
