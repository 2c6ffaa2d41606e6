//! Rust client for the Huawei Cloud Host Security Service (HSS) v5
//! container-security events: `ListClusterEventLogs` and
//! `ListClusterEvents`.
//!
//! The [`types`] and the request builders are generated from
//! `spec/hss.yaml` by `cargo xtask generate`; the modules beside them are
//! written by hand and wrap the generated code.
//!
//! Decoding is lossless and tolerant: fields the service adds later are kept
//! in each type's `extra` map, enumerations are open (an unlisted value is
//! kept as `Unknown`), and keys the service is known to spell two ways
//! (`projectId` / `project_id`) decode into the same field.

#![warn(missing_docs)]

#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
mod generated;
pub mod hooks;
pub mod line_num;

pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, prelude};
pub use line_num::LineNum;

/// The error type of the generated request builders' `send`.
pub type GeneratedError<E = types::ErrorResponse> = generated::Error<E>;

/// Request and response types generated from the spec, plus the
/// hand-written [`LineNum`] that the spec's `LineNum` schema maps to.
pub mod types {
    pub use crate::generated::types::*;
    pub use crate::line_num::LineNum;
}
