//! The progenitor settings, all in one place, each with its reason.

use std::collections::BTreeSet;

use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::quote;
use schemars::schema::{InstanceType, SchemaObject, SingleOrVec, StringValidation};
use serde_json::Value;

use crate::check::{operations, parameters};
use crate::extensions::Extensions;
use crate::source::SpecSource;

/// Path of the hand-written type that every `LineNum` schema becomes.
pub const LINE_NUM_TYPE: &str = "crate::line_num::LineNum";

/// Builds the settings for `source` and its extensions.
///
/// - Builder interface: every parameter is a builder method, so a new
///   optional parameter in the spec is a new method and breaks no caller.
/// - Merged tags: all operations are methods of one `Client`. (Positional
///   methods with separate tags are not implemented by progenitor.)
/// - Inner type `crate::runtime::state::ClientState`, hooks expected: the hand-written
///   `hooks` module of `hss-client` holds credentials and the retry policy
///   and must implement `ClientHooks`; a missing implementation is one clear
///   compile error.
/// - `PartialEq` on every type, so callers and tests can compare values.
/// - `schemars::JsonSchema` on every type: progenitor's CLI generator
///   (`hss-cli`) prints values through bounds that ask for it.
/// - Open enumerations (`x-extensible-enum`) are replaced by the enums that
///   [`Extensions::apply`] emits into the `types` module, so that an unknown
///   value decodes instead of failing the whole response.
/// - `LineNum` (string or integer on the wire) is replaced by the
///   hand-written [`LINE_NUM_TYPE`], which keeps every digit and the form the
///   value came in.
/// - String parameters with a length or pattern limit are plain `String`s
///   ([`bounded_string_parameters`]). progenitor would wrap each in a
///   newtype whose failed conversion drops the value, so a caller would
///   learn neither the value nor the limit. As `String`s they reach the
///   hand-written validator of `hss-client` (its `validate` module), which
///   checks the same limits before anything is sent and names the
///   parameter, the value and the allowed range.
pub fn progenitor_settings(source: &SpecSource, extensions: &Extensions) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(crate::runtime::state::ClientState))
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq")
        .with_derive("schemars::JsonSchema");
    for name in extensions.open_enums.keys() {
        settings.with_replacement(
            name,
            format!("crate::types::{name}"),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    settings.with_replacement(
        "LineNum",
        LINE_NUM_TYPE,
        [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
    );
    for schema in bounded_string_parameters(source) {
        settings.with_conversion(
            schema,
            "::std::string::String",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    settings
}

/// The schema of every string parameter that has a `minLength`,
/// `maxLength` or `pattern` (and no `enum`), in the form progenitor hands
/// to typify, which matches conversions on everything but the metadata
/// (description, default, examples).
pub fn bounded_string_parameters(source: &SpecSource) -> Vec<SchemaObject> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for op in operations(&source.value) {
        for (_, parameter) in parameters(&source.value, &op) {
            let Some(schema) = parameter.get("schema") else {
                continue;
            };
            let field = |name: &str| schema.get(name);
            let bounded = ["minLength", "maxLength", "pattern"]
                .iter()
                .any(|key| field(key).is_some());
            if field("type").and_then(Value::as_str) != Some("string")
                || !bounded
                || field("enum").is_some()
                || field("nullable").and_then(Value::as_bool) == Some(true)
                || !seen.insert(schema.to_string())
            {
                continue;
            }
            let length = |name: &str| {
                field(name)
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
            };
            let extensions = schema
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(key, _)| key.starts_with("x-"))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            out.push(SchemaObject {
                instance_type: Some(SingleOrVec::Single(Box::new(InstanceType::String))),
                format: field("format").and_then(Value::as_str).map(str::to_string),
                string: Some(Box::new(StringValidation {
                    max_length: length("maxLength"),
                    min_length: length("minLength"),
                    pattern: field("pattern").and_then(Value::as_str).map(str::to_string),
                })),
                extensions,
                ..SchemaObject::default()
            });
        }
    }
    out
}
