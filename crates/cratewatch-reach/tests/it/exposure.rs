//! Exposure and fix classes: their definitions on a small registry, and on the real one against the
//! `rustsec` crate's matching of Cargo's own lockfiles.

use std::collections::BTreeSet;
use std::sync::Arc;

use cratewatch_advisory::{Advisory, Collection, parse_advisory};
use cratewatch_reach::{Exposure, FixClass, Pkg, Resolution};
use semver::Version;

use crate::real;
use crate::registry::{Dep, Registry};

/// A minimal advisory about `package` with `patched` requirements (none: nothing is patched).
pub(crate) fn advisory(id: &str, package: &str, patched: &[&str], extra: &str) -> Advisory {
    let patched = patched.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ");
    let text = format!(
        "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2020-01-01\"\n{extra}\n\n\
         [versions]\npatched = [{patched}]\n```\n\n# A problem in {package}\n\nDescription.\n"
    );
    parse_advisory(&text, Collection::Crates).advisory.unwrap_or_else(|| panic!("fixture advisory {id} parses"))
}

/// A finding as the fix-class test reads it: advisory, class, depth, path, blocker with its requirement,
/// and the release that lets the fix through.
type Seen = (String, FixClass, u32, Vec<String>, Option<String>, Option<String>);

fn pkg(r: &Resolution, name: &str, version: &str) -> Pkg {
    r.pkg(name, &Version::parse(version).unwrap()).unwrap_or_else(|| panic!("{name} {version}"))
}

fn describe(r: &Resolution, p: Pkg) -> String {
    format!("{} {}", r.name(p), r.version(p))
}

/// The small registry of the fix-class definitions.
fn fixture() -> (Arc<Resolution>, Vec<Advisory>) {
    let mut reg = Registry::new("reach-exposure");
    for v in ["1.0.0", "1.0.1", "1.1.0"] {
        reg.add(Registry::version("vuln", v));
    }
    reg.add(Registry::version("pins", "1.0.0").deps(vec![Dep::new("vuln", "=1.0.1")]));
    reg.add(Registry::version("pins", "1.0.5").deps(vec![Dep::new("vuln", "~1.0.0")]));
    reg.add(Registry::version("pins", "1.1.0").deps(vec![Dep::new("vuln", "^1.1")]));
    reg.add(Registry::version("loose", "1.0.0").deps(vec![Dep::new("vuln", "^1.0")]));
    reg.add(Registry::version("top", "1.0.0").deps(vec![Dep::new("pins", "=1.0.0")]));
    reg.add(Registry::version("abandoned", "0.3.0"));
    reg.add(Registry::version("uses-abandoned", "2.0.0").deps(vec![Dep::new("abandoned", "^0.3")]));
    reg.add(Registry::version("clean", "1.0.0").deps(vec![Dep::new("abandoned", "^0.3").kind("dev")]));
    let built = reg.build();
    let advisories = vec![
        advisory("RUSTSEC-2099-0001", "vuln", &[">= 1.1.0"], ""),
        advisory("RUSTSEC-2099-0002", "abandoned", &[], "informational = \"unmaintained\""),
        advisory("RUSTSEC-2099-0003", "loose", &[], "withdrawn = \"2020-02-01\""),
    ];
    (Arc::new(built.resolution), advisories)
}

