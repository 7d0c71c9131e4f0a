//! Lockfile parsing: the fast path for Cargo's own layout agrees with the full TOML parser.

mod cargo_compat;

use cratewatch_audit::Lockfile;
use cratewatch_testdata::lockfiles;

#[test]
fn fast_and_full_parsers_agree_on_every_real_lockfile() {
    for (path, _) in lockfiles() {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(Lockfile::is_canonical(&text), "{} should take the fast path", path.display());
        let fast = Lockfile::parse(&text).unwrap();
        let full = Lockfile::parse_with_toml(&text).unwrap();
        assert_eq!(fast, full, "{}", path.display());
        assert!(fast.packages.iter().all(|p| text.lines().nth(p.line as usize - 1) == Some("[[package]]")));
    }
}

/// Variants Cargo would not write but TOML allows: each leaves the fast path and parses the same.
#[test]
fn unusual_layouts_fall_back_to_the_full_parser() {
    let canonical = r#"version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "serde",
]

[[package]]
name = "serde"
version = "1.0.100"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "dc6f3ad7b9d11a0c00842ff8de1b60ee58661048eb8049ed33c73594f359d7e6"
"#;
    let expected = Lockfile::parse(canonical).unwrap();
    assert!(Lockfile::is_canonical(canonical));
    assert_eq!(expected.packages[0].dependencies, vec![1]);
    let variants = [
        canonical.replace("dependencies = [\n \"serde\",\n]", "dependencies = [\"serde\"]"),
        canonical.replace("name = \"serde\"", "name = 'serde'"),
        canonical.replace("version = 3\n", "version = 3 # format\n"),
        canonical.replace("name = \"app\"", "name = \"\\u0061pp\""),
        canonical.replace("[[package]]\nname = \"serde\"", "[[package]]\n  name = \"serde\""),
    ];
    for variant in variants {
        assert!(!Lockfile::is_canonical(&variant), "{variant}");
        let parsed = Lockfile::parse(&variant).unwrap_or_else(|e| panic!("{e}\n{variant}"));
        assert_eq!(parsed.packages.len(), 2);
        assert_eq!(parsed.packages[0].name, "app");
        assert_eq!(parsed.packages[0].dependencies, vec![1]);
        assert_eq!(
            parsed.packages[1].checksum.as_deref(),
            Some("dc6f3ad7b9d11a0c00842ff8de1b60ee58661048eb8049ed33c73594f359d7e6")
        );
    }
}

#[test]
fn v1_root_and_metadata_checksums() {
    let text = r#"[root]
name = "app"
version = "0.1.0"
dependencies = [
 "libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "libc"
version = "0.2.20"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)" = "684f330624d8c3784fb9558ca46c4ce488073a8d22450415c5eb4f4cfb0d11b5"
"#;
    for lockfile in [Lockfile::parse(text).unwrap(), Lockfile::parse_with_toml(text).unwrap()] {
        assert_eq!(lockfile.version, 1);
        assert_eq!(lockfile.packages.len(), 1);
        assert_eq!(lockfile.root.as_ref().unwrap().dependencies, vec![0]);
        assert!(lockfile.packages[0].checksum.as_deref().unwrap().starts_with("684f33"));
        assert!(lockfile.packages[0].is_from_crates_io());
    }
}

/// Damaged copies of every real lockfile: parsing never panics, errors carry a message and a line
/// inside the file, and whenever the fast path accepts a damaged file, the full TOML parser agrees.
#[test]
fn damaged_real_lockfiles_give_errors_never_panics_and_both_paths_agree() {
    let (mut fast, mut rejected, mut total) = (0, 0, 0);
    for (i, (path, _)) in lockfiles().into_iter().enumerate() {
        let text = std::fs::read_to_string(&path).unwrap();
        for damaged in cratewatch_testdata::mutations(&text, 150, i as u64) {
            total += 1;
            let lines = damaged.lines().count() as u32 + 1;
            let parsed = Lockfile::parse(&damaged);
            match &parsed {
                Err(e) => {
                    rejected += 1;
                    assert!(!e.message.is_empty());
                    assert!(e.line.is_none_or(|l| (1..=lines).contains(&l)), "{}: {e}", path.display());
                }
                Ok(lockfile) => assert!(lockfile.packages.iter().all(|p| p.line <= lines)),
            }
            if Lockfile::is_canonical(&damaged) {
                fast += 1;
                let full = Lockfile::parse_with_toml(&damaged);
                match (&parsed, &full) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{}: paths differ on\n{damaged}", path.display()),
                    (Err(_), Err(_)) => {}
                    _ => {
                        panic!("{}: fast {:?} vs full {:?} on a damaged file", path.display(), parsed.err(), full.err())
                    }
                }
            }
        }
    }
    assert!(total == 16 * 150 && fast > 500 && rejected > 200, "{fast} fast, {rejected} rejected of {total}");
}

#[test]
fn repeated_keys_are_left_to_the_full_parser_which_rejects_them() {
    let text = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = []\ndependencies = []\n";
    assert!(!Lockfile::is_canonical(text));
    assert!(Lockfile::parse(text).is_err());
    let text = "version = 3\n\n[[package]]\nname = \"a\"\nname = \"b\"\nversion = \"1.0.0\"\n";
    assert!(!Lockfile::is_canonical(text));
    assert!(Lockfile::parse(text).is_err());
}
