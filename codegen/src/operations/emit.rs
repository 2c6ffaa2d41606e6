//! Writes the generated operations module of `hss-client` from the
//! operation models: the `Operation` enum with the spec's facts as data
//! (the types of `hss_client::spec`), the impls that give each request
//! builder `.call()`, `.stream()` and `.stream_with()`, and the
//! `HssClient` presets, one per operation.

use std::collections::BTreeMap;

use heck::ToShoutySnakeCase;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{
    FieldModel, Location, OperationModel, PROJECT_ID, PaginationModel, ParameterModel,
    RateLimitModel, SchemaModel,
};

/// The type each request builder's field holds, by builder type and field
/// name, read from the generated client: `(type, optional)`.
pub type BuilderFields = BTreeMap<String, BTreeMap<String, (syn::Type, bool)>>;

/// Reads the builder structs of the generated client (module `builder`).
/// Every field but `client` is `Result<T, String>` (required) or
/// `Result<Option<T>, String>` (optional).
pub fn builder_fields(file: &syn::File) -> BuilderFields {
    let mut out = BuilderFields::new();
    for item in &file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "builder" {
            continue;
        }
        for item in module.content.iter().flat_map(|(_, items)| items) {
            let syn::Item::Struct(s) = item else { continue };
            let mut fields = BTreeMap::new();
            for field in &s.fields {
                let Some(ident) = &field.ident else { continue };
                if let Some(inner) = generic_argument(&field.ty, "Result") {
                    match generic_argument(&inner, "Option") {
                        Some(value) => fields.insert(ident.to_string(), (value, true)),
                        None => fields.insert(ident.to_string(), (inner, false)),
                    };
                }
            }
            out.insert(s.ident.to_string(), fields);
        }
    }
    out
}

/// The Rust field of each wire name, by type name, read from the generated
/// client's `types` module: a field's `#[serde(rename)]`, else its name.
pub type TypeFields = BTreeMap<String, BTreeMap<String, syn::Ident>>;

/// Reads the structs of the generated client's `types` module.
pub fn type_fields(file: &syn::File) -> TypeFields {
    let mut out = TypeFields::new();
    for item in &file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "types" {
            continue;
        }
        for item in module.content.iter().flat_map(|(_, items)| items) {
            let syn::Item::Struct(s) = item else { continue };
            let fields = s
                .fields
                .iter()
                .filter_map(|field| {
                    let ident = field.ident.clone()?;
                    let wire = crate::extensions::serde_rename(&field.attrs)
                        .unwrap_or_else(|| ident.to_string());
                    Some((wire, ident))
                })
                .collect();
            out.insert(s.ident.to_string(), fields);
        }
    }
    out
}

/// `T` of `Name<T, ...>`, when `ty` is a path ending in `Name`.
fn generic_argument(ty: &syn::Type, name: &str) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

/// The tokens of the facts module (`spec/operations.rs`): `Operation`
/// with every fact the spec states about each operation, as data. It
/// imports the spec's types only.
pub fn facts(models: &[OperationModel]) -> TokenStream {
    let variants = variants(models);
    let parameter_consts = consts(models, "PARAMETERS");
    let arms = FactArms::of(models, &variants);
    let operation_enum = operation_enum(models, &variants);
    let name_accessors = name_accessors(models, &variants);
    let fact_accessors = fact_accessors(&variants, &parameter_consts, &arms);
    let parameter_items = parameter_items(models, &parameter_consts);
    let response_items = &arms.response_items;
    let (siem_method, siem_items) = super::siem::facts(models, &variants);
    quote! {
        use super::{Field, IntegerSchema, Pagination, Parameter, ParameterLocation, RateLimit, Schema, StringSchema, TimeWindow};

        #operation_enum

        impl Operation {
            /// Every operation, in the spec's order.
            pub const ALL: &'static [Operation] = &[#(Operation::#variants),*];

            #name_accessors

            #fact_accessors

            #siem_method
        }

        #parameter_items

        #siem_items

        #(#response_items)*
    }
}

