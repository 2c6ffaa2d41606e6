//! The integration tests of `hss-tests`, built as one binary: the dependency
//! tree is linked once rather than once a file. `examples.rs` is a binary
//! of its own, for `cargo xtask spec-change` to build alone.

mod credentials;
mod fixtures;
mod generated_is_fresh;
mod mock_client;
mod mock_generated_is_fresh;
mod mock_helpers;
mod python_sdk;
mod service;
mod siem;
mod spec_bounds;
mod test_files;
mod watch;
mod watch_rejects;
