//! `cargo xtask spec-change`: proves that a spec edit plus `cargo xtask
//! generate` is the whole change.
//!
//! It copies the workspace's tracked files to a scratch directory and edits
//! the copy's spec the ways a maintainer most often does:
//!
//! 1. the largest page of every paginated operation changes, each
//!    differently ([`page_size_edit`]: it grows to more than twice its
//!    size, falls to an odd size, or grows by one), so that no test can
//!    hold one literal page size;
//! 2. every operation gains an optional, bounded integer query parameter;
//! 3. a third paginated operation appears, with a record schema of its own
//!    (a string id that is its record key, a listed value, an
//!    epoch-millisecond time and a bounded count), so hss-mock must serve
//!    it from synthetic records;
//! 4. a fourth paginated operation lists cluster-level records that carry
//!    a `cluster_id` ([`NEW_CLUSTER_OPERATION`]), with no time window and
//!    no record version, at a path that sorts before every other: hss-mock
//!    must give its records the clusters the other operations' records
//!    speak of, and no test may take the first operation for granted;
//! 5. the documented rate limit changes (fewer calls a user may make, in
//!    a shorter window), which the budget, hss-mock's gateway and the
//!    tests read from the spec;
//! 6. a fifth operation comes from an API reference page written for the
//!    tests ([`NEW_PAGE`]), through `cargo xtask docs-sync`: nested
//!    objects, a list of strings, a number, listed values, shared
//!    parameters;
//! 7. the SIEM mappings (`x-siem`) change: the third operation's records
//!    get OCSF and ECS mappings of their own, and the first mapped record
//!    schema's OCSF mapping gains a field ([`NEW_SIEM_TARGET`]) from a
//!    record field no rule copied before, which the events must then
//!    carry (the tests check every field rule against the events).
//!
//! Each new operation is also a new `hss mcp` tool: the suite's MCP tests
//! list the tools through a real MCP client and compare them with the
//! operations table.
//!
//! Then, in the copy and with no other edit, it runs `cargo xtask validate`,
//! `cargo xtask generate`, `cargo xtask generate --check` and the README's
//! test command. The workspace's tests read every operation, parameter and
//! bound from the generated operations table, so they exercise every
//! edit: the client and hss-mock accept each new largest page and refuse
//! one past it, both refuse the new parameter out of its range, the new
//! operation streams every one of its records through the client from
//! hss-mock, and exports keep to the new rate limit against a gateway that
//! applies it. Last, it checks that only the spec and the generated files
//! differ from the original.
//!
//! Then the round trip of `docs-sync`: the copy goes back as committed,
//! its spec is cut down to what no page describes, the API reference
//! pages (`--pages`, by default `../shared/docs`) are put through
//! `docs-sync`, and the generated types of the result must decode every
//! documented example without losing a value.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, anyhow, bail};
use hss_codegen::SpecSource;
use hss_codegen::docs::sync::skeleton;
use serde_json::{Map, Value, json};

use crate::generate;

/// The OCSF target the check maps a record field to.
const NEW_SIEM_TARGET: &str = "metadata.event_code";

/// The operationId of the operation the check adds.
const NEW_OPERATION: &str = "ListSpecChangeProbes";
/// The path segment the new operation's path adds to the first one's.
const NEW_SEGMENT: &str = "spec-change-probes";
/// The operationId of the operation of cluster-level records the check
/// adds.
const NEW_CLUSTER_OPERATION: &str = "ListSpecChangeClusterNodes";
/// The last path segment of that operation, after the first operation's
/// path up to its last path parameter: the generated table orders
/// operations by path, and this one sorts before today's (`cluster-protect`,
/// `container`), so that the new operation comes first.
const NEW_CLUSTER_SEGMENT: &str = "cluster-nodes";
/// The query parameter the check adds to every operation.
const NEW_PARAMETER: &str = "spec_change_probe";
/// The page `docs-sync` adds the fourth operation from.
const NEW_PAGE: &str = "codegen/tests/docs/pages/list-policy-alarms.txt";
/// The new largest page of the `k`-th paginated operation, from its old
/// one: more than twice as large, an odd size below it, or one more.
fn page_size_edit(k: usize, old: i64) -> i64 {
    match k % 3 {
        0 => old * 2 + 100,
        1 => (old - 63).max(old / 2 + 1).max(1),
        _ => old + 1,
    }
}

