//! The integration tests of `hss-codegen`, built as one binary: the dependency
//! tree is linked once rather than once a file.

mod diff;
mod docs_check;
mod docs_sync;
mod generation;
mod validate;
