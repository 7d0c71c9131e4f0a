//! The rules of RustSec's own tools, one fixture each: what the `rustsec` parser refuses is an error
//! (the file is not loaded, as cargo-audit would stop on it), what only `rustsec-admin lint` refuses is a
//! warning (the advisory loads, as in cargo-audit). Each fixture is also given to the `rustsec` crate,
//! to prove that the split is RustSec's. Both layouts of the format are read as `rustsec` reads them.

use std::fs;
use std::path::PathBuf;

use cratewatch_advisory::{Collection, parse_advisory};
use cratewatch_testdata::advisory_db;

use crate::{MINIMAL, check, edited, file};

/// Whether the `rustsec` crate accepts the advisory file `text` (so cargo-audit would load it).
fn rustsec_accepts(text: &str) -> bool {
    text.parse::<rustsec::Advisory>().is_ok()
}

/// Checks the diagnostics of `text` (as [`check`] does), and that the `rustsec` crate accepts the file
/// exactly when we load it, unless `stricter` says this is one of the two refusals of our own.
#[track_caller]
fn check_rule(text: &str, expected: &[&str], stricter: bool) {
    let loads = check(text, expected).advisory.is_some();
    if stricter {
        assert!(!loads && rustsec_accepts(text), "a refusal of our own: rustsec accepts it\n{text}");
    } else {
        assert_eq!(loads, rustsec_accepts(text), "rustsec disagrees on whether this loads\n{text}");
    }
}

/// `MINIMAL` with extra `[advisory]` lines after `date`, and extra text at the end of the file.
fn with(fields: &str) -> String {
    edited("date = \"2020-01-01\"\n", &format!("date = \"2020-01-01\"\n{fields}\n"))
}

#[test]
fn the_year_of_the_id_must_be_the_year_of_the_date() {
    check_rule(&edited("RUSTSEC-2020-0001", "RUSTSEC-2021-0001"), &["warning id-year-mismatch@3"], false);
    check_rule(&edited("RUSTSEC-2020-0001", "TALOS-2019-0468"), &["warning id-year-mismatch@3"], false);
    // The linter leaves CVE ids out (a CVE is dated by its reservation), and GHSA ids have no year.
    check_rule(&edited("RUSTSEC-2020-0001", "CVE-2019-12345"), &[], false);
    check_rule(&edited("RUSTSEC-2020-0001", "GHSA-4mmc-49vf-jmcp"), &[], false);
    // The year itself must be one `rustsec` accepts.
    check_rule(&edited("RUSTSEC-2020-0001", "RUSTSEC-1999-0001"), &["error invalid-id@3"], false);
    check_rule(&edited("RUSTSEC-2020-0001", "CVE-2101-0001"), &["error invalid-id@3"], false);
    check_rule(&edited("RUSTSEC-2020-0001", "TALOS-20x9-0468"), &["error invalid-id@3"], false);
}

#[test]
fn an_unknown_kind_of_id_is_a_warning() {
    let parsed = check(&edited("RUSTSEC-2020-0001", "LULZSEC-2020-0001"), &["warning unknown-id-type@3"]);
    assert!(parsed.diagnostics[0].message.contains("`LULZSEC-2020-0001`"), "{:?}", parsed.diagnostics);
    check_rule(&edited("RUSTSEC-2020-0001", "LULZSEC-2020-0001"), &["warning unknown-id-type@3"], false);
}

