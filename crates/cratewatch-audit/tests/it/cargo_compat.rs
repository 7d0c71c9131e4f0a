//! Lockfiles as Cargo writes them and as cargo-audit reads them: references resolved by Cargo's rules,
//! every value cargo-audit refuses refused with its line, nothing dropped silently.

use cratewatch_audit::{Lockfile, LockfileError, UnresolvedDependency};

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
const CHECKSUM: &str = "ab606a9c5e214920bb66c458cd7be8ef094f813f20fe77a54cc7dbfff220d4b7";

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Both parsers, which must agree.
fn parse(text: &str) -> Result<Lockfile, LockfileError> {
    let fast = Lockfile::parse(text);
    let full = Lockfile::parse_with_toml(text);
    match (&fast, &full) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the two parsers differ on\n{text}"),
        (Err(a), Err(b)) => assert_eq!(a.line, b.line, "{a} / {b} on\n{text}"),
        _ => panic!("fast {fast:?} and full {full:?} disagree on\n{text}"),
    }
    fast
}

fn refused(text: &str) -> LockfileError {
    parse(text).expect_err("refused")
}

fn labels(lockfile: &Lockfile, deps: &[usize]) -> Vec<String> {
    deps.iter()
        .map(|&d| {
            let p = &lockfile.packages[d];
            format!("{} {}{}", p.name, p.version, if p.source.is_some() { " (registry)" } else { "" })
        })
        .collect()
}

#[test]
fn a_path_and_a_registry_package_of_one_name_and_version_resolve_as_cargo_writes_them() {
    for name in ["path-and-registry-same-version.v3.Cargo.lock", "path-and-registry-same-version.v4.Cargo.lock"] {
        let text = fixture(name);
        assert!(Lockfile::is_canonical(&text), "{name} takes the fast path");
        let lockfile = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(lockfile.packages.len(), 8, "{name}");
        assert!(lockfile.unresolved.is_empty(), "{name}: {:?}", lockfile.unresolved);
        let app = &lockfile.packages[0];
        // `"smallvec 0.6.10"` is the path package (Cargo writes no source for one); the registry copy
        // is written with its source.
        assert_eq!(
            labels(&lockfile, &app.dependencies),
            ["itoa 0.4.6", "serde_json 1.0.56 (registry)", "smallvec 0.6.10", "smallvec 0.6.10 (registry)"],
            "{name}"
        );
        let serde_json = &lockfile.packages[5];
        assert_eq!(labels(&lockfile, &serde_json.dependencies)[0], "itoa 0.4.6 (registry)", "{name}");
        let audited: Vec<(usize, &str)> = lockfile
            .packages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_from_crates_io())
            .map(|(i, p)| (i, p.name.as_str()))
            .collect();
        assert_eq!(audited, [(2, "itoa"), (3, "ryu"), (4, "serde"), (5, "serde_json"), (7, "smallvec")], "{name}");
    }
}

#[test]
fn a_reference_to_a_package_absent_from_a_v4_file_is_left_out_and_recorded() {
    let lockfile = parse(&fixture("dependency-not-in-file.v4.Cargo.lock")).unwrap();
    assert_eq!(lockfile.packages.len(), 6);
    assert_eq!(
        lockfile.unresolved,
        [UnresolvedDependency { line: 9, from: "app 0.1.0".into(), reference: "itoa 0.3.4".into(), ambiguous: false }]
    );
    assert_eq!(
        labels(&lockfile, &lockfile.packages[0].dependencies),
        ["serde_json 1.0.56 (registry)", "smallvec 0.6.10 (registry)"]
    );
    assert!(lockfile.packages.iter().skip(1).all(|p| p.is_from_crates_io()));
}

fn v3(entries: &str) -> String {
    format!("version = 3\n\n{entries}")
}

fn entry(name: &str, version: &str, source: Option<&str>, deps: &[&str]) -> String {
    let mut text = format!("[[package]]\nname = \"{name}\"\nversion = \"{version}\"\n");
    if let Some(source) = source {
        text += &format!("source = \"{source}\"\nchecksum = \"{CHECKSUM}\"\n");
    }
    if !deps.is_empty() {
        text += "dependencies = [\n";
        for d in deps {
            text += &format!(" \"{d}\",\n");
        }
        text += "]\n";
    }
    text + "\n"
}