#[test]
fn fix_classes_follow_their_definitions() {
    let (r, advisories) = fixture();
    let exposure = Exposure::compute(r.clone(), &advisories);
    let find = |name: &str, version: &str| -> Vec<Seen> {
        exposure
            .for_version(pkg(&r, name, version))
            .iter()
            .map(|f| {
                (
                    f.advisory().id.clone(),
                    f.class(),
                    f.depth(),
                    f.path().into_iter().map(|p| describe(&r, p)).collect(),
                    f.blocker().map(|b| format!("{} needs `{}`", describe(&r, b), f.blocking_requirement().unwrap())),
                    f.fixed_in().map(|p| describe(&r, p)),
                )
            })
            .collect()
    };
    let vuln = "RUSTSEC-2099-0001".to_owned();
    // The advised crate's own affected versions.
    assert_eq!(
        find("vuln", "1.0.1"),
        vec![(vuln.clone(), FixClass::Affected, 0, vec!["vuln 1.0.1".into()], None, None)]
    );
    assert!(find("vuln", "1.1.0").is_empty());
    // Its own requirement admits no fixed release: its manifest must change, and pins 1.1.0 did.
    assert_eq!(
        find("pins", "1.0.0"),
        vec![(
            vuln.clone(),
            FixClass::ManifestChange,
            1,
            vec!["pins 1.0.0".into(), "vuln 1.0.1".into()],
            Some("pins 1.0.0 needs `=1.0.1`".into()),
            Some("pins 1.1.0".into())
        )]
    );
    // An upstream crate's requirement blocks it, two levels down.
    assert_eq!(
        find("top", "1.0.0"),
        vec![(
            vuln.clone(),
            FixClass::ManifestChange,
            2,
            vec!["top 1.0.0".into(), "pins 1.0.0".into(), "vuln 1.0.1".into()],
            Some("pins 1.0.0 needs `=1.0.1`".into()),
            Some("pins 1.1.0".into())
        )]
    );
    // Fresh resolution picks the fixed 1.1.0, but `^1.0` also allows 1.0.x: an older lockfile is exposed,
    // and `cargo update` fixes it.
    assert_eq!(
        find("loose", "1.0.0"),
        vec![(vuln.clone(), FixClass::CargoUpdate, 1, vec!["loose 1.0.0".into(), "vuln 1.1.0".into()], None, None)]
    );
    // `~1.0.0` allows only affected versions: a manifest change, though no release of `pins` lets it through
    // after 1.0.5 except 1.1.0.
    assert_eq!(find("pins", "1.0.5")[0].1, FixClass::ManifestChange);
    // No release of the advised crate is unaffected: nothing to change yet.
    assert_eq!(
        find("uses-abandoned", "2.0.0"),
        vec![(
            "RUSTSEC-2099-0002".into(),
            FixClass::NoFixedRelease,
            1,
            vec!["uses-abandoned 2.0.0".into(), "abandoned 0.3.0".into()],
            None,
            None
        )]
    );
    // Dev-dependencies do not expose, and withdrawn advisories are ignored.
    assert!(find("clean", "1.0.0").is_empty());
    assert!(exposure.advisory("RUSTSEC-2099-0003").is_none());

    let reach = exposure.advisory("RUSTSEC-2099-0001").unwrap();
    assert_eq!(
        (reach.affected_versions, reach.exposed_versions, reach.direct, reach.transitive),
        (2, 3, 2, 1),
        "{reach:?}"
    );
    assert_eq!((reach.own_manifest, reach.upstream_manifest, reach.no_fixed_release, reach.cargo_update), (2, 1, 0, 1));
    // pins (its newest, 1.1.0, is clean) and top (1.0.0, its newest, exposed).
    assert_eq!((reach.exposed_crates, reach.newest_releases_exposed), (2, 1));
    assert_eq!(exposure.ranking()[0].id, "RUSTSEC-2099-0001");
    let listed: Vec<(String, FixClass)> = exposure
        .findings("RUSTSEC-2099-0001", 0, 100)
        .unwrap()
        .iter()
        .map(|f| (describe(&r, f.root()), f.class()))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("pins 1.0.0".into(), FixClass::ManifestChange),
            ("pins 1.0.5".into(), FixClass::ManifestChange),
            ("top 1.0.0".into(), FixClass::ManifestChange),
            ("loose 1.0.0".into(), FixClass::CargoUpdate),
            ("vuln 1.0.0".into(), FixClass::Affected),
            ("vuln 1.0.1".into(), FixClass::Affected),
        ]
    );
    assert_eq!(exposure.findings("RUSTSEC-2099-0001", 4, 1).unwrap().len(), 1);
    assert!(exposure.findings("RUSTSEC-0000-0000", 0, 1).is_none());
    let (newest, findings) = exposure.newest_release("top").unwrap();
    assert_eq!((describe(&r, newest), findings.len()), ("top 1.0.0".to_owned(), 1));
}

