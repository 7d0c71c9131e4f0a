//! An independent reading of the same files: the `tame-index` crate's parser. Every version that both
//! load must agree field by field, so a slip in our parser (a dropped field, a wrong default, a feature
//! merge) shows up on the real index.

use std::collections::{BTreeMap, HashSet};
use std::fs;

use cratewatch_index::IndexDir;
use cratewatch_testdata::crates_index_2020;
use semver::Version;
use tame_index::IndexKrate;

use crate::snapshot::snapshot;

#[test]
fn every_version_agrees_with_tame_index() {
    let root = crates_index_2020();
    let mut compared = 0;
    let mut refused_by_tame = 0;
    for ours in snapshot().crates() {
        let bytes = fs::read(root.join(IndexDir::path_of(&ours.name))).unwrap();
        // tame-index refuses a whole file at its first line it cannot read; those crates are covered by
        // the line-by-line tests instead.
        let Ok(theirs) = IndexKrate::from_slice(&bytes) else {
            refused_by_tame += 1;
            continue;
        };
        // Ours skips duplicate versions and versions semver rejects; line up the rest in file order.
        let mut seen = HashSet::new();
        let theirs: Vec<_> = theirs
            .versions
            .iter()
            .filter(|v| Version::parse(&v.version).is_ok_and(|parsed| seen.insert(parsed)))
            .collect();
        assert_eq!(ours.versions.len(), theirs.len(), "{}", ours.name);
        for (our, their) in ours.versions.iter().zip(theirs) {
            let at = format!("{} {}", ours.name, their.version);
            assert_eq!(our.version.to_string(), their.version.as_str(), "{at}");
            assert_eq!(our.yanked, their.is_yanked(), "{at}");
            assert_eq!(our.checksum.map(|c| *c.as_bytes()), Some(their.checksum.0), "{at}");
            assert_eq!(our.links.as_deref(), their.links.as_deref().map(|l| l.as_str()), "{at}");
            assert_eq!(our.rust_version.as_deref(), their.rust_version(), "{at}");

            let mut their_features: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (feature, enables) in their.features() {
                their_features.entry(feature).or_default().extend(enables.iter().map(String::as_str));
            }
            let our_features: BTreeMap<&str, Vec<&str>> =
                our.features.iter().map(|(k, v)| (&**k, v.iter().map(|s| &**s).collect())).collect();
            assert_eq!(our_features, their_features, "{at}");

            assert_eq!(our.deps.len(), their.deps.len(), "{at}");
            for (dep, their_dep) in our.deps.iter().zip(their.deps.iter()) {
                let their_features: Vec<&str> =
                    their_dep.features().iter().map(String::as_str).filter(|f| !f.is_empty()).collect();
                let ours = (
                    &*dep.name,
                    dep.package.as_deref(),
                    dep.req.as_str(),
                    format!("{:?}", dep.kind),
                    dep.target.as_deref(),
                    dep.optional,
                    dep.default_features,
                    dep.features.iter().map(|f| &**f).collect::<Vec<_>>(),
                );
                let theirs = (
                    their_dep.name.as_str(),
                    their_dep.package.as_deref().map(|p| p.as_str()),
                    their_dep.req.as_str(),
                    format!("{:?}", their_dep.kind),
                    their_dep.target.as_deref().map(|t| t.as_str()),
                    their_dep.optional,
                    their_dep.default_features,
                    their_features,
                );
                assert_eq!(ours, theirs, "{at}");
            }
            compared += 1;
        }
    }
    assert_eq!(refused_by_tame, 100);
    assert!(compared > 256_000, "{compared}");
}
