#![doc = include_str!("../README.md")]

mod cargo;
mod closure;
mod exposure;
mod graph;
mod hash;
mod resolution;
mod universe;

pub use crate::exposure::{AdvisoryReach, Exposure, ExposureStats, Finding, FixClass};
pub use crate::resolution::{
    DepKind, Outcome, Pkg, Progress, Resolution, ResolutionStats, ResolveOptions, Resolved, ResolvedGraph, Unresolved,
};