fn real_exposure() -> &'static Exposure {
    static EXPOSURE: std::sync::OnceLock<Exposure> = std::sync::OnceLock::new();
    EXPOSURE.get_or_init(|| {
        let db =
            cratewatch_db::Database::load(&cratewatch_testdata::advisory_db()).expect("the advisory database loads");
        Exposure::compute(real().resolution.clone(), db.advisories())
    })
}

#[test]
fn rayon_core_1_4_0_is_reached_by_the_crossbeam_deque_advisory() {
    let r = &real().resolution;
    let exposure = real_exposure();
    let root = pkg(r, "rayon-core", "1.4.0");
    let findings = exposure.for_version(root);
    let f = findings
        .iter()
        .find(|f| f.advisory().id == "RUSTSEC-2021-0093")
        .expect("crossbeam-deque's data race reaches it");
    assert_eq!(r.name(f.package()), "crossbeam-deque");
    assert_eq!(f.depth(), 1);
    assert_eq!(f.path(), vec![root, f.package()]);
    // crossbeam-deque's fixed releases (0.7.4, 0.8.1) came out in 2021, after this index.
    assert_eq!(f.class(), FixClass::NoFixedRelease);
    let reach = exposure.advisory("RUSTSEC-2021-0093").unwrap();
    assert!(reach.exposed_versions > 1000 && reach.transitive > reach.direct, "{reach:?}");
}

/// On every sampled version whose resolution equals Cargo's, the advisories we find through the
/// resolved graph are those `rustsec` finds in Cargo's own lockfile.
pub(crate) fn check_against_rustsec(compared: &[crate::faithfulness::Compared]) {
    let db = rustsec::Database::open(&cratewatch_testdata::advisory_db()).expect("rustsec opens the database");
    let query = rustsec::database::Query::new().collection(rustsec::Collection::Crates).withdrawn(false);
    let r = &real().resolution;
    let exposure = real_exposure();
    let mut checked = 0;
    let mut with_findings = 0;
    for c in compared {
        let (Some(lockfile), Ok(ours), Ok(cargo)) = (&c.lockfile, &c.ours, &c.cargo) else { continue };
        if ours != cargo {
            continue;
        }
        let expected: BTreeSet<(String, String)> = db
            .query_vulnerabilities(lockfile, &query)
            .into_iter()
            .map(|v| (v.advisory.id.to_string(), format!("{} {}", v.package.name, v.package.version)))
            .collect();
        let found = exposure.for_version(c.pkg);
        let ids: BTreeSet<String> =
            found.iter().filter(|f| f.class().is_fresh()).map(|f| f.advisory().id.clone()).collect();
        let expected_ids: BTreeSet<String> = expected.iter().map(|e| e.0.clone()).collect();
        assert_eq!(ids, expected_ids, "advisories reaching {} {}", r.name(c.pkg), r.version(c.pkg));
        for f in found.iter().filter(|f| f.class().is_fresh()) {
            let entry = (f.advisory().id.clone(), describe(r, f.package()));
            assert!(expected.contains(&entry), "{entry:?} is not among rustsec's findings {expected:?}");
        }
        checked += 1;
        with_findings += usize::from(!ids.is_empty());
    }
    eprintln!("exposure equals rustsec's findings on {checked} lockfiles ({with_findings} with findings)");
    assert!(checked * 10 >= compared.len() * 9, "too few comparable lockfiles: {checked} of {}", compared.len());
}

#[test]
fn painter_style_counting_over_counts() {
    let exposure = real_exposure();
    let painter = exposure.painter_style_exposed();
    let resolved = exposure.stats().exposed_versions;
    eprintln!(
        "of {} versions, Painter-style counting marks {painter} exposed, resolution {resolved} ({:.1}x)",
        real().resolution.version_count(),
        painter as f64 / resolved as f64
    );
    assert!(painter > resolved && resolved > 0);
}
