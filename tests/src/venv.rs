//! Python tools the tests run, each in a venv of its own under
//! `target/venvs/`, installed on first use from a requirements file that
//! pins every package with its hashes (`pip install --require-hashes`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use crate::workspace_root;

/// The python of venv `name`, which must be able to `import` each of
/// `modules`; made from `requirements` (a path in the workspace) when it
/// cannot. It is made in a directory of its own, then renamed into place,
/// so that two processes never see half a venv.
pub fn python(name: &str, requirements: &str, modules: &str) -> Result<PathBuf, String> {
    static MADE: OnceLock<Mutex<HashMap<String, Result<PathBuf, String>>>> = OnceLock::new();
    let made = MADE.get_or_init(Default::default);
    let mut made = made
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    made.entry(name.to_string())
        .or_insert_with(|| make(name, requirements, modules))
        .clone()
}

fn make(name: &str, requirements: &str, modules: &str) -> Result<PathBuf, String> {
    let root = workspace_root();
    let venv = root.join("target/venvs").join(name);
    let python = venv.join("bin/python");
    let ready = |python: &Path| {
        Command::new(python)
            .args(["-c", &format!("import {modules}")])
            .status()
            .is_ok_and(|s| s.success())
    };
    if ready(&python) {
        return Ok(python);
    }
    let staging = root.join(format!("target/venvs/{name}.{}", std::process::id()));
    run(Command::new("python3").arg("-m").arg("venv").arg(&staging))?;
    run(Command::new(staging.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "-r",
        ])
        .arg(root.join(requirements)))?;
    let _ = std::fs::remove_dir_all(&venv);
    std::fs::rename(&staging, &venv)
        .or_else(|e| if ready(&python) { Ok(()) } else { Err(e) })
        .map_err(|e| format!("cannot move the venv into {}: {e}", venv.display()))?;
    if ready(&python) {
        Ok(python)
    } else {
        Err(format!("{} cannot import {modules}", python.display()))
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