/// The `Operation` enum: one variant per operation, documented with its
/// operationId, summary, method and path.
fn operation_enum(models: &[OperationModel], variants: &[syn::Ident]) -> TokenStream {
    let variant_docs = models.iter().map(|m| {
        format!(
            "`{}`: {} (`{} {}`).",
            m.operation_id, m.summary, m.http_method, m.path
        )
    });
    quote! {
        /// Every operation of the spec.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Operation {
            #(
                #[doc = #variant_docs]
                #variants,
            )*
        }
    }
}

/// The methods of `Operation` that return a name or text every operation
/// has: operationId, method name, HTTP method, path and summary.
fn name_accessors(models: &[OperationModel], variants: &[syn::Ident]) -> TokenStream {
    let ids = models.iter().map(|m| &m.operation_id);
    let methods = models.iter().map(|m| &m.method_name);
    let http_methods = models.iter().map(|m| &m.http_method);
    let paths = models.iter().map(|m| &m.path);
    let summaries = models.iter().map(|m| &m.summary);
    let descriptions = models.iter().map(|m| &m.description);
    quote! {
        /// The spec's operationId.
        pub const fn operation_id(self) -> &'static str {
            match self { #(Self::#variants => #ids,)* }
        }

        /// The name of the client method and of the `HssClient` preset.
        pub const fn method_name(self) -> &'static str {
            match self { #(Self::#variants => #methods,)* }
        }

        /// The HTTP method, uppercase.
        pub const fn http_method(self) -> &'static str {
            match self { #(Self::#variants => #http_methods,)* }
        }

        /// The path template, such as `/v5/{project_id}/...`.
        pub const fn path(self) -> &'static str {
            match self { #(Self::#variants => #paths,)* }
        }

        /// The spec's summary.
        pub const fn summary(self) -> &'static str {
            match self { #(Self::#variants => #summaries,)* }
        }

        /// The spec's description (empty when it has none).
        pub const fn description(self) -> &'static str {
            match self { #(Self::#variants => #descriptions,)* }
        }
    }
}

/// The methods of `Operation` that return structured facts: the
/// parameters, and the pagination, time window, response shape and rate
/// limit that an operation may lack.
fn fact_accessors(
    variants: &[syn::Ident],
    parameter_consts: &[syn::Ident],
    arms: &FactArms,
) -> TokenStream {
    let FactArms {
        pagination,
        window,
        rate_limit,
        response,
        ..
    } = arms;
    quote! {
        /// Every parameter, in the spec's order.
        pub const fn parameters(self) -> &'static [Parameter] {
            match self { #(Self::#variants => #parameter_consts,)* }
        }

        /// How the operation pages, when it does.
        pub const fn pagination(self) -> Option<&'static Pagination> {
            match self { #(#pagination,)* }
        }

        /// The time window two of its parameters span, when they do.
        pub const fn time_window(self) -> Option<&'static TimeWindow> {
            match self { #(#window,)* }
        }

        /// The shape of the 200 response's JSON body.
        pub const fn response(self) -> Option<&'static Schema> {
            match self { #(#response,)* }
        }

        /// How often the service lets the operation be called, when
        /// the spec says (`x-rate-limit`).
        pub const fn rate_limit(self) -> Option<&'static RateLimit> {
            match self { #(#rate_limit,)* }
        }
    }
}

