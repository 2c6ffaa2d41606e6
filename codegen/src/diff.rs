//! `cargo xtask diff OLD NEW`: what changed between two versions of the
//! spec, for the users of the generated client.
//!
//! Operations are matched in three rounds: the same operationId, method
//! and path; then an operationId that only one unmatched operation carries
//! on each side (a moved operation); then the same method and path (a
//! renamed operation, or one that gained or lost its operationId). Each
//! operation is matched at most once, so operations that share an
//! operationId are still paired right. Parameters are matched by where they
//! go and their name;
//! schemas are compared through their `$ref`s, field by field. Each change
//! is either breaking (code written against the old client stops compiling,
//! or a call or a decode that worked starts failing) or compatible.
//!
//! How each change is classified:
//!
//! | change | breaking when |
//! | --- | --- |
//! | operation removed, renamed, moved to another path or method | always |
//! | operation added | never |
//! | operationId added where there was none | never (nothing a client had goes away) |
//! | operationId removed | always (the client method goes away) |
//! | parameter removed | always (its builder method goes away) |
//! | parameter added | it is required |
//! | parameter made required / optional | made required |
//! | `default` of a parameter changed, added or removed | it is optional (callers that omit it get other behaviour) |
//! | field removed from a response | always |
//! | field added to a response | never |
//! | request body added | it is required |
//! | request body removed, made required, or a media type of it removed | always |
//! | field added to / made required in a request body | it is required |
//! | response field made optional / required | always: the Rust field type changes (`T` vs `Option<T>`) |
//! | type or format changed | always |
//! | enum value removed | always: the Rust variant goes away, and a request may be refused |
//! | enum value added | on a closed response `enum` (an old client cannot decode it); compatible on a request or on an `x-extensible-enum`, whose `Unknown` variant already holds any value |
//! | range, length or item count narrowed | on a request (a value that was accepted is refused) |
//! | range, length or item count widened | on a response (a value the old client checks against may now arrive) |
//! | `pattern` narrowed, added or changed | on a request (a value that matched may not); compatible on a response |
//! | `pattern` widened or removed | on a response (a value the old client checks may now arrive); compatible on a request |
//! | success response removed | always |
//! | JSON media type of a response removed | always (its typed body becomes raw bytes) |
//! | rate limit (`x-rate-limit`, the operation's or the top-level one) lowered or added | always: calls at the old rate are refused, and the client's budget falls |
//! | rate limit raised or removed | never |
//!
//! A response's schema is read from its JSON media type, whatever its
//! parameters or suffix (`application/json; charset=utf-8`,
//! `application/problem+json`): progenitor types each of them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Value, json};

mod pattern;

use pattern::Relation;

use crate::check::{OperationRef, operations, parameters, resolve, resolve_at};
use crate::error::Location;
use crate::operations::{RateLimitModel, is_json};
use crate::positions::escape;
use crate::source::SpecSource;

/// One of the limits of an `x-rate-limit`: calls per window, if stated.
type LimitPart = fn(&RateLimitModel) -> Option<u64>;

/// Whether a change breaks client users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Code or calls that worked against the old spec may fail.
    Breaking,
    /// Existing users are not affected.
    Compatible,
}

impl Severity {
    /// [`Severity::Breaking`] when `breaking`, else
    /// [`Severity::Compatible`].
    pub fn of(breaking: bool) -> Self {
        if breaking {
            Severity::Breaking
        } else {
            Severity::Compatible
        }
    }
}

/// One difference between the two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Breaking or compatible.
    pub severity: Severity,
    /// Short name of the kind of change, such as `parameter-made-required`.
    pub rule: &'static str,
    /// Where it is: in the new spec, or in the old one for a removal.
    pub location: Location,
    /// What changed, in one sentence.
    pub message: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: [{}] {}", self.location, self.rule, self.message)
    }
}

/// Every change between two specs.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The changes, breaking ones first, each group in document order.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether any change is breaking.
    pub fn is_breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.severity == Severity::Breaking)
    }

    /// The changes of one severity.
    pub fn of(&self, severity: Severity) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.severity == severity)
    }

    /// The report as JSON: `{"breaking": [...], "compatible": [...]}`, each
    /// change with its rule, file, line, pointer and message.
    pub fn to_json(&self) -> Value {
        let list = |severity| {
            self.of(severity)
                .map(|c| {
                    json!({
                        "rule": c.rule,
                        "file": c.location.file.to_string_lossy(),
                        "line": c.location.line,
                        "pointer": c.location.pointer,
                        "message": c.message,
                    })
                })
                .collect::<Vec<_>>()
        };
        json!({
            "breaking": list(Severity::Breaking),
            "compatible": list(Severity::Compatible),
        })
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (severity, title) in [
            (Severity::Breaking, "Breaking changes"),
            (Severity::Compatible, "Compatible changes"),
        ] {
            let changes: Vec<_> = self.of(severity).collect();
            writeln!(f, "{title} ({}):", changes.len())?;
            for change in changes {
                writeln!(f, "  {change}")?;
            }
        }
        Ok(())
    }
}

