//! Maps JSON pointers into a YAML document to the lines they start on, so
//! that every finding can name `file:line` as well as the pointer.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser};

/// Line numbers (1-based) of every node of a YAML document, by JSON pointer.
#[derive(Debug, Default, Clone)]
pub struct Positions {
    lines: BTreeMap<String, usize>,
    duplicates: Vec<DuplicateKey>,
}

/// A key given twice in one mapping. A YAML loader keeps only the later
/// value, so the earlier one would be lost without a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// JSON pointer of the key's entry.
    pub pointer: String,
    /// Line of the first occurrence.
    pub first_line: usize,
    /// Line of the later occurrence.
    pub line: usize,
}

enum Frame {
    /// A mapping, waiting for a key (`None`) or for the value of a key, and
    /// the keys seen so far with their lines.
    Mapping {
        pointer: String,
        key: Option<(String, usize)>,
        seen: BTreeMap<String, usize>,
    },
    /// A sequence and the index of its next item.
    Sequence { pointer: String, next: usize },
}

impl Positions {
    /// Indexes `text`. A document that does not parse yields an empty index;
    /// the YAML loader reports the syntax error itself.
    pub fn index(text: &str) -> Self {
        let mut lines = BTreeMap::new();
        let mut duplicates = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let line = span.start.line();
            match event {
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Mapping { key, seen, pointer }) = stack.last_mut()
                        && key.is_none()
                    {
                        let name = value.into_owned();
                        if let Some(first_line) = seen.get(&name) {
                            duplicates.push(DuplicateKey {
                                pointer: format!("{pointer}/{}", escape(&name)),
                                first_line: *first_line,
                                line,
                            });
                        } else {
                            seen.insert(name.clone(), line);
                        }
                        *key = Some((name, line));
                        continue;
                    }
                    let (pointer, at) = child_pointer(&mut stack);
                    lines.entry(pointer).or_insert(at.unwrap_or(line));
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let (pointer, at) = if stack.is_empty() {
                        (String::new(), None)
                    } else {
                        child_pointer(&mut stack)
                    };
                    lines.entry(pointer.clone()).or_insert(at.unwrap_or(line));
                    stack.push(if matches!(event, Event::MappingStart(..)) {
                        Frame::Mapping {
                            pointer,
                            key: None,
                            seen: BTreeMap::new(),
                        }
                    } else {
                        Frame::Sequence { pointer, next: 0 }
                    });
                }
                Event::Alias(_) => {
                    let (pointer, at) = child_pointer(&mut stack);
                    lines.entry(pointer).or_insert(at.unwrap_or(line));
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        Self { lines, duplicates }
    }

    /// Every key given twice in one mapping, in document order.
    pub fn duplicates(&self) -> &[DuplicateKey] {
        &self.duplicates
    }

    /// The line of the node at `pointer`, or of its closest ancestor that has
    /// one.
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        let mut current = pointer;
        loop {
            if let Some(line) = self.lines.get(current) {
                return Some(*line);
            }
            let cut = current.rfind('/')?;
            current = &current[..cut];
        }
    }
}

/// The pointer of the node that the innermost frame is about to receive,
/// advancing that frame past it, and the line of its key when it is the
/// value of a mapping entry.
fn child_pointer(stack: &mut [Frame]) -> (String, Option<usize>) {
    match stack.last_mut() {
        Some(Frame::Mapping { pointer, key, .. }) => {
            let (key, line) = key.take().unwrap_or_default();
            (format!("{pointer}/{}", escape(&key)), Some(line))
        }
        Some(Frame::Sequence { pointer, next }) => {
            let index = *next;
            *next += 1;
            (format!("{pointer}/{index}"), None)
        }
        None => (String::new(), None),
    }
}

/// Escapes one JSON pointer token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Undoes [`escape`].
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_of_nested_nodes() {
        let text = "a:\n  b: 1\n  c:\n    - x\n    - y: 2\n'/p':\n  q: [1, 2]\n";
        let positions = Positions::index(text);
        assert_eq!(positions.line_of("/a"), Some(1));
        assert_eq!(positions.line_of("/a/b"), Some(2));
        assert_eq!(positions.line_of("/a/c/1"), Some(5));
        assert_eq!(positions.line_of("/a/c/1/y"), Some(5));
        assert_eq!(positions.line_of("/~1p/q/1"), Some(7));
        assert_eq!(positions.line_of("/a/c/1/missing"), Some(5));
        assert!(positions.duplicates().is_empty());
    }

    #[test]
    fn finds_duplicate_keys_with_both_lines() {
        let text = "a:\n  b: 1\n  c: 2\n  b: 3\nd: [x]\n";
        let positions = Positions::index(text);
        assert_eq!(
            positions.duplicates(),
            [DuplicateKey {
                pointer: "/a/b".into(),
                first_line: 2,
                line: 4,
            }]
        );
    }
}
