//! The spec's vendor extensions, and how they change the generated code.
//!
//! - `x-aliases` on a property lists other spellings of its key. Every
//!   spelling decodes into the same field (through a wire struct, so that a
//!   payload with two spellings at once still decodes), and encoding writes
//!   the canonical name.
//! - `x-extensible-enum` on a string schema lists its documented values. The
//!   schema becomes a Rust enum with a variant per value plus
//!   `Unknown(String)`, which keeps any other value as it came.
//!
//! Both are read from the spec, so changing the spec is all it takes.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{Item, parse_quote};

use crate::error::Finding;
use crate::positions::escape;
use crate::source::SpecSource;

/// A component schema that is an open enumeration.
#[derive(Debug, Clone)]
pub struct OpenEnum {
    /// Component name, which is also the Rust type name.
    pub name: String,
    /// Documented values, in spec order.
    pub values: Vec<String>,
    /// The schema's description.
    pub description: Option<String>,
}

/// Everything the extensions ask of the generated code.
#[derive(Debug, Clone, Default)]
pub struct Extensions {
    /// Open enumerations, by component name.
    pub open_enums: BTreeMap<String, OpenEnum>,
    /// For each component schema: property name -> other spellings.
    pub aliases: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// The name used for values an open enum does not list.
const UNKNOWN_VARIANT: &str = "Unknown";

impl Extensions {
    /// Reads the extensions of every component schema, or reports the ones
    /// that are malformed.
    pub fn collect(source: &SpecSource) -> Result<Self, Vec<Finding>> {
        let mut out = Self::default();
        let mut findings = Vec::new();
        let Some(schemas) = source.at("/components/schemas").and_then(Value::as_object) else {
            return Ok(out);
        };
        for (name, schema) in schemas {
            let pointer = format!("/components/schemas/{}", escape(name));
            if let Some(values) = schema.get("x-extensible-enum") {
                match open_enum(name, schema, values) {
                    Ok(e) => {
                        out.open_enums.insert(name.clone(), e);
                    }
                    Err(message) => findings.push(source.finding(
                        "x-extensible-enum",
                        &format!("{pointer}/x-extensible-enum"),
                        message,
                    )),
                }
            }
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (property, body) in properties {
                let Some(aliases) = body.get("x-aliases") else {
                    continue;
                };
                let list = aliases.as_array().and_then(|a| {
                    a.iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                });
                match list {
                    Some(list) if !list.is_empty() => {
                        out.aliases
                            .entry(name.clone())
                            .or_default()
                            .insert(property.clone(), list);
                    }
                    _ => findings.push(source.finding(
                        "x-aliases",
                        &format!("{pointer}/properties/{}/x-aliases", escape(property)),
                        "x-aliases must be a non-empty list of strings",
                    )),
                }
            }
        }
        if findings.is_empty() {
            Ok(out)
        } else {
            Err(findings)
        }
    }

