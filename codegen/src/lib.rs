//! Turns the HSS OpenAPI spec into Rust source for the `hss-client` crate.
//!
//! The flow is one way: [`SpecSource::load`] reads the YAML, the
//! [`validate`] rules (which include the checks in [`check`] that keep
//! progenitor from panicking) must all pass, [`extensions`] reads the
//! spec's vendor extensions, progenitor generates the code with the settings
//! in [`settings`], and [`generate_client`] formats it with prettyplease
//! under a "generated, do not edit" header. The same spec always gives the
//! same bytes.

pub mod check;
pub mod diff;
pub mod docs;
pub mod error;
pub mod extensions;
pub mod httpmock;
pub mod operations;
pub mod patches;
pub mod positions;
pub mod settings;
pub mod shapes;
pub mod siem;
pub mod source;
pub mod validate;
pub mod yaml_edit;

use std::panic::{AssertUnwindSafe, catch_unwind};

pub use error::{Error, Finding, Location};
pub use source::SpecSource;

use extensions::Extensions;

/// Everything `cargo xtask generate` writes, generated from one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The client module (`generated.rs`): types and request builders.
    pub client: String,
    /// The httpmock helpers (`mock.rs`).
    pub mock: String,
    /// The operations table (`spec/operations.rs`): every operation with
    /// the spec's facts about it, as data.
    pub operations: String,
    /// The presets module (`presets.rs`): `.call()`/`.stream()` for every
    /// request builder and the `HssClient` preset of every operation.
    pub presets: String,
    /// The README's section on the operations (between its markers).
    pub readme_section: String,
    /// The command-line module of `hss-cli` (`generated.rs`): progenitor's
    /// clap commands, one per operation.
    pub cli: String,
}

/// The path the generated command-line module reaches the generated
/// client by: `hss-client`'s re-export of progenitor's own names.
pub const CLI_CLIENT_PATH: &str = "hss_client::raw";

/// Generates every output from `source`.
///
/// `spec_label` names the spec in each file header (for example
/// `spec/hss.yaml`); it does not affect anything else, so the output depends
/// on the spec's content only.
pub fn generate(source: &SpecSource, spec_label: &str) -> Result<Generated, Error> {
    let extensions = prepare(source)?;
    let models = operations::collect(source).map_err(Error::Invalid)?;
    let file = client_file(source, &extensions)?;
    let operations = facts_module(source, &models, spec_label)?;
    let presets = presets_module(source, &models, &file, spec_label)?;
    Ok(Generated {
        client: format!("{}{}", header(spec_label), prettyplease::unparse(&file)),
        mock: httpmock::generate_prepared(source, &extensions, spec_label)?,
        operations,
        presets,
        readme_section: operations::readme::section(&models),
        cli: cli_module(source, &extensions, spec_label)?,
    })
}

/// progenitor's command-line module for `source`: one clap command per
/// operation, with a flag per parameter.
fn cli_module(
    source: &SpecSource,
    extensions: &Extensions,
    spec_label: &str,
) -> Result<String, Error> {
    let file = progenitor_file(source, extensions, |generator, openapi| {
        generator.cli(openapi, CLI_CLIENT_PATH)
    })?;
    Ok(format!(
        "{}{}{}",
        header(spec_label),
        CLI_DOCS,
        prettyplease::unparse(&file)
    ))
}

/// The module documentation at the top of the command-line module.
const CLI_DOCS: &str = "//! The commands of the spec, as progenitor's CLI generator makes them:\n\
//! [`CliCommand`] names every operation, and `Cli::get_command` gives its\n\
//! clap command with one flag per parameter. `hss-cli` runs them through\n\
//! `hss-client`.\n\n";

/// Generates the client module from `source` (see [`generate`]).
pub fn generate_client(source: &SpecSource, spec_label: &str) -> Result<String, Error> {
    let extensions = prepare(source)?;
    let file = client_file(source, &extensions)?;
    Ok(format!(
        "{}{}",
        header(spec_label),
        prettyplease::unparse(&file)
    ))
}