#[test]
fn urls_must_be_https() {
    check_rule(&with(r#"url = "http://example.org/report""#), &["warning insecure-url@6"], false);
    check_rule(&with(r#"references = ["https://a.example", "http://b.example"]"#), &["warning insecure-url@6"], false);
    check_rule(&with(r#"url = "https://example.org/report""#), &[], false);
}

#[test]
fn urls_that_are_not_http_are_refused() {
    // The pages and APIs show these as links: refused although `rustsec` accepts them.
    for url in ["javascript:alert(1)", "javascript://%0aalert(document.domain)", "data:text/html,<b>x</b>"] {
        check_rule(&with(&format!("url = {url:?}")), &["error unsupported-url-scheme@6"], true);
        check_rule(&with(&format!("references = [{url:?}]")), &["error unsupported-url-scheme@6"], true);
    }
    let parsed = check(&with(r#"url = "javascript:alert(1)""#), &["error unsupported-url-scheme@6"]);
    assert!(parsed.diagnostics[0].message.contains("`javascript:` URL"), "{:?}", parsed.diagnostics);
    // Not a URL at all, as before.
    check(&with(r#"references = ["issues/252"]"#), &["error invalid-url@6"]);
}

#[test]
fn the_url_should_not_be_the_page_of_a_ghsa_alias() {
    let text = with("aliases = [\"GHSA-4mmc-49vf-jmcp\"]\nurl = \"https://github.com/advisories/GHSA-4mmc-49vf-jmcp\"");
    check_rule(&text, &["warning redundant-ghsa-url@7"], false);
    let text = with("aliases = [\"GHSA-4mmc-49vf-jmcp\"]\nurl = \"https://github.com/demo/demo/issues/1\"");
    check_rule(&text, &[], false);
    // The repository's own security advisory is the maintainers' statement: kept without a word.
    let repo = "https://github.com/demo/demo/security/advisories/GHSA-4mmc-49vf-jmcp";
    check_rule(&with(&format!("aliases = [\"GHSA-4mmc-49vf-jmcp\"]\nurl = \"{repo}\"")), &[], false);
}

#[test]
fn function_paths_are_rust_paths_that_start_with_the_crate() {
    let functions = |path: &str| file(&format!("{MINIMAL}\n[affected.functions]\n{path:?} = [\"< 1.2.0\"]\n"));
    // `[affected.functions]` is on line 10 of the file, its key on line 11.
    check_rule(&functions("demo::parse"), &[], false);
    check_rule(&functions("demo::Vec<u8>::new"), &[], false);
    check_rule(&functions("other::parse"), &["warning function-outside-crate@11"], false);
    check_rule(&functions("demo"), &["error invalid-function-path@11"], false);
    check_rule(&functions("demo::parse(x)"), &["error invalid-function-path@11"], false);
    check_rule(&functions("demo::1parse"), &["error invalid-function-path@11"], false);
    check_rule(&functions("demo::"), &["error invalid-function-path@11"], false);
    // Crate names may contain `-`, which paths spell `_`.
    let dashed = functions("demo_x::parse").replace("package = \"demo\"", "package = \"demo-x\"");
    check_rule(&dashed, &[], false);
    let advisory = check(&functions("demo::parse"), &[]).advisory.unwrap();
    assert_eq!(advisory.affected.unwrap().functions.keys().collect::<Vec<_>>(), ["demo::parse"]);
}

#[test]
fn a_bare_mention_in_the_text_is_a_warning() {
    // The title is on line 11 of the file, the first line of the description on line 13.
    let text = |description: &str| file(MINIMAL).replace("It really is.", description);
    check_rule(&text("Reported by @alice"), &["warning bare-mention@13"], false);
    // The linter misses a mention before a full stop (it takes `alice.` for a domain); we do not.
    check(&text("Reported by @alice."), &["warning bare-mention@13"]);
    check_rule(&text("Fine.\n\nThanks (@bob) and @carol!"), &["warning bare-mention@15"], false);
    let parsed = check(&text("Thanks (@bob)."), &["warning bare-mention@13"]);
    assert!(parsed.diagnostics[0].message.contains("`@bob`"), "{:?}", parsed.diagnostics);
    // A link, an e-mail address, code and a lone `@` are not mentions.
    check_rule(&text("Reported by [@alice](https://github.com/alice)."), &[], false);
    check_rule(&text("Write to security@example.org or `@attribute`, @ noon."), &[], false);
    check_rule(
        &file(MINIMAL).replace("# Demo is broken", "# Demo @alice is broken"),
        &["warning bare-mention@11"],
        false,
    );
}

#[test]
fn keys_rustsec_reads_but_the_format_retired() {
    check_rule(&with(r#"collection = "crates""#), &["warning explicit-collection@6"], false);
    // `rustsec` parses this file, and refuses it when it loads a database (see the database's tests).
    check(&with(r#"collection = "rust""#), &["error explicit-collection@6"]);
    check_rule(&with("yanked = true"), &["warning deprecated-field@6"], false);
    // The title and description come from the Markdown; `rustsec` refuses them in the front matter.
    check_rule(&with(r#"title = "Another title""#), &["error text-in-front-matter@6"], false);
    check_rule(&with(r#"description = "More""#), &["error text-in-front-matter@6"], false);
    check_rule(&with(r#"title = """#), &[], false);
}

#[test]
fn an_incomplete_cvss_vector_is_an_error() {
    // The `cvss` crate scores it 0.0 ("none") without a word.
    let text = with(r#"cvss = "CVSS:3.1/AV:N/AC:L""#);
    check_rule(&text, &["error invalid-cvss@6"], true);
    let parsed = check(&text, &["error invalid-cvss@6"]);
    assert!(parsed.diagnostics[0].message.contains("incomplete CVSS v3 vector"), "{:?}", parsed.diagnostics);
    // A bad v3 value is described as v3, not as the `cvss` crate's "CVSSv4".
    let parsed = check(&with(r#"cvss = "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H""#), &["error invalid-cvss@6"]);
    let message = &parsed.diagnostics[0].message;
    assert!(message.contains("v3") && !message.contains("v4") && message.contains("`Q`"), "{message}");
}

#[test]
fn a_list_of_the_wrong_type_is_reported_once() {
    let parsed = check(&with("categories = [1, 2, 3]"), &["error wrong-type@6"]);
    assert!(parsed.diagnostics[0].message.contains("categories"), "{:?}", parsed.diagnostics);
    check(&with("keywords = [\"ok\", 2, false]"), &["error wrong-type@6"]);
}

// ---------------------------------------------------------------------------------------------------
// The two layouts
// ---------------------------------------------------------------------------------------------------

/// The newer layout of `text`: the `[advisory]` header line after the opening fence removed.
fn newer_layout(text: &str) -> String {
    let converted = text.replacen("```toml\n[advisory]\n", "```toml\n", 1);
    assert_ne!(converted, text, "not in the first layout:\n{text}");
    converted
}

#[test]
fn the_newer_layout_reads_the_same_advisory() {
    let old = check(&file(MINIMAL), &[]).advisory.unwrap();
    let new = check(&newer_layout(&file(MINIMAL)), &[]).advisory.unwrap();
    assert_eq!(new, old);
    // Diagnostics point at the lines of the file as written, one line up.
    check(&newer_layout(&edited("2020-01-01", "2020-13-01")), &["error invalid-date@4"]);
    check(&newer_layout(&edited(r#"[">= 1.2.0"]"#, r#"[">= 1.2.0" oops]"#)), &["error toml-syntax@7"]);
    check(&newer_layout(&edited("date = ", "colour = \"red\"\ndate = ")), &["warning unknown-field@4"]);
    check(&newer_layout(&edited("package = \"demo\"\n", "")), &["error missing-field"]);
    // A comment first is fine in the newer layout.
    check(&edited("[advisory]\n", "# A comment\n"), &[]);
}

#[test]
fn an_advisory_table_that_does_not_come_first_is_refused_as_by_rustsec() {
    // `rustsec` reads anything that does not start with `[advisory]` as the newer layout, and its
    // `[advisory]` header in front makes such a table a second one.
    for text in [
        edited("[advisory]\n", "# A comment\n[advisory]\n"),
        file(&format!(
            "[versions]\npatched = []\n\n{}",
            MINIMAL.replace("\n[versions]\npatched = [\">= 1.2.0\"]\n", "")
        )),
        edited("[advisory]\n", "id = \"RUSTSEC-2020-0001\"\n[advisory]\n").replacen(
            "id = \"RUSTSEC-2020-0001\"\npackage",
            "package",
            1,
        ),
    ] {
        let parsed = parse_advisory(&text, Collection::Crates);
        let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["mixed-layout"], "{text}\n{:#?}", parsed.diagnostics);
        assert!(!rustsec_accepts(&text), "{text}");
    }
    // The line is the `[advisory]` header's.
    check(&edited("[advisory]\n", "# A comment\n[advisory]\n"), &["error mixed-layout@3"]);
    // White space before `[advisory]` is not something else.
    check_rule(&edited("[advisory]\n", "\n  [advisory]\n"), &[], false);
}

/// Every advisory file of the real database.
fn real_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for collection in ["crates", "rust"] {
        for dir in fs::read_dir(advisory_db().join(collection)).unwrap() {
            for entry in fs::read_dir(dir.unwrap().path()).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
    }
    files.sort();
    files
}

/// The whole real database converted to the newer layout: the same advisories and diagnostics for us,
/// the same advisories for `rustsec`; and with a comment put before `[advisory]`, refused by both.
#[test]
fn every_real_advisory_reads_the_same_in_both_layouts_as_in_rustsec() {
    let files = real_files();
    assert!(files.len() > 1200, "{}", files.len());
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let collection = if path.to_string_lossy().contains("/rust/") { Collection::Rust } else { Collection::Crates };
        let old = parse_advisory(&text, collection);
        let new_text = newer_layout(&text);
        let new = parse_advisory(&new_text, collection);
        assert!(old.advisory.is_some(), "{}: {:?}", path.display(), old.diagnostics);
        assert_eq!(new.advisory, old.advisory, "{}", path.display());
        let shifted: Vec<_> =
            old.diagnostics.iter().map(|d| (d.code, d.severity, d.line.map(|l| l - 1), d.message.as_str())).collect();
        let found: Vec<_> = new.diagnostics.iter().map(|d| (d.code, d.severity, d.line, d.message.as_str())).collect();
        assert_eq!(found, shifted, "{}", path.display());

        let theirs_old: rustsec::Advisory = text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let theirs_new: rustsec::Advisory = new_text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(theirs_new, theirs_old, "{}", path.display());

        let commented = text.replacen("```toml\n", "```toml\n# reviewed\n", 1);
        assert!(parse_advisory(&commented, collection).advisory.is_none(), "{}", path.display());
        assert!(!rustsec_accepts(&commented), "{}", path.display());
        let commented_new = new_text.replacen("```toml\n", "```toml\n# reviewed\n", 1);
        assert_eq!(parse_advisory(&commented_new, collection).advisory, old.advisory, "{}", path.display());
        assert!(rustsec_accepts(&commented_new), "{}", path.display());
    }
}

/// The README's table of `db check` codes lists every code, so that authors can look each one up.
#[test]
fn every_code_is_documented_in_the_readme() {
    let readme = fs::read_to_string(cratewatch_testdata::workspace_root().join("README.md")).unwrap();
    let missing: Vec<&str> = cratewatch_advisory::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|code| !readme.contains(&format!("| `{code}` |")))
        .collect();
    assert!(missing.is_empty(), "codes missing from the README's table: {missing:?}");
}