#[test]
fn references_cargo_would_not_resolve_are_kept_out_of_the_graph_as_cargo_keeps_them() {
    // A name-only reference to a name with two versions, and a reference with a source no package has.
    let text = v3(&[
        entry("app", "0.1.0", None, &["log", "ryu 1.0.5 (registry+https://example.com/index)", "ryu"]),
        entry("log", "0.4.8", Some(CRATES_IO), &[]),
        entry("log", "0.3.9", Some(CRATES_IO), &[]),
        entry("ryu", "1.0.5", Some(CRATES_IO), &[]),
    ]
    .concat());
    let lockfile = parse(&text).unwrap();
    let unresolved: Vec<(&str, bool, u32)> =
        lockfile.unresolved.iter().map(|u| (u.reference.as_str(), u.ambiguous, u.line)).collect();
    assert_eq!(unresolved, [("log", true, 7), ("ryu 1.0.5 (registry+https://example.com/index)", false, 8)]);
    assert_eq!(labels(&lockfile, &lockfile.packages[0].dependencies), ["ryu 1.0.5 (registry)"]);
    assert_eq!(lockfile.packages.iter().filter(|p| p.is_from_crates_io()).count(), 3);
}

#[test]
fn a_name_only_reference_to_no_package_at_all_is_refused_as_cargo_audit_refuses_it() {
    let text = v3(&entry("app", "0.1.0", None, &["nothing-by-this-name"]));
    let e = refused(&text);
    assert_eq!(e.line, Some(7), "{e}");
    assert!(e.message.contains("`app 0.1.0` depends on `nothing-by-this-name`, which is not in the lockfile"), "{e}");
}

#[test]
fn a_source_cargo_audit_cannot_read_is_an_error_at_its_line_never_a_skipped_package() {
    for (source, expected) in [
        ("registry+not a url", "invalid URL"),
        ("registry+", "invalid URL"),
        ("local-registry+file:///srv/index", "unknown kind `local-registry`"),
        ("registry:https://github.com/rust-lang/crates.io-index", "expected KIND+URL"),
        ("", "expected KIND+URL"),
    ] {
        let text =
            v3(&[entry("app", "0.1.0", None, &["serde"]), entry("serde", "1.0.114", Some(source), &[])].concat());
        let e = refused(&text);
        assert_eq!(e.line, Some(13), "{source}: {e}");
        assert!(e.message.contains("package `serde`") && e.message.contains(expected), "{source}: {e}");
    }
    // The same URL written differently is crates.io for both tools; another registry is not, for both.
    for (source, crates_io) in [
        ("registry+HTTPS://GitHub.com/rust-lang/crates.io-index", true),
        ("registry+https://github.com/rust-lang/crates.io-index/", false),
        ("registry+https://github.com/rust-lang/crates.io-index#deadbeef", false),
        ("git+https://github.com/serde-rs/serde?tag=v1.0.114#deadbeef", false),
    ] {
        let text = v3(&entry("serde", "1.0.114", Some(source), &[]));
        let lockfile = parse(&text).unwrap();
        assert_eq!(lockfile.packages[0].is_from_crates_io(), crates_io, "{source}");
        if crates_io {
            assert_eq!(lockfile.packages[0].source.as_deref(), Some(CRATES_IO));
        }
    }
    // A reference's source is read the same way.
    let text = v3(&[
        entry("app", "0.1.0", None, &["serde 1.0.114 (registry+https://[oops)"]),
        entry("serde", "1.0.114", Some(CRATES_IO), &[]),
    ]
    .concat());
    let e = refused(&text);
    assert_eq!(e.line, Some(7));
    assert!(e.message.contains("invalid URL"), "{e}");
}

#[test]
fn checksums_must_be_64_hexadecimal_digits() {
    for bad in ["abc", "", "<none>", &CHECKSUM[1..], &format!("{}g", &CHECKSUM[1..]), &format!("+{}", &CHECKSUM[1..])] {
        let text = v3(&entry("serde", "1.0.114", Some(CRATES_IO), &[]).replace(CHECKSUM, bad));
        let e = refused(&text);
        assert_eq!(e.line, Some(7), "{bad}: {e}");
        assert!(e.message.contains("invalid checksum"), "{bad}: {e}");
    }
    let upper = v3(&entry("serde", "1.0.114", Some(CRATES_IO), &[]).replace(CHECKSUM, &CHECKSUM.to_uppercase()));
    assert_eq!(
        parse(&upper).unwrap().packages[0].checksum.as_deref(),
        Some(CHECKSUM),
        "printed as cargo-audit prints it"
    );
}

#[test]
fn malformed_references_are_refused_with_their_line() {
    for (reference, expected) in [
        ("serde 1.0", "invalid version `1.0`"),
        ("serde 1.0.114 registry+https://github.com/rust-lang/crates.io-index", "malformed source"),
        ("serde 1.0.114 (registry+https://github.com/rust-lang/crates.io-index) extra", "malformed"),
        ("", "empty dependency reference"),
        ("  ", "empty dependency reference"),
    ] {
        let text =
            v3(&[entry("app", "0.1.0", None, &[reference]), entry("serde", "1.0.114", Some(CRATES_IO), &[])].concat());
        let e = refused(&text);
        assert_eq!(e.line, Some(7), "{reference:?}: {e}");
        assert!(e.message.contains(expected), "{reference:?}: {e}");
    }
    // Extra whitespace is read as cargo-audit reads it.
    let text =
        v3(&[entry("app", "0.1.0", None, &["  serde\t1.0.114  "]), entry("serde", "1.0.114", Some(CRATES_IO), &[])]
            .concat());
    assert_eq!(parse(&text).unwrap().packages[0].dependencies, [1]);
}

