//! Every test file of the workspace is built. A crate with
//! `autotests = false` builds its integration tests as one binary, from
//! `tests/main.rs`; a file in its `tests/` that `main.rs` does not declare
//! and its `Cargo.toml` does not name as a test target would never compile
//! or run, and nothing else would say so.

use std::fs;
use std::path::{Path, PathBuf};

/// The modules `main` declares, by name.
fn declared_modules(main: &Path) -> Vec<String> {
    let text = fs::read_to_string(main).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let name = line.trim().strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_owned())
        })
        .collect()
}

/// The `.rs` files directly in `dir` that no binary builds.
fn unbuilt_files(dir: &Path, manifest: &str) -> Vec<PathBuf> {
    let modules = declared_modules(&dir.join("main.rs"));
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut unbuilt = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "rs") || stem == "main" {
            continue;
        }
        let target = format!("path = \"tests/{stem}.rs\"");
        if !modules.iter().any(|m| m == stem) && !manifest.contains(&target) {
            unbuilt.push(path);
        }
    }
    unbuilt
}

#[test]
fn every_test_file_is_a_module_of_main_or_a_target_of_its_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut checked = 0;
    let mut unbuilt = Vec::new();
    for entry in fs::read_dir(&root).expect("the workspace root").flatten() {
        let dir = entry.path();
        let Ok(manifest) = fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        if !manifest.lines().any(|l| l.trim() == "autotests = false") {
            continue;
        }
        checked += 1;
        unbuilt.extend(unbuilt_files(&dir.join("tests"), &manifest));
    }
    assert!(
        checked > 0,
        "no crate of {} builds its tests as one binary",
        root.display()
    );
    assert!(
        unbuilt.is_empty(),
        "test files that no test binary builds (declare each as a module in its tests/main.rs): {unbuilt:?}"
    );
}
