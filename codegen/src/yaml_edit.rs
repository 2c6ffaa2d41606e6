//! Minimal textual edits of a YAML document.
//!
//! [`Editor`] changes one node at a time (set, insert, remove) by rewriting
//! only the lines of that node: every other line keeps its comments,
//! quoting, layout and key order. Block collections are edited in place;
//! a flow collection (`[a, b]`, `{}`) is rewritten whole, as one node.
//!
//! Every edit is checked: the new text is parsed again and must equal the
//! old document with exactly that change. An edit that would change
//! anything else is refused and the text stays as it was.
//!
//! New nodes are given as [`Yaml`] trees, whose mappings keep the order
//! they are written in. They are written in the document's block style,
//! two spaces per level: short lists of scalars in flow style, long
//! descriptions folded (`>-`), and [`Yaml::Json`] nodes (example payloads)
//! as the JSON text they came as.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser};
use serde_json::Value;

use crate::positions::unescape;

/// A YAML node to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// A scalar: string, number, boolean or null.
    Scalar(Value),
    /// A mapping, in the order its entries are written.
    Map(Vec<(String, Yaml)>),
    /// A sequence.
    Seq(Vec<Yaml>),
    /// A JSON document written as flow YAML, as `text` lays it out.
    Json {
        /// The JSON text.
        text: String,
        /// Its value.
        value: Value,
    },
}

impl Yaml {
    /// A string scalar.
    pub fn str(s: impl Into<String>) -> Self {
        Yaml::Scalar(Value::String(s.into()))
    }

    /// A mapping from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Yaml)>) -> Self {
        Yaml::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The JSON value of the node.
    pub fn to_value(&self) -> Value {
        match self {
            Yaml::Scalar(v) | Yaml::Json { value: v, .. } => v.clone(),
            Yaml::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
            Yaml::Seq(items) => Value::Array(items.iter().map(Yaml::to_value).collect()),
        }
    }

    /// The node for a JSON value (mapping keys in the value's order).
    pub fn from_value(value: &Value) -> Self {
        match value {
            Value::Object(map) => Yaml::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Yaml::from_value(v)))
                    .collect(),
            ),
            Value::Array(items) => Yaml::Seq(items.iter().map(Yaml::from_value).collect()),
            other => Yaml::Scalar(other.clone()),
        }
    }
}

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The document is not valid YAML.
    #[error("the document is not valid YAML: {0}")]
    Syntax(String),
    /// The pointer names no node (or no mapping or sequence to add to).
    #[error("{pointer}: {message}")]
    Target {
        /// JSON pointer of the node.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// The rewritten text did not parse to the intended document.
    #[error("{pointer}: the edit would change more than this node; nothing was changed")]
    Mismatch {
        /// JSON pointer of the node.
        pointer: String,
    },
}

