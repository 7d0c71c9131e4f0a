//! The HTML pages over HTTP: content, states, size, sanitization, search and feeds. (Rendering in a real
//! browser is tested in `tests/browser.rs`.)

use std::fs;

use crate::harness::{Server, shared};

#[test]
fn security_tab_shows_count_state_and_every_field() {
    let server = shared();
    let page = server.get("/crates/smallvec/0.6.9/security");
    assert_eq!(page.status, 200);
    let html = &page.body;
    // The tab is highlighted because 0.6.9 is affected.
    assert!(html.contains("class=\"alert\""), "tab not highlighted");
    assert!(html.contains("is affected by"), "no affected banner");
    for needle in [
        "RUSTSEC-2019-0009",
        "CVE-2019-15551",
        "https://www.cve.org/CVERecord?id=CVE-2019-15551",
        "&gt;= 0.6.5, &lt; 0.6.10",
        "Affected releases",
        "href=\"/categories/memory-corruption\"",
        "Affects 0.6.9",
        "Affects other versions only",
        "<table>",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    let clean = server.get("/crates/tokio/0.1.13/security");
    assert!(!clean.body.contains("class=\"alert\""), "unaffected version highlighted");
    assert!(clean.body.contains("No known advisory affects tokio 0.1.13"));
    let fixable = server.get("/crates/base64/0.5.1/security");
    assert!(fixable.body.contains("Nearest safe upgrade: <strong>0.5.2</strong>"), "{}", fixable.body);
    assert!(fixable.body.contains("<dt>Upgrade</dt>"));
}

#[test]
fn empty_and_error_states_are_clear() {
    let server = shared();
    // A real crate of the index without advisories.
    let page = server.get("/crates/serde/security");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No advisories have been published for serde"), "{}", page.body);
    let missing = server.get("/crates/no-such-crate-anywhere");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("no crate named `no-such-crate-anywhere`"));
    let bad = server.get("/crates/smallvec/x.y/security");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("not a semantic version"));
}

#[test]
fn unmaintained_banner_and_withdrawn_advisories() {
    let server = shared();
    let k = server.state.knowledge();
    let unmaintained = k
        .entries()
        .iter()
        .find(|e| {
            e.advisory.kind() == cratewatch_advisory::Kind::Unmaintained
                && e.advisory.withdrawn.is_none()
                && e.advisory.versions.patched().is_empty()
                && e.advisory.versions.unaffected().is_empty()
        })
        .unwrap();
    let page = server.get(&format!("/crates/{}", unmaintained.advisory.package));
    assert!(page.body.contains("Unmaintained."), "{}", unmaintained.advisory.package);

    let withdrawn = k.entries().iter().find(|e| e.advisory.withdrawn.is_some()).unwrap();
    let page = server.get(&format!("/advisories/{}", withdrawn.advisory.id.as_str()));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("class=\"advisory withdrawn\""));
    assert!(page.body.contains("Withdrawn on"));
    // Withdrawn advisories never count as affecting a version.
    let api = server.json(&format!("/api/v1/crates/{}/security", withdrawn.advisory.package));
    for v in api["crate"]["versions"].as_array().unwrap() {
        assert!(!v["advisories"].as_array().unwrap().iter().any(|id| id == withdrawn.advisory.id.as_str()));
    }
}

#[test]
fn every_security_page_of_a_crate_with_advisories_is_under_100_kb() {
    let server = shared();
    let k = server.state.knowledge();
    let mut largest = (0, String::new());
    for name in k.crate_names() {
        for path in [format!("/crates/{name}/security"), format!("/crates/{name}")] {
            let page = server.get(&path);
            assert!(page.status == 200, "{path}: {}", page.status);
            if page.body.len() > largest.0 {
                largest = (page.body.len(), path);
            }
        }
    }
    for path in ["/", "/advisories", "/categories", "/feed.xml"] {
        let page = server.get(path);
        if page.body.len() > largest.0 {
            largest = (page.body.len(), path.to_owned());
        }
    }
    for (category, _) in k.categories() {
        let page = server.get(&format!("/categories/{category}"));
        if page.body.len() > largest.0 {
            largest = (page.body.len(), format!("/categories/{category}"));
        }
    }
    println!("largest page: {} bytes at {}", largest.0, largest.1);
    assert!(largest.0 < 100 * 1024, "{} is {} bytes", largest.1, largest.0);
}

