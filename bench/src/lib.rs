//! Benchmark helpers of `cargo xtask bench`: the floor the decode and
//! paging benchmarks compare the generated types with.

pub mod floor;