/// Where a new mapping entry goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'a> {
    /// After every entry.
    End,
    /// Right after the entry with this key (at the end when it is absent).
    After(&'a str),
    /// Right before the entry with this key (at the end when it is absent).
    Before(&'a str),
}

/// A YAML document being edited.
#[derive(Debug, Clone)]
pub struct Editor {
    text: String,
    value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    Map,
    Seq,
}

/// Where a node is in the text.
#[derive(Debug, Clone)]
struct Node {
    /// 1-based line where the node's entry (its key, or its `-`) starts.
    line: usize,
    /// 0-based column of that key or `-`.
    col: usize,
    /// Start of the node's value (line, col).
    value_at: (usize, usize),
    /// End of a scalar (line, col).
    end: Option<(usize, usize)>,
    kind: Kind,
    /// Written in flow style (`[..]`, `{..}`).
    flow: bool,
    /// Inside a flow collection.
    in_flow: bool,
    /// The value of a mapping entry (else a sequence item or the root).
    keyed: bool,
}

enum Frame {
    Map {
        pointer: String,
        key: Option<(String, usize, usize)>,
        flow: bool,
    },
    Seq {
        pointer: String,
        next: usize,
        flow: bool,
    },
}

impl Editor {
    /// Starts editing `text`.
    pub fn new(text: &str) -> Result<Self, EditError> {
        let value = parse(text)?;
        Ok(Self {
            text: text.to_string(),
            value,
        })
    }

    /// The current text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The current document.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Sets the node at `pointer` to `new`; when it does not exist, adds
    /// it at the end of its parent mapping.
    pub fn set(&mut self, pointer: &str, new: Yaml) -> Result<(), EditError> {
        if self.value.pointer(pointer).is_none() {
            let (parent, key) = split(pointer)?;
            return self.insert(&parent, &key, new, Place::End);
        }
        let mut expected = self.value.clone();
        if let Some(slot) = expected.pointer_mut(pointer) {
            *slot = new.to_value();
        }
        let nodes = index(&self.text);
        let node = nodes
            .get(pointer)
            .ok_or_else(|| target(pointer, "not found"))?;
        if node.in_flow {
            return self.rewrite_flow_root(pointer, expected);
        }
        let lines = split_lines(&self.text);
        // A one-line scalar replaced by a scalar: only its characters change.
        if let (Yaml::Scalar(v), Kind::Scalar, Some(end)) = (&new, node.kind, node.end)
            && end.0 == node.value_at.0
            && !lines
                .get(node.value_at.0 - 1)
                .and_then(|l| l.chars().nth(node.value_at.1))
                .is_some_and(|c| c == '>' || c == '|')
        {
            let line = lines[node.value_at.0 - 1];
            let start = byte_at(line, node.value_at.1);
            let stop = byte_at(line, end.1);
            let replaced = format!("{}{}{}", &line[..start], scalar(v, false), &line[stop..]);
            return self.commit(
                pointer,
                node.value_at.0,
                node.value_at.0,
                vec![replaced],
                expected,
            );
        }
        let last = extent(&lines, node);
        let mut out = Vec::new();
        if node.keyed {
            let key = split(pointer)?.1;
            render_entry(&key, &new, node.col, &mut out);
        } else {
            render_item(&new, node.col, &mut out);
        }
        self.commit(pointer, node.line, last, out, expected)
    }

    /// Adds `key: value` to the mapping at `map`.
    pub fn insert(
        &mut self,
        map: &str,
        key: &str,
        new: Yaml,
        place: Place<'_>,
    ) -> Result<(), EditError> {
        let Some(Value::Object(current)) = self.value.pointer(map) else {
            return Err(target(map, "is not a mapping"));
        };
        if current.contains_key(key) {
            return Err(target(map, &format!("already has {key}")));
        }
        let keys: Vec<String> = current.keys().cloned().collect();
        let mut expected = self.value.clone();
        if let Some(Value::Object(m)) = expected.pointer_mut(map) {
            m.insert(key.to_string(), new.to_value());
        }
        let nodes = index(&self.text);
        let here = nodes.get(map).ok_or_else(|| target(map, "not found"))?;
        if here.in_flow {
            return self.rewrite_flow_root(map, expected);
        }
        if here.flow {
            // `{}` or `{a: 1}`: the mapping is written again, whole.
            let mut entries: Vec<(String, Yaml)> = current
                .iter()
                .map(|(k, v)| (k.clone(), Yaml::from_value(v)))
                .collect();
            entries.push((key.to_string(), new));
            return self.set(map, Yaml::Map(entries));
        }
        let lines = split_lines(&self.text);
        // The entries in text order.
        let mut entries: Vec<(&String, &Node)> = keys
            .iter()
            .filter_map(|k| nodes.get(&child(map, k)).map(|n| (k, n)))
            .collect();
        entries.sort_by_key(|(_, n)| n.line);
        let Some((_, first)) = entries.first() else {
            return Err(target(map, "has no entries to align with"));
        };
        let col = first.col;
        let at = |k: &str| entries.iter().position(|(name, _)| name.as_str() == k);
        let line = match place {
            Place::After(k) if at(k).is_some() => {
                let (_, n) = entries[at(k).unwrap_or(0)];
                extent(&lines, n) + 1
            }
            Place::Before(k) if at(k).is_some() => {
                let (_, n) = entries[at(k).unwrap_or(0)];
                attached_comments(&lines, n.line, col)
            }
            _ => {
                let (_, n) = entries[entries.len() - 1];
                extent(&lines, n) + 1
            }
        };
        let mut out = Vec::new();
        render_entry(key, &new, col, &mut out);
        self.commit(map, line, line - 1, out, expected)
    }

    /// Inserts `new` into the sequence at `seq`, at `position` (the end
    /// when it is past the last item).
    pub fn insert_item(&mut self, seq: &str, position: usize, new: Yaml) -> Result<(), EditError> {
        let Some(Value::Array(items)) = self.value.pointer(seq) else {
            return Err(target(seq, "is not a sequence"));
        };
        let len = items.len();
        let position = position.min(len);
        let mut expected = self.value.clone();
        if let Some(Value::Array(list)) = expected.pointer_mut(seq) {
            list.insert(position, new.to_value());
        }
        let nodes = index(&self.text);
        let here = nodes.get(seq).ok_or_else(|| target(seq, "not found"))?;
        if here.in_flow {
            return self.rewrite_flow_root(seq, expected);
        }
        if here.flow || len == 0 {
            let mut list: Vec<Yaml> = items.iter().map(Yaml::from_value).collect();
            list.insert(position, new);
            return self.set(seq, Yaml::Seq(list));
        }
        let lines = split_lines(&self.text);
        let item = |i: usize| {
            nodes
                .get(&format!("{seq}/{i}"))
                .ok_or_else(|| target(seq, "an item is not indexed"))
        };
        let col = item(0)?.col;
        let line = if position < len {
            attached_comments(&lines, item(position)?.line, col)
        } else {
            extent(&lines, item(len - 1)?) + 1
        };
        let mut out = Vec::new();
        render_item(&new, col, &mut out);
        self.commit(seq, line, line - 1, out, expected)
    }

    /// Removes the node at `pointer` (a mapping entry or a sequence item),
    /// with the comment lines right above it.
    pub fn remove(&mut self, pointer: &str) -> Result<(), EditError> {
        let (parent, key) = split(pointer)?;
        let mut expected = self.value.clone();
        match expected.pointer_mut(&parent) {
            Some(Value::Object(m)) if m.contains_key(&key) => {
                m.remove(&key);
            }
            Some(Value::Array(list)) => match key.parse::<usize>() {
                Ok(i) if i < list.len() => {
                    list.remove(i);
                }
                _ => return Err(target(pointer, "not found")),
            },
            _ => return Err(target(pointer, "not found")),
        }
        let nodes = index(&self.text);
        let node = nodes
            .get(pointer)
            .ok_or_else(|| target(pointer, "not found"))?;
        let parent_node = nodes.get(&parent);
        if node.in_flow || parent_node.is_some_and(|p| p.flow) {
            let new = expected.pointer(&parent).cloned().unwrap_or(Value::Null);
            if parent_node.is_some_and(|p| p.in_flow) {
                return self.rewrite_flow_root(&parent, expected);
            }
            return self.set(&parent, Yaml::from_value(&new));
        }
        let lines = split_lines(&self.text);
        let siblings = expected
            .pointer(&parent)
            .map(|p| match p {
                Value::Object(m) => m.len(),
                Value::Array(a) => a.len(),
                _ => 1,
            })
            .unwrap_or(1);
        if siblings == 0 {
            // The last entry goes: the parent becomes an empty flow node.
            let empty = match expected.pointer(&parent) {
                Some(Value::Array(_)) => Yaml::Seq(Vec::new()),
                _ => Yaml::Map(Vec::new()),
            };
            return self.set(&parent, empty);
        }
        let first = attached_comments(&lines, node.line, node.col);
        let last = extent(&lines, node);
        self.commit(pointer, first, last, Vec::new(), expected)
    }

    /// Rewrites the outermost flow collection that holds `pointer`, whole,
    /// from `expected`.
    fn rewrite_flow_root(&mut self, pointer: &str, expected: Value) -> Result<(), EditError> {
        let nodes = index(&self.text);
        let mut root = pointer.to_string();
        while nodes.get(&root).is_some_and(|n| n.in_flow) {
            root = split(&root)?.0;
        }
        let new = expected
            .pointer(&root)
            .map(Yaml::from_value)
            .ok_or_else(|| target(pointer, "not found"))?;
        let mut editor = self.clone();
        editor.set(&root, new)?;
        if editor.value != expected {
            return Err(EditError::Mismatch {
                pointer: pointer.to_string(),
            });
        }
        *self = editor;
        Ok(())
    }

    /// Replaces lines `first..=last` (1-based; `last = first - 1` inserts
    /// before `first`) with `new`, if the result is `expected`.
    fn commit(
        &mut self,
        pointer: &str,
        first: usize,
        last: usize,
        new: Vec<String>,
        expected: Value,
    ) -> Result<(), EditError> {
        let lines = split_lines(&self.text);
        let first = first.clamp(1, lines.len() + 1);
        let last = last.min(lines.len());
        let mut out: Vec<String> = lines[..first - 1].iter().map(|l| l.to_string()).collect();
        out.extend(new);
        out.extend(lines[last.max(first - 1)..].iter().map(|l| l.to_string()));
        let mut text = out.join("\n");
        if self.text.ends_with('\n') || self.text.is_empty() {
            text.push('\n');
        }
        match parse(&text) {
            Ok(value) if value == expected => {
                self.text = text;
                self.value = value;
                Ok(())
            }
            _ => Err(EditError::Mismatch {
                pointer: pointer.to_string(),
            }),
        }
    }
}

fn parse(text: &str) -> Result<Value, EditError> {
    serde_yaml_ng::from_str(text).map_err(|e| EditError::Syntax(e.to_string()))
}

fn target(pointer: &str, message: &str) -> EditError {
    EditError::Target {
        pointer: pointer.to_string(),
        message: message.to_string(),
    }
}

/// The parent pointer and the last token of `pointer`.
fn split(pointer: &str) -> Result<(String, String), EditError> {
    let cut = pointer
        .rfind('/')
        .ok_or_else(|| target(pointer, "the document root cannot be edited"))?;
    Ok((pointer[..cut].to_string(), unescape(&pointer[cut + 1..])))
}

fn child(parent: &str, key: &str) -> String {
    format!("{parent}/{}", crate::positions::escape(key))
}

fn split_lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Byte offset of character `col` of `line`.
fn byte_at(line: &str, col: usize) -> usize {
    line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// The last line (1-based) of the block node that starts at `node`: the
/// last content line before the next content line that is not indented
/// deeper than the node's key or `-` (a `-` at the key's column still
/// belongs to a sequence value).
fn extent(lines: &[&str], node: &Node) -> usize {
    let mut last = node.line;
    let same_col_items = node.keyed && node.kind == Kind::Seq && !node.flow;
    for (i, line) in lines.iter().enumerate().skip(node.line) {
        if !is_content(line) {
            continue;
        }
        let at = indent(line);
        let item = line.trim_start().starts_with("- ") || line.trim() == "-";
        if at > node.col || (same_col_items && at == node.col && item) {
            last = i + 1;
        } else {
            break;
        }
    }
    last
}

/// The first line of the comment lines (at column `col` or deeper) right
/// above line `line`, or `line` when there are none.
fn attached_comments(lines: &[&str], line: usize, col: usize) -> usize {
    let mut first = line;
    while first > 1 {
        let above = lines[first - 2];
        if above.trim_start().starts_with('#') && indent(above) >= col {
            first -= 1;
        } else {
            break;
        }
    }
    first
}

/// Where every node of `text` is, by JSON pointer.
fn index(text: &str) -> HashMap<String, Node> {
    let mut indexer = Indexer {
        lines: split_lines(text),
        nodes: HashMap::new(),
        stack: Vec::new(),
    };
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        let at = (span.start.line(), span.start.col());
        let end = (span.end.line(), span.end.col());
        indexer.event(&event, at, end);
    }
    indexer.nodes
}

/// Reads the parser's events, one at a time, into [`Node`]s: the stack
/// holds the collections open around the event, each with what it waits
/// for next (a mapping's key, or a sequence's next index).
struct Indexer<'t> {
    lines: Vec<&'t str>,
    nodes: HashMap<String, Node>,
    stack: Vec<Frame>,
}