/// Compares `old` with `new`.
pub fn diff(old: &SpecSource, new: &SpecSource) -> Report {
    let mut differ = Differ {
        old,
        new,
        changes: Vec::new(),
        compared: BTreeSet::new(),
    };
    differ.operations();
    let mut changes = differ.changes;
    changes.sort_by_key(|c| c.severity);
    Report { changes }
}

/// Which way data flows through a schema: what the client sends, or what
/// it receives. Narrowing breaks requests; widening breaks responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    Request,
    Response,
}

struct Differ<'a> {
    old: &'a SpecSource,
    new: &'a SpecSource,
    changes: Vec<Change>,
    /// Pairs of `$ref`s (old, new) already compared, and in which
    /// direction: a component used by a request and by a response is
    /// compared once for each, since what breaks differs.
    compared: BTreeSet<(String, String, Direction)>,
}

/// Which side a pointer belongs to.
#[derive(Clone, Copy)]
enum Side {
    Old,
    New,
}

impl<'a> Differ<'a> {
    fn push(
        &mut self,
        severity: Severity,
        rule: &'static str,
        side: Side,
        pointer: &str,
        message: String,
    ) {
        let source = match side {
            Side::Old => self.old,
            Side::New => self.new,
        };
        self.changes.push(Change {
            severity,
            rule,
            location: source.locate(pointer),
            message,
        });
    }

    fn operations(&mut self) {
        let old_ops = operations(&self.old.value);
        let new_ops = operations(&self.new.value);
        let pairs = match_operations(&old_ops, &new_ops);
        let matched_new: BTreeSet<usize> = pairs.iter().filter_map(|(_, n)| *n).collect();
        for (old_index, new_index) in pairs {
            let old_op = &old_ops[old_index];
            let Some(new_index) = new_index else {
                self.push(
                    Severity::Breaking,
                    "operation-removed",
                    Side::Old,
                    &old_op.pointer(),
                    format!("{} was removed", label(old_op)),
                );
                continue;
            };
            let new_op = &new_ops[new_index];
            self.operation_id(old_op, new_op);
            self.route(old_op, new_op);
            self.operation(old_op, new_op);
        }
        for (index, new_op) in new_ops.iter().enumerate() {
            if !matched_new.contains(&index) {
                self.push(
                    Severity::Compatible,
                    "operation-added",
                    Side::New,
                    &new_op.pointer(),
                    format!("{} was added", label(new_op)),
                );
            }
        }
    }

    /// Compares the operationIds of a matched pair of operations.
    fn operation_id(&mut self, old_op: &OperationRef<'a>, new_op: &OperationRef<'a>) {
        let old_name = label(old_op);
        match (old_op.operation_id(), new_op.operation_id()) {
            (None, Some(id)) => self.push(
                Severity::Compatible,
                "operation-id-added",
                Side::New,
                &format!("{}/operationId", new_op.pointer()),
                format!("{old_name} now has the operationId {id}"),
            ),
            (Some(id), None) => self.push(
                Severity::Breaking,
                "operation-id-removed",
                Side::Old,
                &format!("{}/operationId", old_op.pointer()),
                format!("{id} lost its operationId; its client method goes away"),
            ),
            (Some(old_id), Some(new_id)) if old_id != new_id => self.push(
                Severity::Breaking,
                "operation-renamed",
                Side::New,
                &format!("{}/operationId", new_op.pointer()),
                format!("{old_name} is now {new_id}; the client method is renamed"),
            ),
            _ => {}
        }
    }

    /// Compares the method and path of a matched pair of operations.
    fn route(&mut self, old_op: &OperationRef<'a>, new_op: &OperationRef<'a>) {
        if new_op.path == old_op.path && new_op.method == old_op.method {
            return;
        }
        self.push(
            Severity::Breaking,
            "operation-moved",
            Side::New,
            &new_op.pointer(),
            format!(
                "{} moved from {} {} to {} {}",
                label(old_op),
                old_op.method.to_uppercase(),
                old_op.path,
                new_op.method.to_uppercase(),
                new_op.path
            ),
        );
    }