#[test]
fn search_finds_ids_aliases_and_crates() {
    let server = shared();
    let by_id = server.get("/search?q=rustsec-2019-0009");
    assert_eq!((by_id.status, by_id.location.as_deref()), (303, Some("/advisories/RUSTSEC-2019-0009")));
    let by_alias = server.get("/search?q=CVE-2019-15551");
    assert_eq!(by_alias.location.as_deref(), Some("/advisories/RUSTSEC-2019-0009"));
    let by_crate = server.get("/search?q=smallvec");
    assert_eq!(by_crate.location.as_deref(), Some("/crates/smallvec/security"));
    let partial = server.get("/search?q=allve");
    assert_eq!(partial.status, 200);
    assert!(partial.body.contains("href=\"/crates/smallvec/security\""));
    let nothing = server.get("/search?q=zzzz-nothing-matches-zzzz");
    assert!(nothing.body.contains("No crate matches"));
    assert!(nothing.body.contains("No advisory matches"));
}

#[test]
fn feeds_are_atom_with_escaped_content() {
    let server = shared();
    let feed = server.get("/feed.xml");
    assert_eq!(feed.content_type.as_deref(), Some("application/atom+xml; charset=utf-8"));
    assert!(feed.body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert_eq!(feed.body.matches("<entry>").count(), 50);
    // Content is escaped HTML: no raw tags inside <content>.
    for content in feed.body.split("<content type=\"html\">").skip(1) {
        let content = &content[..content.find("</content>").unwrap()];
        assert!(!content.contains('<'), "unescaped markup in feed content");
    }
    let crate_feed = server.get("/crates/smallvec/feed.xml");
    assert!(crate_feed.body.contains("RUSTSEC-2019-0009"));
    assert!(crate_feed.body.matches("<entry>").count() >= 3);
}

/// A scratch copy of the database with one hostile advisory.
fn hostile_db(name: &str) -> std::path::PathBuf {
    let dir = cratewatch_testdata::advisory_db_copy(name);
    let advisory = r#"```toml
[advisory]
id = "RUSTSEC-2099-0001"
package = "smallvec"
date = "2099-01-01"
categories = ["memory-corruption"]
keywords = ["xss-test"]

[versions]
patched = [">= 1.0.0"]
```

# Hostile <b>title</b> <script>window.__xss=0</script>

Some **bold** text. <script>window.__xss=1</script>
<img src=x onerror="window.__xss=2"> [click](javascript:window.__xss=3)
<iframe src="https://example.org"></iframe>
"#;
    fs::write(dir.join("crates/smallvec/RUSTSEC-2099-0001.md"), advisory).unwrap();
    dir
}

#[test]
fn hostile_markdown_is_sanitized_everywhere() {
    let db = hostile_db("server-hostile");
    let server = Server::start(&db, Some(&cratewatch_testdata::crates_index_2020()), None);
    for path in ["/crates/smallvec/security", "/advisories/RUSTSEC-2099-0001", "/feed.xml", "/keywords/xss-test"] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        let body = &reply.body;
        assert!(!body.contains("<script"), "{path} has a script tag");
        assert!(!body.contains("<iframe"), "{path} has an iframe");
        assert!(!body.contains("onerror=\""), "{path} has an event handler");
        assert!(!body.contains("href=\"javascript:"), "{path} has a javascript: link");
    }
    // The API returns the Markdown as data (served as JSON with nosniff); its rendered HTML is clean.
    let api = server.json("/api/v1/advisories/RUSTSEC-2099-0001");
    let html = api["description_html"].as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("onerror") && !html.contains("<iframe"), "{html}");
    let page = server.get("/advisories/RUSTSEC-2099-0001");
    assert!(page.body.contains("<strong>bold</strong>"), "Markdown still renders");
    // The title is text: its markup is escaped, not interpreted.
    assert!(page.body.contains("Hostile &lt;b&gt;title&lt;/b&gt;"), "{}", page.body);
}