/// Options of the check.
pub struct Options {
    /// Keep the scratch copy and print where it is.
    pub keep: bool,
    /// The API reference pages of the docs-sync round trip.
    pub pages: PathBuf,
}

/// Runs the check; exit status 1 when a step fails in the copy.
pub fn run(root: &Path, options: &Options) -> Result<ExitCode> {
    let scratch = tempfile::Builder::new()
        .prefix("hss-spec-change-")
        .tempdir()
        .context("cannot create a scratch directory")?;
    let copy = scratch.path().join("workspace");
    let files = copy_tracked(root, &copy)?;
    println!("copied {} tracked files to {}", files.len(), copy.display());
    // The copy is a repository of its own, its first commit the original,
    // as a maintainer's clone is (`cargo xtask diff HEAD:spec/hss.yaml`).
    git(&copy, &["init", "-q"])?;
    git(&copy, &["add", "-A"])?;
    git(
        &copy,
        &[
            "-c",
            "user.name=spec-change",
            "-c",
            "user.email=spec-change@localhost",
            "commit",
            "-q",
            "-m",
            "before the spec change",
        ],
    )?;

    let spec_path = copy.join(generate::SPEC);
    let source = SpecSource::load(&spec_path)
        .map_err(|e| anyhow!("{e}"))
        .context("cannot load the copied spec")?;
    let (edited, summary) = edit(&source)?;
    for line in &summary {
        println!("edit: {line}");
    }
    let text = serde_yaml_ng::to_string(&edited).context("cannot write the edited spec")?;
    fs::write(&spec_path, text).context("cannot write the edited spec")?;

    // A target directory of its own, kept between runs: the copy's crates
    // have the same names and versions as the workspace's, and sharing one
    // directory would let each overwrite the other's artifacts.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("spec-change");
    let steps: [(&str, &[&str]); 6] = [
        ("docs-sync of a new page", &["xtask", "docs-sync", NEW_PAGE]),
        ("validate", &["xtask", "validate"]),
        ("generate", &["xtask", "generate"]),
        ("generate --check", &["xtask", "generate", "--check"]),
        (
            "docs-check of the new page",
            &["xtask", "docs-check", NEW_PAGE],
        ),
        (
            "tests",
            &["test", "--workspace", "--locked", "--no-fail-fast"],
        ),
    ];
    if !run_steps(&copy, &target, &steps)? {
        return Ok(finish(scratch, options.keep, ExitCode::from(1)));
    }

    let changed = changed_files(root, &copy, &files)?;
    let generated_dir = Path::new(generate::CLIENT_OUT)
        .parent()
        .unwrap_or_else(|| Path::new(""));
    let allowed: BTreeSet<String> = [
        PathBuf::from(generate::SPEC),
        PathBuf::from(generate::CLIENT_OUT),
        generated_dir.join(generate::OPERATIONS_FILE),
        generated_dir.join(generate::PRESETS_FILE),
        generated_dir.join(generate::MOCK_FILE),
        PathBuf::from(generate::README),
        PathBuf::from(generate::CLI_OUT),
    ]
    .iter()
    .map(|p| p.to_string_lossy().into_owned())
    .collect();
    let unexpected: Vec<&String> = changed.difference(&allowed).collect();
    println!("\nchanged by the spec edit and `generate`: {changed:?}");
    if !unexpected.is_empty() {
        eprintln!(
            "spec-change: files other than the spec and generated ones changed: {unexpected:?}"
        );
        return Ok(finish(scratch, options.keep, ExitCode::from(1)));
    }
    let operations = fs::read_to_string(copy.join(generated_dir).join(generate::OPERATIONS_FILE))?;
    let readme = fs::read_to_string(copy.join(generate::README))?;
    let page = fs::read_to_string(copy.join(NEW_PAGE))?;
    let page = hss_codegen::docs::page::parse(&page).map_err(|e| anyhow!("{NEW_PAGE}: {e}"))?;
    let synced = page.operation_id.unwrap_or_default();
    for (file, text) in [("operations.rs", &operations), ("README.md", &readme)] {
        if !text.contains(NEW_OPERATION) || !text.contains(NEW_PARAMETER) || !text.contains(&synced)
        {
            eprintln!("spec-change: the regenerated {file} lacks the new operation or parameter");
            return Ok(finish(scratch, options.keep, ExitCode::from(1)));
        }
    }
    if !operations.contains(NEW_SIEM_TARGET) {
        eprintln!("spec-change: the regenerated operations.rs lacks the new SIEM field");
        return Ok(finish(scratch, options.keep, ExitCode::from(1)));
    }
    println!("spec-change: every edit reached the client, hss-mock, the README and the tests");

    if !round_trip(&copy, &target, &options.pages)? {
        return Ok(finish(scratch, options.keep, ExitCode::from(1)));
    }
    Ok(finish(scratch, options.keep, ExitCode::SUCCESS))
}

