//! The tokens of `Operation::siem` and the mappings it returns: each
//! record schema's `x-siem`, as data in the types of `crate::spec::siem`.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::operations::OperationModel;
use crate::siem::{
    ConditionModel, ConstModel, ContextModel, Convert, MappingModel, SchemaKind, ValueModel,
};

/// `Operation::siem` and the constants its arms name.
pub fn facts(models: &[OperationModel], variants: &[syn::Ident]) -> (TokenStream, TokenStream) {
    let mut arms = Vec::new();
    let mut items = Vec::new();
    for (model, variant) in models.iter().zip(variants) {
        let mappings = model.pagination.iter().flat_map(|p| &p.siem);
        for mapping in mappings {
            let name = format_ident!(
                "{}_{}",
                model.operation_id.to_shouty_snake_case(),
                mapping.kind.key().to_uppercase()
            );
            let kind = kind(mapping.kind);
            arms.push(quote!((Self::#variant, #kind) => Some(&#name)));
            let value = self::mapping(mapping);
            items.push(quote!(const #name: super::siem::Mapping = #value;));
        }
    }
    let body = if arms.is_empty() {
        quote! {
            let _ = (self, schema);
            None
        }
    } else {
        quote! {
            match (self, schema) {
                #(#arms,)*
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }
    };
    let method = quote! {
        /// How its records become events of `schema`, when the spec maps
        /// them (`x-siem`).
        pub const fn siem(self, schema: super::siem::SiemSchema) -> Option<&'static super::siem::Mapping> {
            #body
        }
    };
    (method, quote!(#(#items)*))
}

fn kind(kind: SchemaKind) -> TokenStream {
    match kind {
        SchemaKind::Ocsf => quote!(super::siem::SiemSchema::Ocsf),
        SchemaKind::Ecs => quote!(super::siem::SiemSchema::Ecs),
    }
}

fn mapping(m: &MappingModel) -> TokenStream {
    let schema = kind(m.kind);
    let version = &m.version;
    let class = match &m.class {
        Some(c) => {
            let (uid, name, category) = (c.uid, &c.name, c.category);
            quote!(Some(super::siem::OcsfClass { uid: #uid, name: #name, category: #category }))
        }
        None => quote!(None),
    };
    let profiles = &m.profiles;
    let unmapped = optional(m.unmapped.as_deref());
    let original = optional(m.original.as_deref());
    let required = &m.required;
    let needs = m
        .needs_one_of
        .iter()
        .map(|(path, keys)| quote!((#path, &[#(#keys),*])));
    let rules = m.rules.iter().map(|(target, value)| {
        let value = self::value(value);
        quote!(super::siem::Rule { target: #target, value: #value })
    });
    quote! {
        super::siem::Mapping {
            schema: #schema,
            version: #version,
            class: #class,
            profiles: &[#(#profiles),*],
            unmapped: #unmapped,
            original: #original,
            required: &[#(#required),*],
            needs_one_of: &[#(#needs),*],
            rules: &[#(#rules),*],
        }
    }
}

fn optional(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(Some(#text)),
        None => quote!(None),
    }
}

fn value(v: &ValueModel) -> TokenStream {
    match v {
        ValueModel::Field(path, how) => {
            let how = convert(*how);
            quote!(super::siem::Source::Field(#path, #how))
        }
        ValueModel::Const(c) => {
            let c = constant(c);
            quote!(super::siem::Source::Const(#c))
        }
        ValueModel::Context(c) => {
            let c = context(*c);
            quote!(super::siem::Source::Context(#c))
        }
        ValueModel::First(list) => {
            let list = list.iter().map(value);
            quote!(super::siem::Source::First(&[#(#list),*]))
        }
        ValueModel::Map {
            field,
            cases,
            default,
        } => {
            let cases = cases.iter().map(|(k, c)| {
                let c = constant(c);
                quote!((#k, #c))
            });
            let default = optional_const(default.as_ref());
            quote!(super::siem::Source::Map { field: #field, cases: &[#(#cases),*], default: #default })
        }
        ValueModel::Cases { cases, default } => {
            let cases = cases.iter().map(|(when, c)| {
                let (when, c) = (condition(when), constant(c));
                quote!((#when, #c))
            });
            let default = optional_const(default.as_ref());
            quote!(super::siem::Source::Cases { cases: &[#(#cases),*], default: #default })
        }
    }
}

fn convert(how: Convert) -> TokenStream {
    match how {
        Convert::AsIs => quote!(super::siem::Convert::AsIs),
        Convert::Date => quote!(super::siem::Convert::Date),
        Convert::List => quote!(super::siem::Convert::List),
        Convert::Text => quote!(super::siem::Convert::Text),
    }
}

fn context(c: ContextModel) -> TokenStream {
    match c {
        ContextModel::Region => quote!(super::siem::ContextValue::Region),
        ContextModel::Project => quote!(super::siem::ContextValue::Project),
        ContextModel::Account => quote!(super::siem::ContextValue::Account),
        ContextModel::Id => quote!(super::siem::ContextValue::Id),
    }
}

fn constant(c: &ConstModel) -> TokenStream {
    match c {
        ConstModel::Str(text) => quote!(super::siem::Const::Str(#text)),
        ConstModel::Int(n) => quote!(super::siem::Const::Int(#n)),
        ConstModel::Bool(b) => quote!(super::siem::Const::Bool(#b)),
        ConstModel::Strs(list) => quote!(super::siem::Const::Strs(&[#(#list),*])),
    }
}

fn optional_const(c: Option<&ConstModel>) -> TokenStream {
    match c {
        Some(c) => {
            let c = constant(c);
            quote!(Some(#c))
        }
        None => quote!(None),
    }
}

fn condition(when: &ConditionModel) -> TokenStream {
    match when {
        ConditionModel::In(field, values) => {
            quote!(super::siem::Condition::In(#field, &[#(#values),*]))
        }
        ConditionModel::Differs(a, b) => quote!(super::siem::Condition::Differs(#a, #b)),
    }
}