impl Indexer<'_> {
    /// Reads one event that starts at `at` and ends at `end` (line, col).
    fn event(&mut self, event: &Event<'_>, at: (usize, usize), end: (usize, usize)) {
        let in_flow = self.stack.iter().any(Frame::is_flow);
        if let Event::Scalar(value, ..) = event
            && self.take_key(value, at)
        {
            return;
        }
        let kind = match event {
            Event::Scalar(..) | Event::Alias(_) => Kind::Scalar,
            Event::MappingStart(..) => Kind::Map,
            Event::SequenceStart(..) => Kind::Seq,
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                return;
            }
            _ => return,
        };
        let (pointer, start, keyed) = self.next_child(at);
        let flow = matches!(self.char_at(at), Some('{') | Some('['));
        self.nodes.insert(
            pointer.clone(),
            Node {
                line: start.0,
                col: start.1,
                value_at: at,
                end: (kind == Kind::Scalar).then_some(end),
                kind,
                flow: flow && kind != Kind::Scalar,
                in_flow,
                keyed,
            },
        );
        match kind {
            Kind::Map => self.stack.push(Frame::Map {
                pointer,
                key: None,
                flow,
            }),
            Kind::Seq => self.stack.push(Frame::Seq {
                pointer,
                next: 0,
                flow,
            }),
            Kind::Scalar => {}
        }
    }

    /// Takes scalar `value` (at `at`) as the key of the innermost mapping
    /// when it waits for one; whether it did.
    fn take_key(&mut self, value: &str, at: (usize, usize)) -> bool {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) if key.is_none() => {
                *key = Some((value.to_string(), at.0, at.1));
                true
            }
            _ => false,
        }
    }

    /// The pointer of the node whose value starts at `at`, where its entry
    /// starts (its key, or its `-`), and whether it is a mapping's value.
    fn next_child(&mut self, at: (usize, usize)) -> (String, (usize, usize), bool) {
        match self.stack.last_mut() {
            Some(Frame::Map { pointer, key, .. }) => {
                let (name, line, col) = key.take().unwrap_or_default();
                (child(pointer, &name), (line, col), true)
            }
            Some(Frame::Seq { pointer, next, .. }) => {
                let i = *next;
                *next += 1;
                (
                    format!("{pointer}/{i}"),
                    dash_before(&self.lines, at),
                    false,
                )
            }
            None => (String::new(), (1, 0), false),
        }
    }

    /// The character at (1-based line, 0-based col).
    fn char_at(&self, (line, col): (usize, usize)) -> Option<char> {
        self.lines
            .get(line.checked_sub(1)?)
            .and_then(|l| l.chars().nth(col))
    }
}