/// The round trip of `docs-sync`: the copy, back as committed, gets a spec
/// holding only what no page describes ([`skeleton`]); the API reference
/// pages in `pages` are put through `docs-sync`, and the result must
/// validate, generate, leave `docs-check` clean, and its generated types
/// must decode every documented example without losing a value. Skipped,
/// with a note, when `pages` holds no page.
fn round_trip(copy: &Path, target: &Path, pages: &Path) -> Result<bool> {
    let mut files: Vec<PathBuf> = match fs::read_dir(pages) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    if files.is_empty() {
        println!(
            "\nspec-change: no API reference pages in {}; the docs-sync round trip is skipped",
            pages.display()
        );
        return Ok(true);
    }
    println!(
        "\n==> spec-change: round trip of {} page(s) from {}",
        files.len(),
        pages.display()
    );
    git(copy, &["reset", "-q", "--hard"])?;
    git(copy, &["clean", "-q", "-f", "-d"])?;
    let spec_path = copy.join(generate::SPEC);
    let source = SpecSource::load(&spec_path)
        .map_err(|e| anyhow!("{e}"))
        .context("cannot load the copied spec")?;
    let bare = serde_yaml_ng::to_string(&skeleton(&source.value))
        .context("cannot write the skeleton spec")?;
    fs::write(&spec_path, bare).context("cannot write the skeleton spec")?;
    let pages: Vec<String> = files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let with_pages = |command: &str| -> Vec<String> {
        let mut args = vec!["xtask".to_string(), command.to_string()];
        args.extend(pages.iter().cloned());
        args
    };
    let sync = with_pages("docs-sync");
    let check = with_pages("docs-check");
    let owned: [(&str, Vec<String>); 5] = [
        ("docs-sync of the pages onto the skeleton", sync),
        ("validate", vec!["xtask".into(), "validate".into()]),
        ("generate", vec!["xtask".into(), "generate".into()]),
        ("docs-check of the pages", check),
        (
            "the documented examples round-trip through the generated types",
            [
                "test",
                "--locked",
                "-p",
                "hss-tests",
                "--test",
                "examples",
                "every_response_example_round_trips_losslessly",
            ]
            .map(String::from)
            .to_vec(),
        ),
    ];
    let borrowed: Vec<Vec<&str>> = owned
        .iter()
        .map(|(_, args)| args.iter().map(String::as_str).collect())
        .collect();
    let steps: Vec<(&str, &[&str])> = owned
        .iter()
        .zip(&borrowed)
        .map(|((name, _), args)| (*name, args.as_slice()))
        .collect();
    if !run_steps(copy, target, &steps)? {
        return Ok(false);
    }
    println!("spec-change: the pages alone gave back a spec whose types decode every example");
    Ok(true)
}

