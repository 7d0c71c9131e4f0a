//! The server reads versions through `cratewatch_index::CrateSource` (an in-memory snapshot, a sparse
//! HTTP index, or an index directory); this adds the "no index" source.

use std::sync::Arc;

use cratewatch_index::{CrateSource, CrateVersions, Error};

/// No registry index: pages show advisories only.
pub struct NoIndex;

impl CrateSource for NoIndex {
    fn crate_versions(&self, _name: &str) -> Result<Option<Arc<CrateVersions>>, Error> {
        Ok(None)
    }

    fn describe(&self) -> String {
        "no registry index".to_owned()
    }

    fn may_block(&self) -> bool {
        false
    }
}