impl Frame {
    /// Whether the collection is written in flow style.
    fn is_flow(&self) -> bool {
        match self {
            Frame::Map { flow, .. } | Frame::Seq { flow, .. } => *flow,
        }
    }
}

/// A sequence item's `-`: the first `-` left of its value at `at`, over
/// spaces only; `at` itself when there is none.
fn dash_before(lines: &[&str], at: (usize, usize)) -> (usize, usize) {
    let Some(line) = lines.get(at.0.saturating_sub(1)) else {
        return at;
    };
    let chars: Vec<char> = line.chars().collect();
    let mut c = at.1.min(chars.len());
    while c > 0 {
        c -= 1;
        if chars[c] == '-' {
            return (at.0, c);
        }
        if chars[c] != ' ' {
            break;
        }
    }
    at
}

/// Keys whose long strings are written folded (`>-`).
const PROSE: [&str; 3] = ["description", "summary", "reason"];
/// Widest line a folded string is wrapped to.
const WIDTH: usize = 80;

fn render_entry(key: &str, value: &Yaml, col: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(col);
    let k = scalar(&Value::String(key.to_string()), false);
    match value {
        Yaml::Scalar(Value::String(s)) if PROSE.contains(&key) => {
            let plain = scalar(&Value::String(s.clone()), false);
            let foldable = !s.contains("  ")
                && s.trim() == s
                && !s.chars().any(char::is_control)
                && s.contains(' ');
            if col + k.len() + 2 + plain.len() <= WIDTH || !foldable {
                out.push(format!("{pad}{k}: {plain}"));
            } else {
                out.push(format!("{pad}{k}: >-"));
                let inner = " ".repeat(col + 2);
                let width = WIDTH.saturating_sub(col + 2).max(40);
                let mut line = String::new();
                for word in s.split(' ') {
                    if !line.is_empty() && line.len() + 1 + word.len() > width {
                        out.push(format!("{inner}{line}"));
                        line.clear();
                    }
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(word);
                }
                out.push(format!("{inner}{line}"));
            }
        }
        Yaml::Scalar(v) => out.push(format!("{pad}{k}: {}", scalar(v, false))),
        Yaml::Map(entries) if entries.is_empty() => out.push(format!("{pad}{k}: {{}}")),
        Yaml::Map(entries) => {
            out.push(format!("{pad}{k}:"));
            for (name, v) in entries {
                render_entry(name, v, col + 2, out);
            }
        }
        Yaml::Seq(items) => match flow_list(items) {
            Some(flow) => out.push(format!("{pad}{k}: {flow}")),
            None => {
                out.push(format!("{pad}{k}:"));
                for item in items {
                    render_item(item, col + 2, out);
                }
            }
        },
        Yaml::Json { text, .. } => {
            let mut lines = text.lines();
            out.push(format!(
                "{pad}{k}: {}",
                lines.next().unwrap_or("").trim_end()
            ));
            let inner = " ".repeat(col + 2);
            out.extend(lines.map(|l| format!("{inner}{}", l.trim_end())));
        }
    }
}