    /// Adds `#[serde(alias)]` attributes and the open enum types to the
    /// generated file.
    pub fn apply(&self, file: &mut syn::File) -> Result<(), syn::Error> {
        for item in &mut file.items {
            let Item::Mod(module) = item else { continue };
            if module.ident != "types" {
                continue;
            }
            let Some((_, items)) = module.content.as_mut() else {
                continue;
            };
            let mut impls = Vec::new();
            let mut wires = Vec::new();
            for item in items.iter_mut() {
                if let Item::Struct(s) = item
                    && let Some(aliases) = self.aliases.get(&s.ident.to_string())
                {
                    let (from_impl, wire) = alias_items(s, aliases)?;
                    impls.push(from_impl);
                    wires.push(wire);
                }
            }
            items.extend(impls);
            if !wires.is_empty() {
                let module: syn::File = syn::parse2(alias_wire_module(wires))?;
                items.extend(module.items);
            }
            for open in self.open_enums.values() {
                let emitted: syn::File = syn::parse2(open_enum_tokens(open))?;
                items.extend(emitted.items);
            }
        }
        Ok(())
    }
}

fn open_enum(name: &str, schema: &Value, values: &Value) -> Result<OpenEnum, String> {
    if schema.get("type").and_then(Value::as_str) != Some("string") {
        return Err(format!("{name}: x-extensible-enum needs `type: string`"));
    }
    if schema.get("enum").is_some() {
        return Err(format!(
            "{name}: use either `enum` (closed) or x-extensible-enum (open), not both"
        ));
    }
    let values: Vec<String> = values
        .as_array()
        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect())
        .ok_or_else(|| format!("{name}: x-extensible-enum must be a list of strings"))?;
    if values.is_empty() {
        return Err(format!("{name}: x-extensible-enum lists no value"));
    }
    let mut seen = BTreeMap::new();
    for value in &values {
        let variant = variant_name(value);
        if variant.is_empty() || variant == UNKNOWN_VARIANT {
            return Err(format!(
                "{name}: value {value:?} has no usable Rust variant name"
            ));
        }
        if let Some(other) = seen.insert(variant.clone(), value) {
            return Err(format!(
                "{name}: values {other:?} and {value:?} both become variant {variant}"
            ));
        }
    }
    Ok(OpenEnum {
        name: name.to_string(),
        values,
        description: schema
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

fn variant_name(value: &str) -> String {
    let name = value.to_upper_camel_case();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    }
}

/// Rewrites `s` so that each aliased field decodes from every spelling.
///
/// serde's own `alias` refuses a payload that carries two spellings of one
/// field at once, so decoding goes through a wire struct instead: it has a
/// field per spelling, and `From` picks the canonical spelling first. When
/// both come, the other spelling's value is kept in `extra` under its key, so
/// nothing is lost. Returns the `From` impl to add beside `s` and the wire
/// struct for the `alias_wire` module.
fn alias_items(
    s: &mut syn::ItemStruct,
    aliases: &BTreeMap<String, Vec<String>>,
) -> Result<(Item, Item), syn::Error> {
    let name = s.ident.clone();
    let mut wire = WireParts::default();
    for field in s.fields.iter_mut() {
        wire.add_field(&name, field, aliases)?;
    }
    let WireParts {
        fields: wire_fields,
        inits,
        has_extra,
    } = wire;
    // A distinct name: inside `alias_wire`, the types it refers to (such as
    // a nested struct of the same schema) come from `super::*`.
    let wire_name = format_ident!("{name}Wire");
    let wire_path = format!("alias_wire::{wire_name}");
    s.attrs.push(parse_quote!(#[serde(from = #wire_path)]));
    let (extra_init, extra_field) = if has_extra {
        (quote!(let mut extra = wire.extra;), quote!(extra,))
    } else {
        (quote!(let mut extra = ::serde_json::Map::new();), quote!())
    };
    let from_impl: syn::ItemImpl = syn::parse2(quote! {
        impl ::std::convert::From<alias_wire::#wire_name> for #name {
            fn from(wire: alias_wire::#wire_name) -> Self {
                use alias_wire::pick;
                #extra_init
                Self {
                    #(#inits)*
                    #extra_field
                }
            }
        }
    })?;
    let wire_struct: syn::ItemStruct = syn::parse2(quote! {
        #[derive(::serde::Deserialize)]
        pub struct #wire_name {
            #(#wire_fields)*
        }
    })?;
    Ok((Item::Impl(from_impl), Item::Struct(wire_struct)))
}

/// The parts of an aliased struct's wire struct and `From` impl, gathered
/// field by field.
#[derive(Default)]
struct WireParts {
    /// The wire struct's fields: one per field, and one per other
    /// spelling.
    fields: Vec<TokenStream>,
    /// The field initializers of the `From` impl.
    inits: Vec<TokenStream>,
    /// Whether the struct has an `extra` field (additional properties).
    has_extra: bool,
}

impl WireParts {
    /// Adds `field` of struct `name`: copied as it is, or, when it has
    /// other spellings, decoded from each of them (and documented so).
    fn add_field(
        &mut self,
        name: &syn::Ident,
        field: &mut syn::Field,
        aliases: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), syn::Error> {
        let Some(ident) = field.ident.clone() else {
            return Ok(());
        };
        let ty = field.ty.clone();
        let serde_attrs: Vec<syn::Attribute> = field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("serde"))
            .cloned()
            .collect();
        self.fields.push(quote!(#(#serde_attrs)* pub #ident: #ty,));
        if ident == "extra" {
            self.has_extra = true;
            return Ok(());
        }
        let wire = serde_rename(&field.attrs).unwrap_or_else(|| ident.to_string());
        let Some(spellings) = aliases.get(&wire) else {
            self.inits.push(quote!(#ident: wire.#ident,));
            return Ok(());
        };
        if !is_option(&ty) {
            return Err(syn::Error::new_spanned(
                &field.ty,
                format!("{name}.{wire}: x-aliases needs an optional property"),
            ));
        }
        let mut others = Vec::new();
        for (index, spelling) in spellings.iter().enumerate() {
            let other = format_ident!("{}_as_{}", ident, index);
            self.fields
                .push(quote!(#[serde(rename = #spelling, default)] pub #other: #ty,));
            others.push(quote!((#spelling, wire.#other)));
        }
        self.inits
            .push(quote!(#ident: pick(wire.#ident, [#(#others),*], &mut extra),));
        let listed = spellings
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let doc = format!(
            "Also decoded from {listed}. When more than one spelling comes, `{wire}` wins and the others stay in `extra`."
        );
        field.attrs.push(parse_quote!(#[doc = ""]));
        field.attrs.push(parse_quote!(#[doc = #doc]));
        Ok(())
    }
}

/// The module that holds the wire structs of aliased types, and the helper
/// their `From` impls share.
fn alias_wire_module(structs: Vec<Item>) -> TokenStream {
    quote! {
        /// Decoding forms of the types whose fields have several spellings.
        mod alias_wire {
            #[allow(unused_imports)]
            use super::*;

            /// The canonical value if it came, else the first other
            /// spelling that came; any other spelling that came as well is
            /// kept in `extra` under its own key.
            pub(super) fn pick<T: ::serde::Serialize, const N: usize>(
                canonical: ::std::option::Option<T>,
                others: [(&str, ::std::option::Option<T>); N],
                extra: &mut ::serde_json::Map<::std::string::String, ::serde_json::Value>,
            ) -> ::std::option::Option<T> {
                let mut chosen = canonical;
                for (key, value) in others {
                    let Some(value) = value else { continue };
                    if chosen.is_none() {
                        chosen = Some(value);
                    } else if let Ok(json) = ::serde_json::to_value(&value) {
                        extra.insert(key.to_string(), json);
                    }
                }
                chosen
            }

            #(#structs)*
        }
    }
}

fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Option"),
        _ => false,
    }
}

/// The `rename` of a `#[serde(rename = "...")]` attribute, if any.
pub(crate) fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                found = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

/// The type of an open enum and its impls.
fn open_enum_tokens(open: &OpenEnum) -> TokenStream {
    let idents = OpenEnumIdents::new(open);
    let definition = open_enum_definition(open, &idents);
    let conversions = open_enum_conversions(open, &idents);
    let serde = open_enum_serde(&idents);
    quote! {
        #definition
        #conversions
        #serde
    }
}

/// The names an open enum's code is written with.
struct OpenEnumIdents {
    /// The type.
    name: syn::Ident,
    /// A variant per documented value, in spec order.
    variants: Vec<syn::Ident>,
    /// The variant that holds any other value.
    unknown: syn::Ident,
}

impl OpenEnumIdents {
    fn new(open: &OpenEnum) -> Self {
        Self {
            name: format_ident!("{}", open.name),
            variants: open
                .values
                .iter()
                .map(|v| format_ident!("{}", variant_name(v)))
                .collect(),
            unknown: format_ident!("{UNKNOWN_VARIANT}"),
        }
    }
}

/// The enum, its JSON schema (a string's) and its inherent methods.
fn open_enum_definition(open: &OpenEnum, idents: &OpenEnumIdents) -> TokenStream {
    let OpenEnumIdents {
        name,
        variants,
        unknown,
    } = idents;
    let doc = open
        .description
        .clone()
        .unwrap_or_else(|| format!("Values of {}.", open.name));
    let values = &open.values;
    let variant_docs = values.iter().map(|v| format!("`{v}`"));
    quote! {
        #[doc = #doc]
        ///
        /// An open set: values that are not listed decode into `Unknown`
        /// and encode back unchanged.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #variants,
            )*
            /// A value the spec does not list, kept as it came.
            #unknown(::std::string::String),
        }

        impl ::schemars::JsonSchema for #name {
            fn schema_name() -> ::std::string::String {
                ::std::string::String::from(stringify!(#name))
            }

            fn json_schema(
                generator: &mut ::schemars::r#gen::SchemaGenerator,
            ) -> ::schemars::schema::Schema {
                <::std::string::String as ::schemars::JsonSchema>::json_schema(generator)
            }
        }

        impl #name {
            /// The documented values.
            pub const KNOWN: &'static [Self] = &[#(Self::#variants),*];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::#unknown(value) => value.as_str(),
                }
            }

            /// Whether the value is one the spec lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::#unknown(_))
            }
        }
    }
}

/// An open enum's conversions from and to strings.
fn open_enum_conversions(open: &OpenEnum, idents: &OpenEnumIdents) -> TokenStream {
    let OpenEnumIdents {
        name,
        variants,
        unknown,
    } = idents;
    let values = &open.values;
    quote! {
        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::#unknown(other.to_string()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::#unknown(_) => Self::#unknown(value),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// An open enum's serde impls: as its wire string.
fn open_enum_serde(idents: &OpenEnumIdents) -> TokenStream {
    let name = &idents.name;
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                ::std::string::String::deserialize(deserializer).map(Self::from)
            }
        }
    }
}
