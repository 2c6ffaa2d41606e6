//! Changes to progenitor's output that its settings cannot ask for. Each is
//! a small, mechanical edit of the parsed file, made on every generation.
//!
//! - Every request builder gets `first_invalid_parameter()`: the first
//!   parameter that is missing or failed to convert, with the builder's
//!   message. progenitor only reports that as the text of
//!   `Error::InvalidRequest`; this gives the client a typed answer (the
//!   parameter's name) to look up in the operations table.
//! - A list field keeps an empty list when encoded: progenitor skips an
//!   empty `Vec`, so re-encoding a decoded page with `data_list: []`
//!   would drop the key.

use quote::quote;
use syn::{Item, parse_quote};

/// Applies every patch to `file`.
pub fn apply(file: &mut syn::File) -> Result<(), syn::Error> {
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        let Some((_, items)) = module.content.as_mut() else {
            continue;
        };
        if module.ident == "builder" {
            let mut added = Vec::new();
            for item in items.iter() {
                if let Item::Struct(s) = item {
                    added.push(first_invalid_parameter(s)?);
                }
            }
            items.extend(added);
        } else if module.ident == "types" {
            for item in items.iter_mut() {
                if let Item::Struct(s) = item {
                    keep_empty_lists(s);
                }
            }
        }
    }
    Ok(())
}

fn first_invalid_parameter(s: &syn::ItemStruct) -> Result<Item, syn::Error> {
    let name = &s.ident;
    let checks = s
        .fields
        .iter()
        .filter_map(|f| f.ident.as_ref())
        .filter(|ident| *ident != "client")
        .map(|ident| {
            let text = ident.to_string();
            quote! {
                if let Err(message) = &self.#ident {
                    return Some((#text, message.as_str()));
                }
            }
        });
    syn::parse2(quote! {
        impl #name<'_> {
            /// The first parameter that is missing or could not be
            /// converted, by its builder method's name, with the builder's
            /// message.
            #[doc(hidden)]
            pub fn first_invalid_parameter(&self) -> Option<(&'static str, &str)> {
                #(#checks)*
                None
            }
        }
    })
}

fn keep_empty_lists(s: &mut syn::ItemStruct) {
    for field in s.fields.iter_mut() {
        for attr in field.attrs.iter_mut() {
            if attr.path().is_ident("serde") {
                let tokens = quote!(#attr).to_string().replace(' ', "");
                if tokens.contains("skip_serializing_if=\"::std::vec::Vec::is_empty\"") {
                    *attr = parse_quote!(#[serde(default)]);
                }
            }
        }
    }
}
