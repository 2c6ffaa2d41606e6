//! The integration tests of `hss-client`, built as one binary: the dependency
//! tree is linked once rather than once a file.

mod common;
mod pagination;
mod retry;
mod secrets;
mod signing;
mod validation;
