//! Loading a spec file: YAML text, its JSON value, its line index and its
//! typed OpenAPI form.

use std::path::{Path, PathBuf};

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::error::{Error, Finding, Location};
use crate::positions::Positions;

/// A spec file, loaded and parsed.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// The file, as the caller named it.
    pub file: PathBuf,
    /// The document as JSON.
    pub value: Value,
    /// Lines of the document's nodes.
    pub positions: Positions,
}

impl SpecSource {
    /// Reads and parses `file`.
    pub fn load(file: impl AsRef<Path>) -> Result<Self, Error> {
        let file = file.as_ref().to_path_buf();
        let text = std::fs::read_to_string(&file).map_err(|source| Error::Read {
            file: file.clone(),
            source,
        })?;
        Self::parse(file, &text)
    }

    /// Parses `text`; `file` is only used to name locations.
    pub fn parse(file: impl Into<PathBuf>, text: &str) -> Result<Self, Error> {
        let file = file.into();
        let value: Value = serde_yaml_ng::from_str(text).map_err(|e| Error::Yaml {
            file: file.clone(),
            line: e.location().map(|l| l.line()),
            message: strip_position(&e.to_string()),
        })?;
        if !value.is_object() {
            return Err(Error::Yaml {
                file,
                line: Some(1),
                message: "the document is not a mapping".into(),
            });
        }
        Ok(Self {
            positions: Positions::index(text),
            file,
            value,
        })
    }

    /// The location of the node at `pointer`.
    pub fn locate(&self, pointer: &str) -> Location {
        Location {
            file: self.file.clone(),
            line: self.positions.line_of(pointer),
            pointer: pointer.to_string(),
        }
    }

    /// A finding about the node at `pointer`.
    pub fn finding(
        &self,
        rule: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            location: self.locate(pointer),
            message: message.into(),
        }
    }

    /// The node at `pointer`, if any.
    pub fn at(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer)
    }

    /// The typed OpenAPI document. A shape error names the node it is at.
    pub fn openapi(&self) -> Result<OpenAPI, Error> {
        serde_path_to_error::deserialize(&self.value).map_err(|e| {
            let pointer = path_to_pointer(e.path());
            Error::Invalid(vec![self.finding(
                "openapi-structure",
                &pointer,
                format!("not a valid OpenAPI 3.0 document: {}", e.inner()),
            )])
        })
    }
}

/// Drops the " at line X column Y" suffix the YAML parser adds; the line is
/// reported separately.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message.to_string(),
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&crate::positions::escape(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}