/// Runs `cargo` with each step's arguments in `copy`; false at the first
/// that fails.
fn run_steps(copy: &Path, target: &Path, steps: &[(&str, &[&str])]) -> Result<bool> {
    for (name, args) in steps {
        println!("\n==> spec-change: {name}");
        let status = Command::new(cargo())
            .args(*args)
            .current_dir(copy)
            .env("CARGO_TARGET_DIR", target)
            // A new operation's example gets a new snapshot, written in
            // the copy as a maintainer would accept it after review. A
            // snapshot that exists and no longer matches is rewritten
            // too, and then fails the check below as a changed file that
            // is not the spec or a generated one.
            .env("INSTA_UPDATE", "always")
            .env("INSTA_FORCE_PASS", "1")
            .status()
            .with_context(|| format!("cannot run cargo {}", args.join(" ")))?;
        if !status.success() {
            eprintln!("spec-change: `cargo {}` failed in the copy", args.join(" "));
            return Ok(false);
        }
    }
    Ok(true)
}

/// Runs git with `args` in `dir`.
fn git(dir: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("cannot run git {}", args.join(" ")))?;
    if !status.success() {
        bail!("git {} failed in the copy", args.join(" "));
    }
    Ok(())
}

fn finish(scratch: tempfile::TempDir, keep: bool, code: ExitCode) -> ExitCode {
    if keep {
        let path = scratch.keep();
        println!("kept the copy at {}", path.display());
    }
    code
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Copies the files git tracks or would track (as they are in the work
/// tree, untracked ones not ignored included) from `root`
/// to `to`; returns their relative paths.
fn copy_tracked(root: &Path, to: &Path) -> Result<Vec<String>> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .context("cannot run git ls-files")?;
    if !output.status.success() {
        bail!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut files = Vec::new();
    for name in output.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8(name.to_vec()).context("a tracked path is not UTF-8")?;
        let from = root.join(&name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let dest = to.join(&name);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(&from, &dest).with_context(|| format!("cannot copy {name}"))?;
        files.push(name);
    }
    Ok(files)
}

/// The tracked files whose content differs between `root` and `copy`.
fn changed_files(root: &Path, copy: &Path, files: &[String]) -> Result<BTreeSet<String>> {
    let mut changed = BTreeSet::new();
    for name in files {
        let before = fs::read(root.join(name))?;
        let after = fs::read(copy.join(name)).unwrap_or_default();
        if before != after {
            changed.insert(name.clone());
        }
    }
    Ok(changed)
}

/// The spec with the three edits, and a line saying what each did.
fn edit(source: &SpecSource) -> Result<(Value, Vec<String>)> {
    let operations = hss_codegen::operations::collect(source).map_err(|findings| {
        anyhow!(
            "the spec has findings: {}",
            findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let first = operations
        .iter()
        .find(|op| op.pagination.is_some())
        .ok_or_else(|| anyhow!("the spec has no paginated operation to edit"))?;
    let pagination = first
        .pagination
        .as_ref()
        .ok_or_else(|| anyhow!("no pagination"))?;
    let method = first.http_method.to_ascii_lowercase();
    let mut spec = source.value.clone();
    let mut summary = Vec::new();

    // 1. The largest page of every paginated operation changes.
    for (k, op) in operations
        .iter()
        .enumerate()
        .filter(|(_, op)| op.pagination.is_some())
    {
        let Some(paging) = op.pagination.as_ref() else {
            continue;
        };
        let method = op.http_method.to_ascii_lowercase();
        let limit = parameter_mut(&mut spec, &op.path, &method, &paging.limit)?;
        let Some(maximum) = limit.pointer_mut("/schema/maximum") else {
            continue;
        };
        let old = maximum
            .as_i64()
            .ok_or_else(|| anyhow!("a maximum that is not an integer"))?;
        let new = page_size_edit(k, old);
        *maximum = json!(new);
        summary.push(format!(
            "{} {}: maximum {old} -> {new}",
            op.operation_id, paging.limit
        ));
    }

    // 2. A third operation: the first one's, at a path of its own, with a
    //    record schema of its own.
    let mut operation = spec
        .pointer(&format!("/paths/{}/{method}", escape(&first.path)))
        .cloned()
        .ok_or_else(|| anyhow!("{} is not in the spec", first.path))?;
    let object = operation
        .as_object_mut()
        .ok_or_else(|| anyhow!("an operation that is not an object"))?;
    object.insert("operationId".into(), json!(NEW_OPERATION));
    object.insert("summary".into(), json!("List spec-change probes"));
    object.insert(
        "description".into(),
        json!("An operation added by `cargo xtask spec-change`."),
    );
    let ok = object
        .get_mut("responses")
        .and_then(|r| r.get_mut("200"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("{} has no 200 response", first.operation_id))?;
    ok.insert(
        "content".into(),
        json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{NEW_OPERATION}Response")}}}),
    );
    let schemas = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("the spec has no components.schemas"))?;
    schemas.insert(
        format!("{NEW_OPERATION}Response"),
        page_schema(pagination, "SpecChangeProbe", "probes"),
    );
    schemas.insert("SpecChangeProbe".into(), new_record());
    let new_path = format!("{}/{NEW_SEGMENT}", first.path);
    let paths = spec
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("the spec has no paths"))?;
    let mut item = Map::new();
    item.insert(method.clone(), operation);
    paths.insert(new_path.clone(), Value::Object(item));
    summary.push(format!(
        "added {NEW_OPERATION}: {} {new_path}",
        first.http_method
    ));

    // 3. A fourth operation: cluster-level records.
    let (cluster_path, cluster_item) = cluster_operation(&spec, first, pagination)?;
    let schemas = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("the spec has no components.schemas"))?;
    schemas.insert(
        format!("{NEW_CLUSTER_OPERATION}Response"),
        page_schema(pagination, "SpecChangeClusterNode", "cluster nodes"),
    );
    schemas.insert("SpecChangeClusterNode".into(), cluster_record());
    let paths = spec
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("the spec has no paths"))?;
    paths.insert(cluster_path.clone(), cluster_item);
    summary.push(format!(
        "added {NEW_CLUSTER_OPERATION}: {} {cluster_path}",
        first.http_method
    ));

    // 4. Every operation gains a bounded optional parameter.
    let mut count = 0;
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            parameters.push(json!({
                "name": NEW_PARAMETER,
                "in": "query",
                "required": false,
                "description": "A probe level added by `cargo xtask spec-change`.",
                "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 5},
            }));
            count += 1;
        }
    }
    summary.push(format!(
        "added {NEW_PARAMETER} (1 to 5) to {count} operations"
    ));

    // 5. The documented rate limit changes.
    if let Some(limit) = spec.get_mut("x-rate-limit").and_then(Value::as_object_mut) {
        for (key, change) in [("per-user", -2), ("per-ip", -2), ("window-seconds", -30)] {
            if let Some(value) = limit.get_mut(key)
                && let Some(old) = value.as_i64()
            {
                let new = (old + change).max(1);
                *value = json!(new);
                summary.push(format!("x-rate-limit {key}: {old} -> {new}"));
            }
        }
    }
    // 6. A SIEM mapping gains a field.
    summary.push(siem_edit(&mut spec)?);
    Ok((spec, summary))
}