    fn operation(&mut self, old_op: &OperationRef<'a>, new_op: &OperationRef<'a>) {
        let name = label(new_op);
        let old_params = keyed_parameters(&self.old.value, old_op);
        let new_params = keyed_parameters(&self.new.value, new_op);
        for ((place, param), (old_pointer, old_p)) in &old_params {
            let what = format!("{name}: {place} parameter {param}");
            let Some((new_pointer, new_p)) = new_params.get(&(place.clone(), param.clone())) else {
                self.push(
                    Severity::Breaking,
                    "parameter-removed",
                    Side::Old,
                    old_pointer,
                    format!("{what} was removed"),
                );
                continue;
            };
            self.parameter(old_p, new_p, new_pointer, &what);
        }
        for ((place, param), (new_pointer, new_p)) in &new_params {
            if old_params.contains_key(&(place.clone(), param.clone())) {
                continue;
            }
            let what = format!("{name}: {place} parameter {param}");
            if is_required(new_p) {
                self.push(
                    Severity::Breaking,
                    "parameter-added-required",
                    Side::New,
                    new_pointer,
                    format!("{what} was added and is required"),
                );
            } else {
                self.push(
                    Severity::Compatible,
                    "parameter-added",
                    Side::New,
                    new_pointer,
                    format!("{what} was added (optional)"),
                );
            }
        }
        self.request_body(old_op, new_op, &name);
        self.responses(old_op, new_op, &name);
        self.rate_limit(old_op, new_op, &name);
    }

    /// Compares a parameter both operations have (`what` names it): its
    /// required flag, its default and its schema.
    fn parameter(&mut self, old_p: &Value, new_p: &Value, new_pointer: &str, what: &str) {
        match (is_required(old_p), is_required(new_p)) {
            (false, true) => self.push(
                Severity::Breaking,
                "parameter-made-required",
                Side::New,
                new_pointer,
                format!("{what} became required"),
            ),
            (true, false) => self.push(
                Severity::Compatible,
                "parameter-made-optional",
                Side::New,
                new_pointer,
                format!("{what} became optional"),
            ),
            _ => {}
        }
        self.parameter_default(old_p, new_p, new_pointer, what);
        if let (Some(old_s), Some(new_s)) = (old_p.get("schema"), new_p.get("schema")) {
            self.schema(
                old_s,
                new_s,
                &format!("{new_pointer}/schema"),
                what,
                Direction::Request,
                0,
            );
        }
    }

    /// Compares the `default`s of a parameter's schema.
    fn parameter_default(&mut self, old_p: &Value, new_p: &Value, new_pointer: &str, what: &str) {
        let default = |doc: &Value, p: &Value| -> Option<Value> {
            p.get("schema")
                .and_then(|s| resolve(doc, s))
                .and_then(|s| s.get("default"))
                .cloned()
        };
        let (old_default, new_default) = (
            default(&self.old.value, old_p),
            default(&self.new.value, new_p),
        );
        if old_default == new_default {
            return;
        }
        // A caller that omits an optional parameter gets the default's
        // behaviour; a required one is always sent.
        let optional = !is_required(new_p);
        self.push(
            Severity::of(optional),
            "parameter-default-changed",
            Side::New,
            new_pointer,
            format!(
                "{what}: default changed from {} to {}{}",
                show(old_default.as_ref()),
                show(new_default.as_ref()),
                if optional {
                    "; callers that omit it get the new behaviour"
                } else {
                    ""
                }
            ),
        );
    }

