//! The integration tests of `hss-client`, built as one binary: the dependency
//! tree is linked once rather than once a file. `secrets.rs`, which reads
//! what tracing logged, has a process of its own.

mod common;
mod pagination;
mod retry;
mod signing;
mod validation;