/// progenitor's client for `source`, with the extensions and patches
/// applied.
fn client_file(source: &SpecSource, extensions: &Extensions) -> Result<syn::File, Error> {
    let mut file = progenitor_file(source, extensions, |generator, openapi| {
        generator.generate_tokens(openapi)
    })?;
    patches::apply(&mut file)
        .and_then(|()| extensions.apply(&mut file))
        .map_err(|e| Error::Format {
            file: source.file.clone(),
            message: e.to_string(),
        })?;
    Ok(file)
}

/// Runs one of progenitor's generators (`generate`) on `source` with the
/// settings of [`settings`], a panic contained, and parses its output.
pub(crate) fn progenitor_file(
    source: &SpecSource,
    extensions: &Extensions,
    generate: impl FnOnce(
        &mut progenitor::Generator,
        &openapiv3::OpenAPI,
    ) -> Result<proc_macro2::TokenStream, progenitor::Error>,
) -> Result<syn::File, Error> {
    let openapi = source.openapi()?;
    let settings = settings::progenitor_settings(source, extensions);
    let tokens = contain_panics(|| {
        let mut generator = progenitor::Generator::new(&settings);
        generate(&mut generator, &openapi)
    })
    .and_then(|r| r.map_err(|e| e.to_string()))
    .map_err(|message| Error::Generator {
        file: source.file.clone(),
        message,
    })?;
    syn::parse2(tokens).map_err(|e| Error::Format {
        file: source.file.clone(),
        message: e.to_string(),
    })
}

/// The operations table's source: the facts of every operation.
fn facts_module(
    source: &SpecSource,
    models: &[operations::OperationModel],
    spec_label: &str,
) -> Result<String, Error> {
    let tokens = operations::emit::facts(models);
    formatted(source, tokens, spec_label, FACTS_DOCS)
}

/// The presets module's source: the builder extensions' impls and the
/// client's presets.
fn presets_module(
    source: &SpecSource,
    models: &[operations::OperationModel],
    client: &syn::File,
    spec_label: &str,
) -> Result<String, Error> {
    let builders = operations::emit::builder_fields(client);
    let types = operations::emit::type_fields(client);
    let tokens = operations::emit::presets(models, &builders, &types).map_err(|message| {
        Error::Generator {
            file: source.file.clone(),
            message,
        }
    })?;
    formatted(source, tokens, spec_label, PRESETS_DOCS)
}

/// `tokens` as a formatted file under the generated header and `docs`.
fn formatted(
    source: &SpecSource,
    tokens: proc_macro2::TokenStream,
    spec_label: &str,
    docs: &str,
) -> Result<String, Error> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Format {
        file: source.file.clone(),
        message: e.to_string(),
    })?;
    Ok(format!(
        "{}{}{}",
        header(spec_label),
        docs,
        prettyplease::unparse(&file)
    ))
}

/// The module documentation at the top of the operations table.
const FACTS_DOCS: &str = "//! The operations of the spec: [`Operation`] with every fact the spec\n\
//! states about each (method, path, parameters with their bounds and\n\
//! defaults, pagination, time window, rate limit, response shape), as\n\
//! data in the types of `crate::spec`. It imports nothing else.\n\n";

/// The module documentation at the top of the presets module.
const PRESETS_DOCS: &str = "//! The typed request builders of the operations: the impls that give\n\
//! each builder `.call()`, `.stream()` and `.stream_with()`\n\
//! (`crate::ext`), and the `HssClient` presets, one per operation, with\n\
//! `HssClient::visit` for code that picks an operation at run time.\n\n";

/// Runs the whole validator ([`validate::validate`]) and reads the
/// extensions. A spec with any finding is refused, so a broken spec never
/// reaches progenitor; every problem found is reported at once.
fn prepare(source: &SpecSource) -> Result<Extensions, Error> {
    let findings = validate::validate(source);
    if !findings.is_empty() {
        return Err(Error::Invalid(findings));
    }
    Extensions::collect(source).map_err(Error::Invalid)
}

/// The header of every generated file.
pub fn header(spec_label: &str) -> String {
    format!(
        "// @generated by hss-codegen (progenitor) from {spec_label}.\n\
         // Do not edit this file by hand: change the spec or codegen/src/settings.rs,\n\
         // then run `cargo xtask generate`.\n\n"
    )
}

/// Runs `f`, turning a panic into an error carrying its message. The checks
/// above catch the panics known today; this contains any other.
fn contain_panics<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        format!("progenitor panicked: {message}")
    })
}