fn render_item(value: &Yaml, col: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(col);
    match value {
        Yaml::Map(entries) if !entries.is_empty() => {
            let start = out.len();
            for (name, v) in entries {
                render_entry(name, v, col + 2, out);
            }
            if let Some(first) = out.get_mut(start) {
                *first = format!("{pad}- {}", &first[col + 2..]);
            }
        }
        Yaml::Seq(items) if flow_list(items).is_none() => {
            out.push(format!("{pad}-"));
            for item in items {
                render_item(item, col + 2, out);
            }
        }
        other => {
            let mut lines = Vec::new();
            render_entry("x", other, 0, &mut lines);
            // `x: <value>` written at column 0: the value after the key.
            let mut iter = lines.into_iter();
            let first = iter.next().unwrap_or_default();
            out.push(format!("{pad}- {}", first.get(3..).unwrap_or("")));
            let inner = " ".repeat(col);
            out.extend(iter.map(|l| format!("{inner}{l}")));
        }
    }
}

/// `[a, b]` for a short list of scalars.
fn flow_list(items: &[Yaml]) -> Option<String> {
    let mut parts = Vec::new();
    for item in items {
        match item {
            Yaml::Scalar(v) => parts.push(scalar(v, true)),
            Yaml::Map(m) if m.is_empty() => parts.push("{}".into()),
            _ => return None,
        }
    }
    let text = format!("[{}]", parts.join(", "));
    (text.len() <= 72).then_some(text)
}

