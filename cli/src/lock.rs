//! One process per state: `hss watch` locks its state and its output, and
//! `hss export` its checkpoint, before it reads or writes either, so that
//! a second process started by mistake (a cron job beside a systemd unit,
//! or a second unit writing to the same file) is refused instead of
//! writing the same output at the same time, or cutting back lines the
//! other wrote.
//!
//! The lock is an exclusive `flock` on a file beside the guarded one
//! (`STATE.lock`), which holds the holder's process id for the message a
//! second process gives. The state itself cannot carry the lock: it is
//! replaced by a rename at every save. The kernel lets go of the lock
//! when the process ends, however it ends (`kill -9` too), so no stale
//! lock is ever left to remove; the file itself may stay.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::exit::Failure;

/// A held lock; dropping it lets go.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    path: PathBuf,
}

impl Lock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The lock file of `guarded`: the same path with `.lock` added.
pub fn path_of(guarded: &Path) -> PathBuf {
    let mut path = guarded.as_os_str().to_owned();
    path.push(".lock");
    PathBuf::from(path)
}

/// Takes the lock of `guarded` for this process, or refuses with a usage
/// error naming it and the process that holds it. `command` is `watch` or
/// `export`, `what` what `guarded` is to it (`state`, `output`,
/// `checkpoint`).
pub fn hold(guarded: &Path, command: &str, what: &str) -> Result<Lock, Failure> {
    let path = path_of(guarded);
    let fail = |e: io::Error| {
        Failure::local(format!(
            "cannot lock the {what} {} (lock file {}): {e}",
            guarded.display(),
            path.display()
        ))
    };
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(fail)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim().parse::<u32>().map_or_else(
                |_| "another process".to_string(),
                |pid| format!("pid {pid}"),
            );
            return Err(Failure::usage(format!(
                "the {what} {} is in use by another hss {command} ({holder}); \
                 one process per {what}: stop that one first, or give this one another {what}",
                guarded.display()
            )));
        }
        Err(TryLockError::Error(e)) => return Err(fail(e)),
    }
    file.set_len(0).map_err(fail)?;
    file.rewind().map_err(fail)?;
    writeln!(file, "{}", std::process::id()).map_err(fail)?;
    Ok(Lock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_one_s_pid_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("watch.state");
        let held = hold(&state, "watch", "state").unwrap();
        assert_eq!(held.path(), dir.path().join("watch.state.lock"));
        let refused = hold(&state, "watch", "state").unwrap_err();
        assert_eq!(refused.status, crate::exit::Status::Usage);
        assert!(
            refused
                .message
                .contains(&format!("pid {}", std::process::id())),
            "{}",
            refused.message
        );
        assert!(
            refused.message.contains("watch.state"),
            "{}",
            refused.message
        );
        drop(held);
        hold(&state, "watch", "state").unwrap();
    }
}
