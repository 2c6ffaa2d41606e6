//! The progenitor settings, all in one place, each with its reason.

use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::quote;

use crate::extensions::Extensions;

/// Path of the hand-written type that every `LineNum` schema becomes.
pub const LINE_NUM_TYPE: &str = "crate::line_num::LineNum";

/// Builds the settings for the spec's extensions.
///
/// - Builder interface: every parameter is a builder method, so a new
///   optional parameter in the spec is a new method and breaks no caller.
/// - Merged tags: all operations are methods of one `Client`. (Positional
///   methods with separate tags are not implemented by progenitor.)
/// - Inner type `crate::hooks::Hooks`, hooks expected: the hand-written
///   `hooks` module of `hss-client` holds credentials and the retry policy
///   and must implement `ClientHooks`; a missing implementation is one clear
///   compile error.
/// - `PartialEq` on every type, so callers and tests can compare values.
/// - Open enumerations (`x-extensible-enum`) are replaced by the enums that
///   [`Extensions::apply`] emits into the `types` module, so that an unknown
///   value decodes instead of failing the whole response.
/// - `LineNum` (string or integer on the wire) is replaced by the
///   hand-written [`LINE_NUM_TYPE`], which keeps every digit and the form the
///   value came in.
pub fn progenitor_settings(extensions: &Extensions) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(crate::hooks::Hooks))
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq");
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
    settings
}
