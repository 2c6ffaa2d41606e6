//! Rust client for the Huawei Cloud Host Security Service (HSS) v5
//! container-security events.
//!
//! The [`types`], the request builders, the operations table
//! ([`spec::operations`]) and the builders' presets are generated from
//! `spec/hss.yaml` by `cargo xtask generate`; the modules beside them are
//! written by hand and wrap the generated code. They form layers, each
//! importing only those below it (`ARCHITECTURE.md` draws them):
//!
//! 1. **facts**: [`spec`], the spec's facts as data ([`Operation`] and its
//!    table) and what they imply for a request;
//! 2. **values**: [`Error`], [`Region`] and [`Endpoint`], [`RecordKey`],
//!    [`LineNum`], times, and the names of the environment variables
//!    ([`mod@env`]);
//! 3. **mechanisms**: who a request is from (credentials, [`provider`]s,
//!    the key cache, the project lookup, the [`signer`]); how a request is
//!    made (the client's state, the request [`Budget`] and its adaptive
//!    pace, the retry decision, the phases of the pipeline); and paging (a
//!    pager that survives a list that moves, with its [`Cursor`]);
//! 4. **the client**: [`HssClient`] and its builder, the one loader of the
//!    environment ([`env::Environment`]) and the generated client;
//! 5. **features**: `.call()` and `.stream()` on the request builders
//!    ([`OperationExt`], [`PaginatedExt`]), operations picked at run time
//!    ([`Query`]), and a continuous feed of new and changed records
//!    ([`watch`]).
//!
//! What users import is listed below: the client, its configuration, the
//! errors, the types and [`prelude`], credentials and providers, regions,
//! the signer, [`Query`], [`Cursor`], [`watch`] and, with the `mock`
//! feature, the httpmock helpers (`mock`). Everything else is private.
//!
//! Decoding is lossless and tolerant: fields the service adds later are kept
//! in each type's `extra` map, enumerations are open (an unlisted value is
//! kept as `Unknown`), and keys the service is known to spell two ways
//! (`projectId` / `project_id`) decode into the same field.

#![warn(missing_docs)]

// facts
pub mod spec;

// values
mod error;
mod http;
pub mod line_num;
mod record;
mod region;
mod time;
mod validate;
mod vars;

// mechanisms
mod auth;
mod paging;
mod runtime;

// the client
mod client;
#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
mod generated;

// features
mod convenience;
mod ext;
#[allow(clippy::all, clippy::pedantic, unused_imports)]
#[rustfmt::skip]
mod presets;
mod query;
pub mod siem;
pub mod watch;

#[cfg(feature = "mock")]
#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
pub mod mock;

pub use auth::credentials::{Credentials, Secret};
pub use client::{HssClient, HssClientBuilder};
pub use convenience::{
    ClusterEventTimes, EventContent, EventLogTime, LastUpdateTime, ParseEventContent,
};
pub use error::{ApiError, BODY_EXCERPT_LIMIT, Error};
pub use ext::{OperationExt, OperationVisitor, PaginatedExt};
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder};
pub use line_num::LineNum;
pub use paging::options::{MAX_IN_FLIGHT, PageOptions, Prefetch};
pub use paging::pager::{Cursor, Page};
pub use query::{JsonRecord, Query};
pub use record::RecordKey;
pub use region::{Endpoint, Region, UnknownRegion};
pub use runtime::budget::{Budget, Observation, Observer, Quota, RequestEvent};
pub use runtime::retry::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, RetryPolicy};
pub use spec::Operation;
pub use spec::siem::SiemSchema;
pub use time::{Clock, from_epoch_millis};

/// Where credentials come from, and the project lookup: the sources of
/// the official SDKs' default chain ([`provider::EnvironmentProvider`],
/// [`provider::ProfileProvider`], [`provider::MetadataProvider`],
/// [`provider::FederationProvider`]), [`provider::DefaultChain`], and the
/// paths of the services they ask.
pub mod provider {
    pub use crate::auth::cache::REFRESH_BEFORE;
    pub use crate::auth::provider::{
        DEFAULT_IAM_ENDPOINT, DefaultChain, EnvironmentProvider, FederationProvider,
        MetadataProvider, ProfileProvider, ProvideCredentials, Provided, Source, federation,
        metadata,
    };

    /// The project lookup at IAM: the path of its project list.
    pub mod project {
        pub use crate::auth::project::PROJECTS_PATH;
    }
}

/// The SDK-HMAC-SHA256 signer, byte for byte the official SDK's, with the
/// time as an input.
pub mod signer {
    pub use crate::auth::signer::{
        ALGORITHM, CONTENT_SHA256_HEADER, DATE_HEADER, InvalidSdkDate, SdkDate, SignableRequest,
        Signature, Signer, canonical_query, canonical_uri, decode_query, encode,
    };
    #[cfg(feature = "test-helpers")]
    pub use crate::auth::signer::{SignedGet, sign_get};
}

/// The environment: the name of every variable the crate reads, and the
/// one loader of them ([`env::Environment`]).
pub mod env {
    pub use crate::client::environment::Environment;
    pub use crate::vars::*;
}

/// progenitor's names for the generated client, as its generated code
/// expects to find them (`hss-cli`'s generated commands `use` this
/// module), and the state it carries. Most code wants the crate root
/// instead.
pub mod raw {
    pub use crate::generated::{
        ByteStream, Client, ClientInfo, Error, ResponseValue, builder, types,
    };
    pub use crate::runtime::state::ClientState;
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
    pub use crate::auth::credentials::Credentials;
    pub use crate::client::{HssClient, HssClientBuilder};
    pub use crate::convenience::{
        ClusterEventTimes, EventLogTime, LastUpdateTime, ParseEventContent,
    };
    pub use crate::error::{ApiError, Error};
    pub use crate::ext::{OperationExt, OperationVisitor, PaginatedExt};
    pub use crate::generated::prelude::*;
    pub use crate::paging::options::{PageOptions, Prefetch};
    pub use crate::paging::pager::Page;
    pub use crate::region::{Endpoint, Region};
    pub use crate::runtime::budget::Budget;
    pub use crate::runtime::retry::RetryPolicy;
    pub use crate::spec::Operation;
}
