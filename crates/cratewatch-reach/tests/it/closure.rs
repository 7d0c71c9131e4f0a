//! A snapshot of one crate's dependency closure ([`IndexSnapshot::closure`]) resolves every version in
//! it exactly as the whole registry does: what `audit --index` relies on to classify fixes without
//! resolving the whole index.

use cratewatch_index::{IndexDir, IndexSnapshot};
use cratewatch_reach::{Outcome, Resolution};
use cratewatch_testdata::crates_index_2020;

use crate::{Rng, real, seed};

/// A version's outcome, as text: its locked packages, or the kind of reason it has none.
fn outcome(r: &Resolution, pkg: cratewatch_reach::Pkg) -> String {
    match r.outcome(pkg) {
        Outcome::Resolved(graph) => {
            let mut locked: Vec<String> =
                graph.packages().map(|p| format!("{} {}", r.name(p.pkg), r.version(p.pkg))).collect();
            locked.sort();
            locked.join(", ")
        }
        // Which dependency a failed search blames, and so whether it calls the failure a missing
        // candidate or a conflict at the root, depends on the conflicts its thread recorded while
        // resolving other roots before (true whatever the root, as in Cargo): it can differ between two
        // resolutions even of the same registry. The other kinds are the root's own.
        Outcome::Unresolved(why) => match why.code() {
            "no-candidate" | "root-conflict" => "unresolved: no consistent set".to_owned(),
            code => format!("unresolved: {code}"),
        },
        _ => unreachable!("a new outcome"),
    }
}

#[test]
fn a_dependency_closure_resolves_as_the_whole_registry() {
    let full = &real().resolution;
    let index = IndexDir::open(&crates_index_2020()).unwrap();
    let mut rng = Rng::new(seed("a_dependency_closure_resolves_as_the_whole_registry"));
    // Three crates drawn at random, and two whose closures are known to hold renamed, optional and
    // platform-specific dependencies.
    let mut roots: Vec<String> = (0..3)
        .map(|_| {
            let pkg = full.versions_of_index(rng.below(full.version_count() as u64) as u32);
            full.name(pkg).to_owned()
        })
        .collect();
    roots.extend(["tokio".to_owned(), "Inflector".to_owned()]);
    let names: Vec<&str> = roots.iter().map(String::as_str).collect();
    let closure = IndexSnapshot::closure(&index, &names, &crates_index_2020()).unwrap();
    let whole = IndexSnapshot::load(&crates_index_2020()).unwrap();
    assert!(closure.crate_count() > 800, "tokio's closure alone is 882 crates: {}", closure.crate_count());
    assert!(closure.crate_count() < whole.crate_count() / 10, "{} of {}", closure.crate_count(), whole.crate_count());
    for name in &names {
        assert!(closure.get(name).is_some() || whole.get(name).is_none(), "{name} is in its own closure");
    }

    let part = Resolution::build(&closure, &|_| {});
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for krate in closure.crates() {
        let ours = part.versions_of(&krate.name).expect("every crate of the snapshot is resolved");
        for pkg in ours {
            let there = full.pkg(&krate.name, part.version(pkg)).expect("the same version in the whole registry");
            let (a, b) = (outcome(&part, pkg), outcome(full, there));
            if a != b {
                mismatches.push(format!("{} {}:\n  closure: {a}\n  whole:   {b}", krate.name, part.version(pkg)));
            }
            compared += 1;
        }
    }
    assert!(compared > 15_000, "{compared} versions compared");
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches[..5.min(mismatches.len())].join("\n")
    );
}
