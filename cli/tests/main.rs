//! The integration tests of `hss-cli`, built as one binary: the dependency
//! tree is linked once rather than once a file.

mod common;
mod credentials;
mod daemon;
mod export;
mod mcp;
mod mcp_listen;
mod mcp_progress;
mod output_identity;
mod service;
mod siem;
mod try_it;
mod watch;
mod watch_reports;
mod watch_startup;
