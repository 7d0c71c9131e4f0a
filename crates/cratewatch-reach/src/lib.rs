#![doc = include_str!("../README.md")]

mod cargo;
mod closure;
#[cfg(feature = "parquet")]
mod export;
mod exposure;
mod graph;
mod hash;
mod resolution;
mod universe;

#[cfg(feature = "parquet")]
pub use crate::export::{ExportError, ParquetExport, export_parquet};
pub use crate::exposure::{AdvisoryReach, Exposure, ExposureStats, Finding, FixClass};
pub use crate::resolution::{
    DepKind, Outcome, Pkg, Progress, Resolution, ResolutionStats, ResolveOptions, Resolved, ResolvedGraph, Unresolved,
};