/// The constant that lists each operation's parameters, named by
/// `parameter_consts`.
fn parameter_items(models: &[OperationModel], parameter_consts: &[syn::Ident]) -> TokenStream {
    let parameter_values = models.iter().map(|m| {
        let list = m.parameters.iter().map(parameter);
        quote!(&[#(#list),*])
    });
    quote! {
        #(
            const #parameter_consts: &[Parameter] = #parameter_values;
        )*
    }
}

/// The variant of every operation.
fn variants(models: &[OperationModel]) -> Vec<syn::Ident> {
    models
        .iter()
        .map(|m| format_ident!("{}", m.type_name))
        .collect()
}

/// The name of a per-operation constant: `LIST_THINGS_<suffix>`.
fn consts(models: &[OperationModel], suffix: &str) -> Vec<syn::Ident> {
    models
        .iter()
        .map(|m| format_ident!("{}_{suffix}", m.operation_id.to_shouty_snake_case()))
        .collect()
}

/// The match arms of the facts that an operation may lack, and the
/// response schemas as constants.
struct FactArms {
    pagination: Vec<TokenStream>,
    window: Vec<TokenStream>,
    rate_limit: Vec<TokenStream>,
    response: Vec<TokenStream>,
    response_items: Vec<TokenStream>,
}

impl FactArms {
    fn of(models: &[OperationModel], variants: &[syn::Ident]) -> Self {
        let arm = |v: &syn::Ident, fact: Option<TokenStream>| match fact {
            Some(fact) => quote!(Self::#v => Some(&#fact)),
            None => quote!(Self::#v => None),
        };
        let response_consts = consts(models, "RESPONSE");
        let mut arms = FactArms {
            pagination: Vec::new(),
            window: Vec::new(),
            rate_limit: Vec::new(),
            response: Vec::new(),
            response_items: Vec::new(),
        };
        for ((m, v), name) in models.iter().zip(variants).zip(&response_consts) {
            arms.pagination
                .push(arm(v, m.pagination.as_ref().map(pagination)));
            arms.window.push(arm(
                v,
                m.time_window.as_ref().map(|w| {
                    let (start, end) = (&w.start, &w.end);
                    let field = option_str(w.field.as_deref());
                    quote!(TimeWindow { start: #start, end: #end, field: #field })
                }),
            ));
            arms.rate_limit
                .push(arm(v, m.rate_limit.as_ref().map(rate_limit)));
            arms.response
                .push(arm(v, m.response.as_ref().map(|_| quote!(#name))));
            if let Some(response) = &m.response {
                let schema = schema(&response.schema);
                arms.response_items.push(quote! {
                    const #name: Schema = #schema;
                });
            }
        }
        arms
    }
}

/// The tokens of the presets module (`presets.rs`): `.call()` and
/// `.stream()` for every request builder (the builder extensions' impls)
/// and the `HssClient` preset of every operation, with `visit`.
pub fn presets(
    models: &[OperationModel],
    builders: &BuilderFields,
    types: &TypeFields,
) -> Result<TokenStream, String> {
    let variants = variants(models);
    let mut impls = Vec::new();
    let mut presets = Vec::new();
    let mut visits = Vec::new();
    for (model, variant) in models.iter().zip(&variants) {
        let Some(fields) = builders.get(&model.type_name) else {
            return Err(format!(
                "progenitor generated no request builder {} for {}",
                model.type_name, model.operation_id
            ));
        };
        if let Some(response) = &model.response {
            impls.push(operation_impls(model, variant, response, fields, types)?);
            let method = format_ident!("{}", model.method_name);
            visits.push(if model.pagination.is_some() {
                quote!(Operation::#variant => visitor.paginated(self.#method()))
            } else {
                quote!(Operation::#variant => visitor.call(self.#method()))
            });
        } else {
            visits.push(quote!(Operation::#variant => visitor.unsupported(Operation::#variant)));
        }
        presets.push(preset(model));
    }
    Ok(quote! {
        use crate::client::HssClient;
        use crate::ext::{OperationExt, OperationVisitor, PaginatedExt, parse_parameter, sealed, unknown_parameter};
        use crate::generated::{builder, types};
        use crate::record::{RecordKey, key_part};
        use crate::spec::Operation;

        #(#impls)*

        impl HssClient {
            #(#presets)*

            /// Hands the preset request builder of `operation` to `visitor`:
            /// how code that picks an operation at run time (a command line,
            /// a test over every operation) reaches the typed builders.
            pub fn visit<'a, V: OperationVisitor<'a>>(
                &'a self,
                operation: Operation,
                visitor: V,
            ) -> V::Output {
                match operation { #(#visits,)* }
            }
        }
    })
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// `Some(value)` or `None`, for a boolean.
fn option_bool(value: Option<bool>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn option_i64(value: Option<i64>) -> TokenStream {
    match value {
        Some(v) => {
            let v = Literal::i64_suffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

fn option_u64(value: Option<u64>) -> TokenStream {
    match value {
        Some(v) => {
            let v = Literal::u64_suffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

fn parameter(p: &ParameterModel) -> TokenStream {
    let name = &p.name;
    let rust_name = &p.rust_name;
    let location = match p.location {
        Location::Path => quote!(ParameterLocation::Path),
        Location::Query => quote!(ParameterLocation::Query),
        Location::Header => quote!(ParameterLocation::Header),
    };
    let required = p.required;
    let description = &p.description;
    let schema = schema(&p.schema);
    let wildcard = option_str(p.wildcard.as_deref());
    quote! {
        Parameter {
            name: #name,
            rust_name: #rust_name,
            location: #location,
            required: #required,
            description: #description,
            schema: &#schema,
            wildcard: #wildcard,
        }
    }
}

fn schema(s: &SchemaModel) -> TokenStream {
    match s {
        SchemaModel::Integer {
            bits,
            minimum,
            maximum,
            default,
            example,
        } => integer_schema(*bits, *minimum, *maximum, *default, *example),
        SchemaModel::String {
            min_length,
            max_length,
            pattern,
            values,
            closed,
            format,
            default,
            example,
        } => {
            let (min_length, max_length) = (option_u64(*min_length), option_u64(*max_length));
            let (pattern, format, default, example) = (
                option_str(pattern.as_deref()),
                option_str(format.as_deref()),
                option_str(default.as_deref()),
                option_str(example.as_deref()),
            );
            quote!(Schema::String(StringSchema {
                min_length: #min_length,
                max_length: #max_length,
                pattern: #pattern,
                values: &[#(#values),*],
                closed: #closed,
                format: #format,
                default: #default,
                example: #example,
            }))
        }
        SchemaModel::Number => quote!(Schema::Number),
        SchemaModel::Boolean { default } => {
            let default = option_bool(*default);
            quote!(Schema::Boolean { default: #default })
        }
        SchemaModel::Array(items) => {
            let items = schema(items);
            quote!(Schema::Array(&#items))
        }
        SchemaModel::Object(fields) => {
            let fields = fields.iter().map(field);
            quote!(Schema::Object(&[#(#fields),*]))
        }
        SchemaModel::OneOf(variants) => {
            let variants = variants.iter().map(schema);
            quote!(Schema::OneOf(&[#(#variants),*]))
        }
        SchemaModel::Any => quote!(Schema::Any),
    }
}

/// A `Schema::Integer` of `bits` bits with its bounds, default and example.
fn integer_schema(
    bits: u8,
    minimum: Option<i64>,
    maximum: Option<i64>,
    default: Option<i64>,
    example: Option<i64>,
) -> TokenStream {
    let bits = Literal::u8_suffixed(bits);
    let (minimum, maximum, default, example) = (
        option_i64(minimum),
        option_i64(maximum),
        option_i64(default),
        option_i64(example),
    );
    quote!(Schema::Integer(IntegerSchema {
        bits: #bits,
        minimum: #minimum,
        maximum: #maximum,
        default: #default,
        example: #example,
    }))
}

fn field(f: &FieldModel) -> TokenStream {
    let name = &f.name;
    let aliases = &f.aliases;
    let required = f.required;
    let schema = schema(&f.schema);
    quote!(Field { name: #name, aliases: &[#(#aliases),*], required: #required, schema: &#schema })
}

fn pagination(p: &PaginationModel) -> TokenStream {
    let (offset, limit, total, items) = (&p.offset, &p.limit, &p.total, &p.items);
    let min_limit = Literal::i64_suffixed(p.min_limit);
    let max_limit = option_i64(p.max_limit);
    let max_offset = Literal::i64_suffixed(p.max_offset);
    let default_page_size = Literal::i64_suffixed(p.default_page_size);
    let record_key = &p.record_key;
    let record_version = option_str(p.record_version.as_deref());
    quote! {
        Pagination {
            offset: #offset,
            limit: #limit,
            total: #total,
            items: #items,
            min_limit: #min_limit,
            max_limit: #max_limit,
            max_offset: #max_offset,
            default_page_size: #default_page_size,
            record_key: &[#(#record_key),*],
            record_version: #record_version,
        }
    }
}

fn rate_limit(limit: &RateLimitModel) -> TokenStream {
    let option = |value: Option<u64>| match value {
        Some(v) => {
            let v = Literal::u64_suffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    };
    let window_seconds = Literal::u64_suffixed(limit.window_seconds);
    let (per_user, per_ip, overall) = (
        option(limit.per_user),
        option(limit.per_ip),
        option(limit.overall),
    );
    let source = &limit.source;
    quote! {
        RateLimit {
            window_seconds: #window_seconds,
            per_user: #per_user,
            per_ip: #per_ip,
            overall: #overall,
            source: #source,
        }
    }
}

/// The Rust expressions that read `names` (wire names) from a record of
/// type `item`.
fn record_fields(
    item: &str,
    names: &[String],
    types: &TypeFields,
) -> Result<Vec<TokenStream>, String> {
    let fields = types
        .get(item)
        .ok_or_else(|| format!("progenitor generated no record type {item}"))?;
    names
        .iter()
        .map(|name| {
            let ident = fields
                .get(name)
                .ok_or_else(|| format!("the record type {item} has no field for {name}"))?;
            Ok(quote!(&item.#ident))
        })
        .collect()
}

/// `OperationExt` for every builder with a JSON response, and
/// `PaginatedExt` for the ones that page.
fn operation_impls(
    model: &OperationModel,
    variant: &syn::Ident,
    response: &super::ResponseModel,
    fields: &BTreeMap<String, (syn::Type, bool)>,
    types: &TypeFields,
) -> Result<TokenStream, String> {
    let builder = format_ident!("{}", model.type_name);
    let response_type = format_ident!("{}", response.type_name);
    let setters = parameter_setters(model, fields)?;
    let paginated = match &model.pagination {
        None => quote!(),
        Some(p) => paginated_ext_impl(&builder, p, types)?,
    };
    Ok(quote! {
        impl sealed::Sealed for builder::#builder<'_> {}

        impl<'a> OperationExt<'a> for builder::#builder<'a> {
            type Response = types::#response_type;
            const OPERATION: Operation = Operation::#variant;

            fn build_request(
                self,
            ) -> Result<(&'a crate::generated::Client, reqwest::Request), crate::GeneratedError> {
                self.into_request()
            }

            fn invalid_parameter(&self) -> Option<(&'static str, &str)> {
                self.first_invalid_parameter()
            }

            fn with_parameter(self, name: &str, value: &str) -> Result<Self, crate::Error> {
                match name {
                    #(#setters,)*
                    _ => Err(unknown_parameter(Self::OPERATION, name)),
                }
            }
        }

        #paginated
    })
}

/// The match arms of `with_parameter`: one per parameter, which parses
/// the text value and hands it to the builder's setter of that name.
fn parameter_setters(
    model: &OperationModel,
    fields: &BTreeMap<String, (syn::Type, bool)>,
) -> Result<Vec<TokenStream>, String> {
    let mut setters = Vec::new();
    for p in &model.parameters {
        let Some((ty, _)) = fields.get(&p.rust_name) else {
            return Err(format!(
                "the request builder {} has no field {} for parameter {}",
                model.type_name, p.rust_name, p.name
            ));
        };
        let name = &p.name;
        let method = format_ident!("{}", p.rust_name);
        setters.push(quote! {
            #name => Ok(self.#method(parse_parameter::<#ty>(Self::OPERATION, #name, value)?))
        });
    }
    Ok(setters)
}

/// `PaginatedExt` for the request builder of an operation that pages:
/// how to ask for a page, split a response, and key and version a record.
fn paginated_ext_impl(
    builder: &syn::Ident,
    p: &PaginationModel,
    types: &TypeFields,
) -> Result<TokenStream, String> {
    let item = format_ident!("{}", p.item_type);
    let offset = format_ident!("{}", super::sanitize_snake(&p.offset));
    let limit = format_ident!("{}", super::sanitize_snake(&p.limit));
    let total = format_ident!("{}", super::sanitize_snake(&p.total));
    let items = format_ident!("{}", super::sanitize_snake(&p.items));
    let total = if p.total_required {
        quote!(Some(i64::from(response.#total)))
    } else {
        quote!(response.#total.map(i64::from))
    };
    let key_parts = if p.record_key.is_empty() {
        vec![quote!(item)]
    } else {
        record_fields(&p.item_type, &p.record_key, types)?
    };
    let version = record_version_fn(p, types)?;
    Ok(quote! {
        impl<'a> PaginatedExt<'a> for builder::#builder<'a> {
            type Item = types::#item;

            fn with_page(self, offset: i64, limit: i64) -> Self {
                self.#offset(offset).#limit(limit)
            }

            fn split_page(response: Self::Response) -> (Option<i64>, Vec<Self::Item>) {
                (#total, response.#items)
            }

            fn record_key(item: &Self::Item) -> RecordKey {
                RecordKey::of(&[#(key_part(#key_parts)),*])
            }

            #version
        }
    })
}

/// The `record_version` method of `PaginatedExt`: the record's version
/// field as text, or `None` when the records have no version.
fn record_version_fn(p: &PaginationModel, types: &TypeFields) -> Result<TokenStream, String> {
    Ok(match &p.record_version {
        Some(name) => {
            let read = record_fields(&p.item_type, std::slice::from_ref(name), types)?;
            quote! {
                fn record_version(item: &Self::Item) -> Option<String> {
                    Some(key_part(#(#read)*))
                }
            }
        }
        None => quote! {
            fn record_version(_item: &Self::Item) -> Option<String> {
                None
            }
        },
    })
}

/// The `HssClient` method that returns the operation's builder with the
/// project id and the spec's defaults set.
fn preset(model: &OperationModel) -> TokenStream {
    let method = format_ident!("{}", model.method_name);
    let builder = format_ident!("{}", model.type_name);
    let mut calls = Vec::new();
    let mut set = Vec::new();
    let mut still_required = Vec::new();
    let mut optional_defaults = Vec::new();
    for p in &model.parameters {
        let setter = format_ident!("{}", p.rust_name);
        if p.location == Location::Path && p.name == PROJECT_ID {
            calls.push(quote!(.#setter(self.project_id())));
            continue;
        }
        match (p.required, preset_default(model, p)) {
            (true, Some((value, shown))) => {
                calls.push(quote!(.#setter(#value)));
                set.push(format!("`{}` {shown}", p.name));
            }
            (true, None) => still_required.push(format!("`{}`", p.name)),
            (false, Some((_, shown))) => optional_defaults.push(format!("`{}` {shown}", p.name)),
            (false, None) => {}
        }
    }
    let doc = preset_doc(model, &set, &still_required, &optional_defaults);
    quote! {
        #(#[doc = #doc])*
        pub fn #method(&self) -> builder::#builder<'_> {
            self.generated().#method() #(#calls)*
        }
    }
}

/// The value a preset gives parameter `p`, as tokens and as shown in the
/// preset's doc: the spec's default, or for the offset of a paged
/// operation its first page.
fn preset_default(model: &OperationModel, p: &ParameterModel) -> Option<(TokenStream, String)> {
    let first_page = model
        .pagination
        .as_ref()
        .is_some_and(|pg| pg.offset == p.name);
    match &p.schema {
        SchemaModel::Integer {
            default, minimum, ..
        } => default
            .or(if first_page {
                Some(minimum.unwrap_or(0))
            } else {
                None
            })
            .map(|d| {
                let lit = Literal::i64_suffixed(d);
                (quote!(#lit), d.to_string())
            }),
        SchemaModel::String {
            default: Some(d), ..
        } => Some((quote!(#d), format!("{d:?}"))),
        SchemaModel::Boolean { default: Some(d) } => Some((quote!(#d), d.to_string())),
        _ => None,
    }
}

/// The doc lines of a preset: what the operation is, which parameters
/// the preset sets, which the caller must still set, which defaults the
/// service applies, and how to finish.
fn preset_doc(
    model: &OperationModel,
    set: &[String],
    still_required: &[String],
    optional_defaults: &[String],
) -> Vec<String> {
    let mut doc = vec![format!(
        "`{}`: {} (`{} {}`).",
        model.operation_id, model.summary, model.http_method, model.path
    )];
    doc.push(String::new());
    let mut filled = vec!["the project id".to_string()];
    filled.extend_from_slice(set);
    doc.push(format!("Sets {}.", join(&filled)));
    if !still_required.is_empty() {
        doc.push(format!("Still required: {}.", join(still_required)));
    }
    if !optional_defaults.is_empty() {
        doc.push(format!(
            "Left unset, so the service applies its default: {}.",
            join(optional_defaults)
        ));
    }
    doc.push(if model.pagination.is_some() {
        "Finish with `.call()` for one page or `.stream()` for every record.".to_string()
    } else {
        "Finish with `.call()`.".to_string()
    });
    doc
}

fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
