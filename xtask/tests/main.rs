//! The integration tests of `xtask`, built as one binary: the dependency
//! tree is linked once rather than once a file.

mod generate_cli;
mod spec_cli;