#[test]
fn v1_files_need_versioned_references_and_take_checksums_from_metadata() {
    let text = format!(
        "[root]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"serde 1.0.114 ({CRATES_IO})\",\n]\n\n\
         {}[metadata]\n\"checksum serde 1.0.114 ({CRATES_IO})\" = \"{}\"\n\"checksum other 1.0.0 ({CRATES_IO})\" = \"<none>\"\n",
        entry("serde", "1.0.114", Some(CRATES_IO), &[]).replace(&format!("checksum = \"{CHECKSUM}\"\n"), ""),
        CHECKSUM.to_uppercase(),
    );
    let lockfile = parse(&text).unwrap();
    assert_eq!(lockfile.version, 1);
    assert_eq!(lockfile.root.as_ref().unwrap().dependencies, [0]);
    assert_eq!(lockfile.packages[0].checksum.as_deref(), Some(CHECKSUM));

    let e = refused(&text.replace(&format!("\"serde 1.0.114 ({CRATES_IO})\""), "\"serde\""));
    assert!(e.message.contains("has no version") && e.line == Some(5), "{e}");
    // Checksums in both places: cargo-audit refuses the file (Cargo would drop them all).
    let both = text.replace("source = \"registry", &format!("checksum = \"{CHECKSUM}\"\nsource = \"registry"));
    assert!(refused(&both).message.contains("both"), "{both}");
    // `[metadata]` holds strings only.
    let e = refused(&text.replace("= \"<none>\"", "= 1"));
    assert!(e.message.contains("must be a string"), "{e}");
}

#[test]
fn patch_unused_entries_are_checked_but_not_audited() {
    let good = v3(&format!(
        "{}[[patch.unused]]\nname = \"ryu\"\nversion = \"1.0.23\"\nsource = \"git+https://github.com/dtolnay/ryu?rev=f0b52bb#f0b52bb\"\n",
        entry("app", "0.1.0", None, &[])
    ));
    let lockfile = parse(&good).unwrap();
    assert_eq!(lockfile.packages.len(), 1);
    assert!(refused(&good.replace("1.0.23", "1.0")).message.contains("invalid version"));
    assert!(refused(&good.replace("git+https", "git+ht tps")).message.contains("invalid URL"));
    assert!(refused(&good.replace("[[patch.unused]]", "[patch.other]")).message.contains("no `unused`"));
    assert!(refused(&good.replace("name = \"ryu\"\n", "")).message.contains("no `name`"));
}

#[test]
fn the_version_header_and_the_table_types_are_checked() {
    for (text, expected) in [
        ("version = 5\n", "unsupported lockfile version 5"),
        ("version = 0\n", "unsupported lockfile version 0"),
        ("version = \"3\"\n", "must be an integer"),
        ("version = 3\npackage = 1\n", "must be an array of tables"),
        ("version = 3\nroot = []\n", "`root` must be a table"),
        ("version = 3\nmetadata = \"x\"\n", "`metadata` must be a table"),
        (
            "version = 3\n[root]\nname = \"a\"\nversion = \"1.0.0\"\n[root]\nname = \"b\"\nversion = \"1.0.0\"\n",
            "invalid TOML",
        ),
        ("version = 3\n[metadata]\n\"a\" = \"1\"\n\"a\" = \"2\"\n", "invalid TOML"),
    ] {
        let e = refused(text);
        assert!(e.message.contains(expected) && e.line.is_some(), "{text:?}: {e}");
    }
    assert_eq!(parse("version = 0x3\n").unwrap().version, 3);
}

#[test]
fn duplicated_entries_are_all_kept_as_cargo_audit_keeps_them() {
    let serde = entry("serde", "1.0.114", Some(CRATES_IO), &[]);
    let text = v3(&[entry("app", "0.1.0", None, &["serde"]), serde.clone(), serde].concat());
    let lockfile = parse(&text).unwrap();
    assert_eq!(lockfile.packages.len(), 3);
    // One identity written twice is still one package to depend on.
    assert_eq!(lockfile.packages[0].dependencies, [1]);
    assert!(lockfile.unresolved.is_empty());
}

#[test]
fn a_root_or_replace_reference_needs_its_version() {
    let text = format!(
        "[root]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n\n{}",
        entry("serde", "1.0.114", Some(CRATES_IO), &[])
    );
    assert!(refused(&text).message.contains("has no version"));
    let text = v3(&format!("{}\nreplace = \"serde\"\n", entry("serde", "1.0.114", Some(CRATES_IO), &[]).trim_end()));
    let e = refused(&text);
    assert!(e.message.contains("`replace` reference `serde` has no version"), "{e}");
}
