#![doc = include_str!("../README.md")]

mod export;
mod record;

pub use crate::export::{Error, ExportReport, export};
pub use crate::record::{ECOSYSTEM, to_osv, to_osv_compact, to_osv_pretty};