/// Maps a string field of the first record schema mapped to OCSF, one no
/// rule copied, to [`NEW_SIEM_TARGET`].
fn siem_edit(spec: &mut Value) -> Result<String> {
    let schemas = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("the spec has no components.schemas"))?;
    let (name, schema) = schemas
        .iter_mut()
        .find(|(_, s)| s.pointer("/x-siem/ocsf/set").is_some())
        .ok_or_else(|| anyhow!("no record schema is mapped to OCSF"))?;
    let mapping = schema
        .pointer("/x-siem/ocsf")
        .map(Value::to_string)
        .unwrap_or_default();
    let field = schema
        .get("properties")
        .and_then(Value::as_object)
        .and_then(|p| {
            p.iter().find(|(field, s)| {
                s.get("type") == Some(&json!("string"))
                    && !mapping.contains(&format!("\"{field}\""))
            })
        })
        .map(|(field, _)| field.clone())
        .ok_or_else(|| anyhow!("{name} has no string field left to map"))?;
    let set = schema
        .pointer_mut("/x-siem/ocsf/set")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("{name}'s OCSF mapping has no set"))?;
    set.insert(NEW_SIEM_TARGET.into(), json!(field));
    Ok(format!("{name}: x-siem ocsf {NEW_SIEM_TARGET} <- {field}"))
}

