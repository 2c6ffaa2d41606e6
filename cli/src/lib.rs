//! `hss`: the operations of the spec on the command line, and `hss export`,
//! which writes every record of a paginated operation to a file or a pipe.
//!
//! The commands come from the spec: [`generated`] is progenitor's CLI
//! generator's output (one clap command per operation, one flag per
//! parameter), and [`app`] puts them under the names of the operations
//! (the kebab-case operationId) twice: once to call the operation and
//! print one page, once under `export`; and `watch` follows them
//! ([`watch`]). Every call goes through
//! `hss-client`, so requests are validated, signed and retried as the
//! client does it.
//!
//! Exit statuses ([`exit`]): 0 done, 1 done with rejected records, 2 a
//! usage or configuration error, 3 a service error.

#[allow(missing_docs, clippy::all, clippy::pedantic, unused_imports, unused_variables)]
#[rustfmt::skip]
pub mod generated;

pub mod app;
pub mod call;
pub mod checkpoint;
pub mod config;
pub mod exit;
pub mod export;
pub mod format;
pub mod lock;
pub mod logging;
pub mod mcp;
pub mod metrics;
pub mod names;
pub mod operations;
pub mod output;
pub mod progress;
pub mod schema;
pub mod signals;
pub mod state_file;
pub mod tasks;
pub mod visit;
pub mod watch;

/// The generated client's types, at the path the generated commands name
/// them by (`crate::types`).
pub mod types {
    pub use hss_client::types::*;
}

/// The hand-written `LineNum`, at the path the generated commands name it
/// by (`crate::line_num`).
pub mod line_num {
    pub use hss_client::line_num::*;
}
