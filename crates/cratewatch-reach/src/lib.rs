#![doc = include_str!("../README.md")]

mod cargo;
mod closure;
mod graph;
mod hash;
mod resolution;
mod universe;

pub use crate::resolution::{
    DepKind, Outcome, Pkg, Progress, Resolution, ResolutionStats, ResolveOptions, Resolved, ResolvedGraph, Unresolved,
};