/// The response of a new operation whose records are `record`s, paging as
/// the first one does.
fn page_schema(
    pagination: &hss_codegen::operations::PaginationModel,
    record: &str,
    what: &str,
) -> Value {
    let mut properties = Map::new();
    properties.insert(
        pagination.total.clone(),
        json!({"type": "integer", "format": "int32", "description": format!("Total number of {what}.")}),
    );
    properties.insert(
        pagination.items.clone(),
        json!({
            "type": "array",
            "description": format!("The {what} of this page."),
            "items": {"$ref": format!("#/components/schemas/{record}")},
        }),
    );
    json!({
        "type": "object",
        "description": format!("One page of {what}."),
        "additionalProperties": {},
        "properties": properties,
    })
}

/// The path and path item of the operation of cluster-level records: the
/// first paginated operation's method, security and error responses, its
/// path parameters and paging parameters, and an optional `cluster_id`
/// filter; no time window.
fn cluster_operation(
    spec: &Value,
    first: &hss_codegen::operations::OperationModel,
    pagination: &hss_codegen::operations::PaginationModel,
) -> Result<(String, Value)> {
    let method = first.http_method.to_ascii_lowercase();
    let mut operation = spec
        .pointer(&format!("/paths/{}/{method}", escape(&first.path)))
        .cloned()
        .ok_or_else(|| anyhow!("{} is not in the spec", first.path))?;
    let resolve = |parameter: &Value| -> Value {
        parameter
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|local| spec.pointer(local))
            .unwrap_or(parameter)
            .clone()
    };
    let kept: Vec<Value> = operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|parameter| {
            let resolved = resolve(parameter);
            let name = resolved.get("name").and_then(Value::as_str);
            resolved.get("in").and_then(Value::as_str) == Some("path")
                || name == Some(pagination.offset.as_str())
                || name == Some(pagination.limit.as_str())
        })
        .cloned()
        .chain([json!({
            "name": "cluster_id",
            "in": "query",
            "required": false,
            "description": "Only the nodes of this cluster.",
            "schema": {"type": "string"},
        })])
        .collect();
    let object = operation
        .as_object_mut()
        .ok_or_else(|| anyhow!("an operation that is not an object"))?;
    object.remove("x-time-window");
    object.insert("operationId".into(), json!(NEW_CLUSTER_OPERATION));
    object.insert("summary".into(), json!("List spec-change cluster nodes"));
    object.insert(
        "description".into(),
        json!("Cluster-level records added by `cargo xtask spec-change`."),
    );
    object.insert("parameters".into(), Value::Array(kept));
    let ok = object
        .get_mut("responses")
        .and_then(|r| r.get_mut("200"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("{} has no 200 response", first.operation_id))?;
    ok.insert(
        "content".into(),
        json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{NEW_CLUSTER_OPERATION}Response")}}}),
    );
    ok.insert(
        "description".into(),
        json!("The requested page of cluster nodes."),
    );
    // The first operation's path up to its last path parameter.
    let segments: Vec<&str> = first.path.split('/').collect();
    let prefix = segments
        .iter()
        .rposition(|segment| segment.starts_with('{'))
        .map_or(&segments[..0], |at| &segments[..=at]);
    let path = format!("{}/{NEW_CLUSTER_SEGMENT}", prefix.join("/"));
    let mut item = Map::new();
    item.insert(method, operation);
    Ok((path, Value::Object(item)))
}

