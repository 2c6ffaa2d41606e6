//! Changes to progenitor's output that its settings cannot ask for. Each is
//! a small, mechanical edit of the parsed file, made on every generation.
//!
//! - Every request builder gets `first_invalid_parameter()`: the first
//!   parameter that is missing or failed to convert, with the builder's
//!   message. progenitor only reports that as the text of
//!   `Error::InvalidRequest`; this gives the client a typed answer (the
//!   parameter's name) to look up in the operations table.
//! - Every request builder gets `into_request()`: the request its `send`
//!   would hand to the hooks, and the client it belongs to, without
//!   sending it. `hss-client` runs such a request through its own request
//!   pipeline, which then sees every attempt and answer and returns a typed
//!   error, with no side channel through progenitor's hooks. The method is
//!   `send`'s own statements up to where it builds the request, so it
//!   builds exactly what `send` sends.
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
                match item {
                    Item::Struct(s) => added.push(first_invalid_parameter(s)?),
                    Item::Impl(i) => added.extend(into_request(i)?),
                    _ => {}
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

/// `into_request()` beside the `send` of a builder's impl block, if it has
/// one: `send`'s statements up to the one that names the operation
/// (`let info = ...`), returning the client and the built request.
fn into_request(block: &syn::ItemImpl) -> Result<Option<Item>, syn::Error> {
    let Some(send) = block.items.iter().find_map(|item| match item {
        syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
        _ => None,
    }) else {
        return Ok(None);
    };
    let error_type = result_error_type(&send.sig.output).ok_or_else(|| {
        syn::Error::new_spanned(
            &send.sig.output,
            "a builder's send does not return Result<_, Error<_>>",
        )
    })?;
    let statements: Vec<&syn::Stmt> = send
        .block
        .stmts
        .iter()
        .take_while(|stmt| !binds(stmt, "info"))
        .collect();
    if statements.len() == send.block.stmts.len() || !statements.iter().any(|s| binds(s, "request"))
    {
        return Err(syn::Error::new_spanned(
            &send.sig,
            "a builder's send has no `let request` followed by `let info`; progenitor's output changed",
        ));
    }
    let generics = &block.generics;
    let self_ty = &block.self_ty;
    let lifetime = generics.lifetimes().next().map(|l| l.lifetime.clone());
    let client = match lifetime {
        Some(lifetime) => quote!(&#lifetime super::Client),
        None => quote!(&super::Client),
    };
    syn::parse2(quote! {
        impl #generics #self_ty {
            /// The request [`send`](Self::send) would make, with the client
            /// to send it through, built but not sent.
            #[doc(hidden)]
            pub fn into_request(self) -> Result<(#client, ::reqwest::Request), #error_type> {
                #(#statements)*
                Ok((client, request))
            }
        }
    })
    .map(Some)
}

/// `E` of a return type `-> Result<T, E>`.
fn result_error_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(path) = ty.as_ref() else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if segment.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    arguments
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
        .nth(1)
}

/// Whether `stmt` is `let name = ...` (or `let mut name`).
fn binds(stmt: &syn::Stmt, name: &str) -> bool {
    match stmt {
        syn::Stmt::Local(local) => match &local.pat {
            syn::Pat::Ident(ident) => ident.ident == name,
            syn::Pat::Type(typed) => {
                matches!(typed.pat.as_ref(), syn::Pat::Ident(ident) if ident.ident == name)
            }
            _ => false,
        },
        _ => false,
    }
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