    /// Compares the rate limits that apply to two operations: each of the
    /// per-user, per-address and overall limits as calls a second.
    fn rate_limit(&mut self, old_op: &OperationRef<'a>, new_op: &OperationRef<'a>, name: &str) {
        let limit = |source: &SpecSource, op: &OperationRef<'_>| {
            crate::operations::rate_limit(source, op).ok().flatten()
        };
        let (old_limit, new_limit) = (limit(self.old, old_op), limit(self.new, new_op));
        let new_pointer = rate_limit_pointer(self.new, new_op);
        match (&old_limit, &new_limit) {
            (None, None) => {}
            (Some(_), None) => self.push(
                Severity::Compatible,
                "rate-limit-removed",
                Side::New,
                &new_pointer,
                format!("{name}: the rate limit was removed"),
            ),
            (None, Some(limit)) => self.push(
                Severity::Breaking,
                "rate-limit-added",
                Side::New,
                &new_pointer,
                format!(
                    "{name}: a rate limit of {} calls per {} s was added; calls at a higher rate are refused",
                    limit.budget(),
                    limit.window_seconds
                ),
            ),
            (Some(old), Some(new)) => self.rate_limit_parts(old, new, &new_pointer, name),
        }
    }

    /// Compares each of the per-user, per-address and overall limits of
    /// two rate limits, as calls a second.
    fn rate_limit_parts(
        &mut self,
        old: &RateLimitModel,
        new: &RateLimitModel,
        new_pointer: &str,
        name: &str,
    ) {
        let parts: [(&str, LimitPart); 3] = [
            ("per user", |l| l.per_user),
            ("per address", |l| l.per_ip),
            ("in all", |l| l.overall),
        ];
        for (what, get) in parts {
            let rate = |l: &RateLimitModel| {
                get(l).map(|calls| calls as f64 / l.window_seconds.max(1) as f64)
            };
            let shown = |l: &RateLimitModel| match get(l) {
                Some(calls) => format!("{calls} per {} s", l.window_seconds),
                None => "no limit".to_string(),
            };
            let (before, after) = (rate(old), rate(new));
            if before == after {
                continue;
            }
            let lowered = match (before, after) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(b), Some(a)) => a < b,
                (None, None) => false,
            };
            self.push(
                Severity::of(lowered),
                if lowered {
                    "rate-limit-lowered"
                } else {
                    "rate-limit-raised"
                },
                Side::New,
                new_pointer,
                format!(
                    "{name}: the rate limit {what} went from {} to {}{}",
                    shown(old),
                    shown(new),
                    if lowered {
                        "; calls at the old rate are refused"
                    } else {
                        ""
                    }
                ),
            );
        }
    }

    /// Compares the request bodies of two operations; their schemas are
    /// what the client sends.
    fn request_body(&mut self, old_op: &OperationRef<'a>, new_op: &OperationRef<'a>, name: &str) {
        let body = |doc: &'a Value, op: &OperationRef<'a>| {
            op.operation
                .get("requestBody")
                .and_then(|b| resolve_at(doc, b, &format!("{}/requestBody", op.pointer())))
        };
        let what = format!("{name}: request body");
        match (body(&self.old.value, old_op), body(&self.new.value, new_op)) {
            (None, None) => {}
            (Some((old_pointer, _)), None) => self.push(
                Severity::Breaking,
                "request-body-removed",
                Side::Old,
                &old_pointer,
                format!("{what} was removed"),
            ),
            (None, Some((new_pointer, new_b))) => {
                let (severity, rule, detail) = if body_required(new_b) {
                    (
                        Severity::Breaking,
                        "request-body-added-required",
                        " and is required",
                    )
                } else {
                    (Severity::Compatible, "request-body-added", " (optional)")
                };
                self.push(
                    severity,
                    rule,
                    Side::New,
                    &new_pointer,
                    format!("{what} was added{detail}"),
                );
            }
            (Some(old), Some(new)) => self.request_bodies(old, new, &what),
        }
    }

    /// Compares two request bodies (each with its pointer): the required
    /// flag, and the schema of each media type.
    fn request_bodies(
        &mut self,
        (old_pointer, old_b): (String, &'a Value),
        (new_pointer, new_b): (String, &'a Value),
        what: &str,
    ) {
        if !body_required(old_b) && body_required(new_b) {
            self.push(
                Severity::Breaking,
                "request-body-made-required",
                Side::New,
                &new_pointer,
                format!("{what} became required"),
            );
        }
        let content = |b: &'a Value| {
            b.get("content")
                .and_then(Value::as_object)
                .map(|m| m.iter().collect::<BTreeMap<_, _>>())
                .unwrap_or_default()
        };
        let (old_c, new_c) = (content(old_b), content(new_b));
        for (media, old_m) in old_c {
            let Some(new_m) = new_c.get(media) else {
                self.push(
                    Severity::Breaking,
                    "request-body-media-type-removed",
                    Side::Old,
                    &format!("{old_pointer}/content/{}", escape(media)),
                    format!("{what}: {media} is no longer accepted"),
                );
                continue;
            };
            if let (Some(o), Some(n)) = (old_m.get("schema"), new_m.get("schema")) {
                self.schema(
                    o,
                    n,
                    &format!("{new_pointer}/content/{}/schema", escape(media)),
                    what,
                    Direction::Request,
                    0,
                );
            }
        }
    }

    fn responses(&mut self, old_op: &OperationRef<'a>, new_op: &OperationRef<'a>, name: &str) {
        let responses = |op: &OperationRef<'a>| {
            op.operation
                .get("responses")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let old_responses = responses(old_op);
        let new_responses = responses(new_op);
        for (status, old_r) in &old_responses {
            let Some(new_r) = new_responses.get(status) else {
                if status.starts_with('2') {
                    self.push(
                        Severity::Breaking,
                        "response-removed",
                        Side::Old,
                        &format!("{}/responses/{}", old_op.pointer(), escape(status)),
                        format!("{name}: the {status} response was removed"),
                    );
                }
                continue;
            };
            self.response(old_op, new_op, status, (old_r, new_r), name);
        }
        for status in new_responses.keys() {
            if !old_responses.contains_key(status) {
                self.push(
                    Severity::Compatible,
                    "response-added",
                    Side::New,
                    &format!("{}/responses/{}", new_op.pointer(), escape(status)),
                    format!("{name}: a {status} response was added"),
                );
            }
        }
    }

    /// Compares the `status` response both operations have: the schema of
    /// its JSON media type.
    fn response(
        &mut self,
        old_op: &OperationRef<'a>,
        new_op: &OperationRef<'a>,
        status: &str,
        (old_r, new_r): (&Value, &Value),
        name: &str,
    ) {
        let pointer = format!("{}/responses/{}", new_op.pointer(), escape(status));
        match (
            json_schema(&self.old.value, old_r),
            json_schema(&self.new.value, new_r),
        ) {
            (Some((_, old_s)), Some((media, new_s))) => self.schema(
                &old_s,
                &new_s,
                &format!("{pointer}/content/{}/schema", escape(&media)),
                &format!("{name}: {status} response"),
                Direction::Response,
                0,
            ),
            (Some((media, _)), None) => self.push(
                Severity::Breaking,
                "response-media-type-removed",
                Side::Old,
                &format!(
                    "{}/responses/{}/content/{}",
                    old_op.pointer(),
                    escape(status),
                    escape(&media)
                ),
                format!(
                    "{name}: the {status} response is no longer {media}; its typed body becomes raw bytes"
                ),
            ),
            _ => {}
        }
    }

    /// Compares two schemas. `pointer` is where the new schema is written
    /// (a `$ref` is followed, so findings point at the component), `what`
    /// names it for people.
    fn schema(
        &mut self,
        old_s: &Value,
        new_s: &Value,
        pointer: &str,
        what: &str,
        direction: Direction,
        depth: usize,
    ) {
        if depth > 16 || self.compared_already(old_s, new_s, direction) {
            return;
        }
        let pointer = new_s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .map(str::to_string)
            .unwrap_or_else(|| pointer.to_string());
        let (Some(old_s), Some(new_s)) = (
            resolve(&self.old.value, old_s),
            resolve(&self.new.value, new_s),
        ) else {
            return;
        };
        self.type_and_nullable(old_s, new_s, &pointer, what, direction);
        self.enums(old_s, new_s, &pointer, what, direction);
        self.bounds(old_s, new_s, &pointer, what, direction);
        self.properties(old_s, new_s, &pointer, what, direction, depth);
        self.nested(old_s, new_s, &pointer, what, direction, depth);
    }

    /// Whether two `$ref`s were already compared in `direction`; records
    /// them when not. A component compared once in a direction is not
    /// compared again for the next operation or field that refers to it
    /// that way.
    fn compared_already(&mut self, old_s: &Value, new_s: &Value, direction: Direction) -> bool {
        let refs = (
            old_s.get("$ref").and_then(Value::as_str),
            new_s.get("$ref").and_then(Value::as_str),
        );
        match refs {
            (Some(o), Some(n)) => !self
                .compared
                .insert((o.to_string(), n.to_string(), direction)),
            _ => false,
        }
    }

    /// Compares the `type`, `format` and `nullable` of two schemas.
    fn type_and_nullable(
        &mut self,
        old_s: &Value,
        new_s: &Value,
        pointer: &str,
        what: &str,
        direction: Direction,
    ) {
        for key in ["type", "format"] {
            let (o, n) = (old_s.get(key), new_s.get(key));
            if o != n {
                self.push(
                    Severity::Breaking,
                    "type-changed",
                    Side::New,
                    pointer,
                    format!("{what}: {key} changed from {} to {}", show(o), show(n)),
                );
            }
        }
        let nullable = |s: &Value| s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if nullable(old_s) != nullable(new_s) {
            let breaking = match direction {
                Direction::Response => nullable(new_s),
                Direction::Request => nullable(old_s),
            };
            self.push(
                Severity::of(breaking),
                "nullable-changed",
                Side::New,
                pointer,
                format!(
                    "{what}: nullable changed from {} to {}",
                    nullable(old_s),
                    nullable(new_s)
                ),
            );
        }
    }

    /// Compares the schemas nested in two schemas: `items`,
    /// `additionalProperties`, and the branches of `oneOf`, `anyOf` and
    /// `allOf`.
    fn nested(
        &mut self,
        old_s: &Value,
        new_s: &Value,
        pointer: &str,
        what: &str,
        direction: Direction,
        depth: usize,
    ) {
        if let (Some(o), Some(n)) = (old_s.get("items"), new_s.get("items")) {
            self.schema(
                o,
                n,
                &format!("{pointer}/items"),
                &format!("{what}[]"),
                direction,
                depth + 1,
            );
        }
        if let (Some(o), Some(n)) = (
            old_s.get("additionalProperties").filter(|v| v.is_object()),
            new_s.get("additionalProperties").filter(|v| v.is_object()),
        ) {
            self.schema(
                o,
                n,
                &format!("{pointer}/additionalProperties"),
                &format!("{what}{{*}}"),
                direction,
                depth + 1,
            );
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            self.branches(key, (old_s, new_s), pointer, what, direction, depth);
        }
    }

    /// Compares the `key` branches (`oneOf`, `anyOf`, `allOf`) of two
    /// schemas, one by one; another number of branches is a type change.
    fn branches(
        &mut self,
        key: &str,
        (old_s, new_s): (&Value, &Value),
        pointer: &str,
        what: &str,
        direction: Direction,
        depth: usize,
    ) {
        let branches = |s: &Value| {
            s.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (old_b, new_b) = (branches(old_s), branches(new_s));
        if old_b.len() != new_b.len() {
            self.push(
                Severity::Breaking,
                "type-changed",
                Side::New,
                pointer,
                format!(
                    "{what}: {key} changed from {} to {} branches",
                    old_b.len(),
                    new_b.len()
                ),
            );
            return;
        }
        for (index, (o, n)) in old_b.iter().zip(&new_b).enumerate() {
            self.schema(
                o,
                n,
                &format!("{pointer}/{key}/{index}"),
                what,
                direction,
                depth + 1,
            );
        }
    }

    fn properties(
        &mut self,
        old_s: &Value,
        new_s: &Value,
        pointer: &str,
        what: &str,
        direction: Direction,
        depth: usize,
    ) {
        let props = |s: &Value| {
            s.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (old_p, new_p) = (props(old_s), props(new_s));
        let (old_r, new_r) = (required_fields(old_s), required_fields(new_s));
        for (name, old_field) in &old_p {
            let field = format!("{what}: field {name}");
            let at = format!("{pointer}/properties/{}", escape(name));
            let Some(new_field) = new_p.get(name) else {
                // Gone from a response: the Rust field goes away. Gone from
                // a request body: the client can no longer send it.
                self.push(
                    Severity::Breaking,
                    "field-removed",
                    Side::New,
                    pointer,
                    format!("{field} was removed"),
                );
                continue;
            };
            if old_r.contains(name) != new_r.contains(name) {
                self.field_requirement(new_r.contains(name), &at, &field, direction);
            }
            self.schema(
                old_field,
                new_field,
                &at,
                &format!("{what}.{name}"),
                direction,
                depth + 1,
            );
        }
        for name in new_p.keys() {
            if old_p.contains_key(name) {
                continue;
            }
            let breaking = direction == Direction::Request && new_r.contains(name);
            self.push(
                Severity::of(breaking),
                "field-added",
                Side::New,
                &format!("{pointer}/properties/{}", escape(name)),
                format!(
                    "{what}: field {name} was added{}",
                    if breaking { " and is required" } else { "" }
                ),
            );
        }
    }

    /// A field (at `at`, named `field` for people) made required or
    /// optional.
    fn field_requirement(
        &mut self,
        made_required: bool,
        at: &str,
        field: &str,
        direction: Direction,
    ) {
        let severity = match direction {
            Direction::Response => Severity::Breaking,
            Direction::Request if made_required => Severity::Breaking,
            Direction::Request => Severity::Compatible,
        };
        self.push(
            severity,
            if made_required {
                "field-made-required"
            } else {
                "field-made-optional"
            },
            Side::New,
            at,
            format!(
                "{field} became {}",
                if made_required {
                    "required"
                } else {
                    "optional"
                }
            ),
        );
    }

    fn enums(
        &mut self,
        old_s: &Value,
        new_s: &Value,
        pointer: &str,
        what: &str,
        direction: Direction,
    ) {
        for key in ["enum", "x-extensible-enum"] {
            let values =
                |s: &Value| -> Option<Vec<Value>> { s.get(key).and_then(Value::as_array).cloned() };
            match (values(old_s), values(new_s)) {
                (None, None) => {}
                (Some(o), Some(n)) => {
                    self.enum_values(key, (o.as_slice(), n.as_slice()), pointer, what, direction)
                }
                (None, Some(n)) => {
                    // A new closed set on a request narrows it; on a
                    // response an open set is fine, a closed one is not.
                    let breaking = direction == Direction::Request || key == "enum";
                    self.push(
                        Severity::of(breaking),
                        "enum-added",
                        Side::New,
                        &format!("{pointer}/{key}"),
                        format!("{what}: values are now limited to {}", show_list(&n)),
                    );
                }
                (Some(o), None) => self.push(
                    Severity::Breaking,
                    "enum-removed",
                    Side::New,
                    pointer,
                    format!(
                        "{what}: the {key} list {} was dropped; its Rust enum goes away",
                        show_list(&o)
                    ),
                ),
            }
        }
    }

    /// Compares the values of the `key` lists (`enum`,
    /// `x-extensible-enum`) of two schemas: values removed, values added.
    fn enum_values(
        &mut self,
        key: &str,
        (old_v, new_v): (&[Value], &[Value]),
        pointer: &str,
        what: &str,
        direction: Direction,
    ) {
        let removed: Vec<Value> = old_v
            .iter()
            .filter(|v| !new_v.contains(v))
            .cloned()
            .collect();
        let added: Vec<Value> = new_v
            .iter()
            .filter(|v| !old_v.contains(v))
            .cloned()
            .collect();
        let at = format!("{pointer}/{key}");
        if !removed.is_empty() {
            self.push(
                Severity::Breaking,
                "enum-narrowed",
                Side::New,
                &at,
                format!("{what}: {key} values removed: {}", show_list(&removed)),
            );
        }
        if !added.is_empty() {
            let breaking = direction == Direction::Response && key == "enum";
            self.push(
                Severity::of(breaking),
                "enum-widened",
                Side::New,
                &at,
                format!("{what}: {key} values added: {}", show_list(&added)),
            );
        }
    }

    fn bounds(
        &mut self,
        old_s: &Value,
        new_s: &Value,
        pointer: &str,
        what: &str,
        direction: Direction,
    ) {
        // (keyword, true when it is a lower bound)
        for (key, lower) in [
            ("minimum", true),
            ("maximum", false),
            ("minLength", true),
            ("maxLength", false),
            ("minItems", true),
            ("maxItems", false),
        ] {
            let number = |s: &Value| s.get(key).and_then(Value::as_f64);
            let (o, n) = (number(old_s), number(new_s));
            let narrowed = match (o, n) {
                (None, None) => continue,
                (Some(o), Some(n)) if o == n => continue,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(o), Some(n)) => {
                    if lower {
                        n > o
                    } else {
                        n < o
                    }
                }
            };
            let breaking = match direction {
                Direction::Request => narrowed,
                Direction::Response => !narrowed,
            };
            self.push(
                Severity::of(breaking),
                if narrowed {
                    "range-narrowed"
                } else {
                    "range-widened"
                },
                Side::New,
                &format!("{pointer}/{key}"),
                format!(
                    "{what}: {key} changed from {} to {}",
                    show(old_s.get(key)),
                    show(new_s.get(key))
                ),
            );
        }
        self.pattern(old_s, new_s, pointer, what, direction);
        for key in ["exclusiveMinimum", "exclusiveMaximum"] {
            let (o, n) = (old_s.get(key), new_s.get(key));
            if o != n {
                self.push(
                    Severity::of(direction == Direction::Request),
                    "range-changed",
                    Side::New,
                    &format!("{pointer}/{key}"),
                    format!("{what}: {key} changed from {} to {}", show(o), show(n)),
                );
            }
        }
    }

    /// Compares the `pattern`s of two string schemas by the strings they
    /// accept.
    fn pattern(
        &mut self,
        old_s: &Value,
        new_s: &Value,
        pointer: &str,
        what: &str,
        direction: Direction,
    ) {
        let text = |s: &Value| s.get("pattern").and_then(Value::as_str).map(str::to_string);
        let (old_p, new_p) = (text(old_s), text(new_s));
        let relation = match (&old_p, &new_p) {
            (None, None) => return,
            (Some(_), None) => Relation::Wider,
            (None, Some(_)) => Relation::Narrower,
            (Some(o), Some(n)) if o == n => return,
            (Some(o), Some(n)) => pattern::relation(o, n),
        };
        let (rule, refuses_old, accepts_new) = match relation {
            Relation::Same => return,
            Relation::Wider => ("pattern-widened", false, true),
            Relation::Narrower => ("pattern-narrowed", true, false),
            Relation::Different => ("pattern-changed", true, true),
            Relation::Unknown => ("pattern-changed", true, true),
        };
        let breaking = match direction {
            // A value the old spec allowed may now be refused.
            Direction::Request => refuses_old,
            // A value the old client refuses may now arrive.
            Direction::Response => accepts_new && old_p.is_some(),
        };
        let how = match relation {
            Relation::Unknown => " (the two cannot be compared)",
            _ => "",
        };
        self.push(
            Severity::of(breaking),
            rule,
            Side::New,
            &format!("{pointer}/pattern"),
            format!(
                "{what}: pattern changed from {} to {}{how}",
                show(old_s.get("pattern")),
                show(new_s.get("pattern"))
            ),
        );
    }
}

/// Pairs each old operation with its new counterpart, if any, in the order
/// of the old spec: first by the same operationId, method and path; then by
/// an operationId that exactly one unmatched operation carries on each
/// side; then by the same method and path. Each new operation is used once.
fn match_operations(
    old: &[OperationRef<'_>],
    new: &[OperationRef<'_>],
) -> Vec<(usize, Option<usize>)> {
    let mut pairs: Vec<Option<usize>> = vec![None; old.len()];
    let mut used = vec![false; new.len()];
    let same_route =
        |o: &OperationRef<'_>, n: &OperationRef<'_>| o.path == n.path && o.method == n.method;
    // Round 1: everything the same.
    for (i, o) in old.iter().enumerate() {
        if o.operation_id().is_none() {
            continue;
        }
        if let Some(j) = (0..new.len()).find(|&j| {
            !used[j] && new[j].operation_id() == o.operation_id() && same_route(o, &new[j])
        }) {
            pairs[i] = Some(j);
            used[j] = true;
        }
    }
    // Round 2: an operationId unique among the unmatched on both sides.
    for i in 0..old.len() {
        let Some(id) = old[i].operation_id().filter(|_| pairs[i].is_none()) else {
            continue;
        };
        let olds = (0..old.len())
            .filter(|&k| pairs[k].is_none() && old[k].operation_id() == Some(id))
            .count();
        let news: Vec<usize> = (0..new.len())
            .filter(|&j| !used[j] && new[j].operation_id() == Some(id))
            .collect();
        if olds == 1 && news.len() == 1 {
            pairs[i] = Some(news[0]);
            used[news[0]] = true;
        }
    }
    // Round 3: the same route.
    for (i, o) in old.iter().enumerate() {
        if pairs[i].is_some() {
            continue;
        }
        if let Some(j) = (0..new.len()).find(|&j| !used[j] && same_route(o, &new[j])) {
            pairs[i] = Some(j);
            used[j] = true;
        }
    }
    pairs.into_iter().enumerate().collect()
}

/// The first JSON media type of a response (its `$ref` followed) and its
/// schema.
fn json_schema(doc: &Value, response: &Value) -> Option<(String, Value)> {
    resolve(doc, response)?
        .get("content")?
        .as_object()?
        .iter()
        .find(|(media, m)| is_json(media) && m.get("schema").is_some())
        .and_then(|(media, m)| Some((media.clone(), m.get("schema")?.clone())))
}

/// The parameters of `op`, by where they go and their name, each with
/// its pointer.
fn keyed_parameters<'a>(
    doc: &'a Value,
    op: &OperationRef<'a>,
) -> BTreeMap<(String, String), (String, &'a Value)> {
    parameters(doc, op)
        .into_iter()
        .map(|(pointer, p)| {
            let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            ((text("in"), text("name")), (pointer, p))
        })
        .collect()
}

/// Where the rate limit that applies to `op` is written: its own
/// `x-rate-limit`, else the top-level one, else the operation.
fn rate_limit_pointer(source: &SpecSource, op: &OperationRef<'_>) -> String {
    if op.operation.get("x-rate-limit").is_some() {
        format!("{}/x-rate-limit", op.pointer())
    } else if source.value.get("x-rate-limit").is_some() {
        "/x-rate-limit".to_string()
    } else {
        op.pointer()
    }
}

/// The names an object schema lists under `required`.
fn required_fields(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a request body is `required`.
fn body_required(body: &Value) -> bool {
    body.get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn is_required(parameter: &Value) -> bool {
    parameter
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn label(op: &OperationRef<'_>) -> String {
    match op.operation_id() {
        Some(id) => id.to_string(),
        None => format!("{} {}", op.method.to_uppercase(), op.path),
    }
}

fn show(value: Option<&Value>) -> String {
    match value {
        None => "(none)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn show_list(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| show(Some(v)))
        .collect::<Vec<_>>()
        .join(", ")
}