/// A scalar as YAML: plain when that reads back as the same string,
/// else single-quoted, else JSON-quoted.
fn scalar(value: &Value, flow: bool) -> String {
    let Value::String(s) = value else {
        return match value {
            Value::Null => "null".into(),
            other => other.to_string(),
        };
    };
    if plain_ok(s, flow) {
        s.clone()
    } else if !s.chars().any(char::is_control) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("'{s}'"))
    }
}

fn plain_ok(s: &str, flow: bool) -> bool {
    const FIRST: &[char] = &[
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`', ' ',
    ];
    !s.is_empty()
        && s.trim() == s
        && !s.starts_with(FIRST)
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.chars().any(char::is_control)
        && (!flow || !s.contains([',', '[', ']', '{', '}']))
        && serde_yaml_ng::from_str::<Value>(s).ok() == Some(Value::String(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
# head comment
a:
  b: 1 # keep me
  c:
    - x
    - y: 2
      z: [p, q]
  # about d
  d: {}
e: >-
  folded
  text
";

    fn edited(f: impl FnOnce(&mut Editor) -> Result<(), EditError>) -> String {
        let mut editor = Editor::new(DOC).expect("parses");
        f(&mut editor).expect("edit applies");
        editor.text().to_string()
    }

    #[test]
    fn a_scalar_changes_in_place() {
        let text = edited(|e| e.set("/a/b", Yaml::Scalar(5.into())));
        assert_eq!(text, DOC.replace("b: 1 # keep me", "b: 5 # keep me"));
    }

    #[test]
    fn an_entry_goes_after_its_sibling() {
        let text = edited(|e| e.insert("/a", "n", Yaml::str("new"), Place::After("b")));
        assert_eq!(text, DOC.replace("# keep me\n", "# keep me\n  n: new\n"));
        let text = edited(|e| e.insert("/a", "n", Yaml::str("new"), Place::Before("d")));
        assert_eq!(
            text,
            DOC.replace("  # about d\n", "  n: new\n  # about d\n")
        );
        let text = edited(|e| e.insert("/a", "n", Yaml::str("new"), Place::End));
        assert_eq!(text, DOC.replace("  d: {}\n", "  d: {}\n  n: new\n"));
    }

    #[test]
    fn flow_nodes_are_written_again_whole() {
        let text = edited(|e| e.insert("/a/d", "k", Yaml::str("v"), Place::End));
        assert_eq!(text, DOC.replace("  d: {}\n", "  d:\n    k: v\n"));
        let text = edited(|e| e.insert_item("/a/c/1/z", 2, Yaml::str("r")));
        assert_eq!(text, DOC.replace("[p, q]", "[p, q, r]"));
    }

    #[test]
    fn items_go_into_block_sequences() {
        let item = Yaml::map([("name", Yaml::str("w")), ("in", Yaml::str("query"))]);
        let text = edited(|e| e.insert_item("/a/c", 1, item.clone()));
        assert_eq!(
            text,
            DOC.replace("    - x\n", "    - x\n    - name: w\n      in: query\n")
        );
        let text = edited(|e| e.insert_item("/a/c", 9, item));
        assert_eq!(
            text,
            DOC.replace(
                "      z: [p, q]\n",
                "      z: [p, q]\n    - name: w\n      in: query\n"
            )
        );
    }

    #[test]
    fn removal_takes_the_comments_above() {
        let text = edited(|e| e.remove("/a/d"));
        assert_eq!(text, DOC.replace("  # about d\n  d: {}\n", ""));
        let text = edited(|e| e.remove("/a/c/1"));
        assert_eq!(text, DOC.replace("    - y: 2\n      z: [p, q]\n", ""));
    }

    #[test]
    fn a_block_node_is_replaced_with_its_lines() {
        let text = edited(|e| e.set("/a/c", Yaml::Seq(vec![Yaml::str("only")])));
        assert_eq!(
            text,
            DOC.replace(
                "  c:\n    - x\n    - y: 2\n      z: [p, q]\n",
                "  c: [only]\n"
            )
        );
        let text = edited(|e| e.set("/e", Yaml::str("short")));
        assert_eq!(text, DOC.replace("e: >-\n  folded\n  text\n", "e: short\n"));
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        assert_eq!(
            scalar(&Value::String("plain words".into()), false),
            "plain words"
        );
        assert_eq!(scalar(&Value::String("200".into()), false), "'200'");
        assert_eq!(scalar(&Value::String("#/a".into()), false), "'#/a'");
        assert_eq!(
            scalar(&Value::String("it's: x".into()), false),
            "'it''s: x'"
        );
        assert_eq!(scalar(&Value::String("true".into()), false), "'true'");
        assert_eq!(scalar(&Value::String("a,b".into()), true), "'a,b'");
        assert_eq!(scalar(&Value::String("l\n".into()), false), "\"l\\n\"");
    }

    #[test]
    fn long_descriptions_are_folded_and_read_back_the_same() {
        let long = "word ".repeat(40).trim().to_string();
        let text = edited(|e| {
            e.set(
                "/a/b",
                Yaml::map([("description", Yaml::str(long.clone()))]),
            )
        });
        assert!(text.contains("description: >-\n"), "{text}");
        let value: Value = serde_yaml_ng::from_str(&text).expect("parses");
        assert_eq!(
            value.pointer("/a/b/description"),
            Some(&Value::String(long))
        );
    }

    #[test]
    fn json_nodes_keep_their_layout() {
        let json = "{\n  \"b\" : 1,\n  \"a\" : [ 2 ]\n}";
        let value: Value = serde_json::from_str(json).expect("json");
        let text = edited(|e| {
            e.insert(
                "",
                "x",
                Yaml::Json {
                    text: json.into(),
                    value,
                },
                Place::End,
            )
        });
        assert!(
            text.ends_with("x: {\n    \"b\" : 1,\n    \"a\" : [ 2 ]\n  }\n"),
            "{text}"
        );
    }

    #[test]
    fn a_missing_target_is_an_error_and_changes_nothing() {
        let mut editor = Editor::new(DOC).expect("parses");
        assert!(
            editor
                .insert("/nope", "k", Yaml::str("v"), Place::End)
                .is_err()
        );
        assert!(editor.remove("/a/zz").is_err());
        assert_eq!(editor.text(), DOC);
    }
}
