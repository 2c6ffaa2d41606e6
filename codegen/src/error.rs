//! Errors and findings. Every one names the file, and where it can, the line
//! and the JSON pointer of the node it is about.

use std::fmt;
use std::path::PathBuf;

/// Where in a spec file something was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The spec file, as the caller named it.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// JSON pointer of the node (`""` is the document root).
    pub pointer: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, " (#{})", self.pointer)
    }
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Short name of the rule that was broken, such as `ref-resolves`.
    pub rule: &'static str,
    /// Where the problem is.
    pub location: Location,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: [{}] {}", self.location, self.rule, self.message)
    }
}

/// Why a spec could not be loaded or turned into code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read (the cause is the error's `source`).
    #[error("{}: cannot read the spec", file.display())]
    Read {
        /// The spec file.
        file: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file is not valid YAML.
    #[error("{}{}: invalid YAML: {message}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Yaml {
        /// The spec file.
        file: PathBuf,
        /// 1-based line of the syntax error, when known.
        line: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// The spec breaks one or more rules; one line per finding.
    #[error("{}", display_findings(.0))]
    Invalid(Vec<Finding>),
    /// progenitor rejected the spec (or failed on it).
    #[error("{}: code generation failed: {message}", file.display())]
    Generator {
        /// The spec file.
        file: PathBuf,
        /// What progenitor reported.
        message: String,
    },
    /// The generated tokens could not be formatted as Rust source.
    #[error("{}: generated code is not valid Rust: {message}", file.display())]
    Format {
        /// The spec file.
        file: PathBuf,
        /// What the parser reported.
        message: String,
    },
}

fn display_findings(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