/// The record schema of the operation of cluster-level records: a node of
/// a cluster, with no version and no time.
fn cluster_record() -> Value {
    json!({
        "type": "object",
        "description": "One node of a cluster.",
        "additionalProperties": {},
        "x-record-key": ["node_id"],
        "properties": {
            "node_id": {"type": "string", "description": "Node id.", "example": "node-1"},
            "cluster_id": {"type": "string", "description": "Id of the cluster the node is in."},
            "cluster_name": {"type": "string", "description": "Name of the cluster the node is in."},
            "node_status": {
                "type": "string",
                "description": "Node status.",
                "x-extensible-enum": ["ready", "not_ready"],
            },
        },
    })
}

/// The record schema of the new operation.
fn new_record() -> Value {
    json!({
        "type": "object",
        "description": "One probe.",
        "additionalProperties": {},
        "x-record-key": ["probe_id"],
        "properties": {
            "probe_id": {"type": "string", "description": "Probe id.", "example": "probe-1"},
            "probe_kind": {
                "type": "string",
                "description": "Probe kind.",
                "x-extensible-enum": ["alpha", "beta", "gamma"],
            },
            "probe_time": {"type": "integer", "format": "int64", "description": "Time, ms since the epoch."},
            "probe_count": {
                "type": "integer",
                "format": "int32",
                "minimum": 0,
                "maximum": 9,
                "description": "Probe count.",
            },
        },
        "x-siem": {
            "ocsf": {
                "class": {"uid": 5023, "name": "Cloud Resources Inventory Info", "category": 5},
                "why": "A probe reports the state of one resource.",
                "required": ["time"],
                "set": {
                    "activity_id": {"const": 1},
                    "time": "probe_time",
                    "severity_id": {"field": "probe_kind", "map": {"alpha": 1, "beta": 2, "gamma": 3}, "default": 0},
                    "resources.0.uid": "probe_id",
                    "resources.0.type": {"const": "probe"},
                },
            },
            "ecs": {
                "required": ["@timestamp"],
                "set": {
                    "@timestamp": {"field": "probe_time", "as": "date"},
                    "event.kind": {"const": "event"},
                    "event.category": {"const": ["host"]},
                    "event.type": {"const": ["info"]},
                    "event.code": "probe_kind",
                },
            },
        },
    })
}

/// The parameter object named `name` of the operation at `path` and
/// `method`, followed through a `$ref` to a component.
fn parameter_mut<'a>(
    spec: &'a mut Value,
    path: &str,
    method: &str,
    name: &str,
) -> Result<&'a mut Value> {
    let pointer = format!("/paths/{}/{method}/parameters", escape(path));
    let parameters = spec
        .pointer(&pointer)
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("{path}: no parameters"))?;
    let mut target = None;
    for (index, parameter) in parameters.iter().enumerate() {
        let resolved = match parameter.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let local = reference
                    .strip_prefix('#')
                    .ok_or_else(|| anyhow!("a $ref outside the spec: {reference}"))?;
                (local.to_string(), spec.pointer(local))
            }
            None => (format!("{pointer}/{index}"), Some(parameter)),
        };
        if resolved
            .1
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            == Some(name)
        {
            target = Some(resolved.0);
            break;
        }
    }
    let target = target.ok_or_else(|| anyhow!("{path}: no parameter {name}"))?;
    spec.pointer_mut(&target)
        .ok_or_else(|| anyhow!("{target} vanished"))
}

/// A JSON pointer segment for `segment`.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
