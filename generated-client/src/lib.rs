//! Rust client for the Huawei Cloud Host Security Service (HSS) v5
//! container-security events.
//!
//! The [`types`], the request builders and the [`operations`] module are
//! generated from `spec/hss.yaml` by `cargo xtask generate`; the modules
//! beside them are written by hand and wrap the generated code:
//!
//! - [`operations`] (generated): [`Operation`], every operation with the
//!   spec's facts about it, the `.call()`/`.stream()` impls and the
//!   [`HssClient`] presets, one method per operation;
//! - [`spec`]: the types those facts are written in;
//! - [`HssClient`] (in [`client`]): endpoint, project id, credentials,
//!   timeouts and retry policy, configured once;
//! - [`pipeline`]: the phases every request goes through (validate,
//!   budget, credentials, sign, send, read, classify, retry);
//!   [`budget`]: the request budget of each operation, from the spec's
//!   rate limit;
//! - [`pager`]: how streams walk a list that moves while it is paged, with
//!   a [`Cursor`] to save and resume; [`query`]: calls and owned streams of
//!   an operation picked at run time; [`record`]: record identity;
//!   [`watch`]: a continuous feed of new and changed records;
//! - [`credentials`]; [`provider`]: where credentials come from (the
//!   environment, a profile file, the ECS metadata service, OIDC
//!   federation, and the default chain of them) and keeping temporary keys
//!   current;
//! - [`region`], [`signer`] (SDK-HMAC-SHA256, public, with
//!   the time as an input), [`retry`], [`validate`], [`error`];
//! - [`prelude`]: `.call()`, `.stream()` and `.stream_with()` on the
//!   generated builders, plus time and `event_content` conveniences.
//!
//! Decoding is lossless and tolerant: fields the service adds later are kept
//! in each type's `extra` map, enumerations are open (an unlisted value is
//! kept as `Unknown`), and keys the service is known to spell two ways
//! (`projectId` / `project_id`) decode into the same field.

#![warn(missing_docs)]

#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
mod generated;
pub mod adaptive;
pub mod budget;
pub mod client;
pub mod credentials;
pub mod error;
pub mod hooks;
pub mod line_num;
pub mod provider;
#[allow(clippy::all, clippy::pedantic)]
#[rustfmt::skip]
pub mod operations;
#[cfg(feature = "mock")]
#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
pub mod mock;
pub mod pager;
pub mod paginate;
pub mod pipeline;
pub mod query;
pub mod record;
pub mod region;
pub mod retry;
pub mod signer;
pub mod spec;
pub mod time;
pub mod validate;
pub mod watch;

pub use budget::Budget;
pub use client::{HssClient, HssClientBuilder};
pub use credentials::{Credentials, Secret};
pub use error::{ApiError, Error};
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder};
pub use line_num::LineNum;
pub use operations::Operation;
pub use pager::Cursor;
pub use paginate::{OperationExt, OperationVisitor, Page, PageOptions, PaginatedExt, Prefetch};
pub use query::{JsonRecord, Query};
pub use record::RecordKey;
pub use region::{Endpoint, Region};
pub use retry::RetryPolicy;

/// progenitor's names for the generated client, as its generated code
/// expects to find them (`hss-cli`'s generated commands `use` this
/// module). Most code wants the crate root instead.
pub mod raw {
    pub use crate::generated::{
        ByteStream, Client, ClientInfo, Error, ResponseValue, builder, types,
    };
}

/// The error type of the generated request builders' `send`.
pub type GeneratedError<E = types::ErrorResponse> = generated::Error<E>;

/// Request and response types generated from the spec, plus the
/// hand-written [`LineNum`] that the spec's `LineNum` schema maps to.
pub mod types {
    pub use crate::generated::types::*;
    pub use crate::line_num::LineNum;
}

/// What most users import: the clients, configuration types, and the
/// extension traits that add `.call()` / `.stream()` to the generated
/// builders and time / `event_content` helpers to the response types.
pub mod prelude {
    pub use crate::budget::Budget;
    pub use crate::client::{HssClient, HssClientBuilder};
    pub use crate::credentials::Credentials;
    pub use crate::error::{ApiError, Error};
    pub use crate::generated::prelude::*;
    pub use crate::operations::Operation;
    pub use crate::paginate::{
        OperationExt, OperationVisitor, Page, PageOptions, PaginatedExt, Prefetch,
    };
    pub use crate::region::{Endpoint, Region};
    pub use crate::retry::RetryPolicy;
    pub use crate::time::{ClusterEventTimes, EventLogTime, LastUpdateTime, ParseEventContent};
}

/// The README's Rust examples, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
