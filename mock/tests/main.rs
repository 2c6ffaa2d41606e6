//! The integration tests of `hss-mock`, built as one binary: the dependency
//! tree is linked once rather than once a file.

mod auth;
mod bad_records;
mod binary;
mod faults;
mod paging;
mod service;
mod validation;
