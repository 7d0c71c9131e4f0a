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
    // Its Security tab is plain (its Dependencies tab may be highlighted: its dependencies have advisories).
    assert!(!clean.body.contains("/security\" class=\"alert"), "unaffected version highlighted");
    assert!(clean.body.contains("href=\"/crates/tokio/0.1.13/security\" aria-current=\"page\""), "{}", clean.body);
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

// ---- structure: the pages parsed, elements found by selector -------------------------------------

/// `css` as a selector (the tests' selectors are literals: a bad one is a bug in the test).
fn sel(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap_or_else(|e| panic!("selector `{css}`: {e:?}"))
}

/// The elements matching `css`.
fn all<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&sel(css)).collect()
}

/// The one element matching `css`, or a failure naming the page.
#[track_caller]
fn one<'a>(doc: &'a scraper::Html, css: &str, page: &str) -> scraper::ElementRef<'a> {
    let found = all(doc, css);
    assert_eq!(found.len(), 1, "{page}: {} elements match `{css}`", found.len());
    found[0]
}

fn text(element: scraper::ElementRef<'_>) -> String {
    element.text().collect()
}

/// GETs `path` (expecting 200) and parses it.
#[track_caller]
fn page(server: &Server, path: &str) -> scraper::Html {
    let reply = server.get(path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    scraper::Html::parse_document(&reply.body)
}

/// The `dt`/`dd` pairs of a definition list that are its own children.
fn pairs(dl: scraper::ElementRef<'_>) -> Vec<(String, String)> {
    let children: Vec<scraper::ElementRef<'_>> = dl.children().filter_map(scraper::ElementRef::wrap).collect();
    children.chunks(2).map(|c| (text(c[0]), c.get(1).map(|dd| text(*dd)).unwrap_or_default())).collect()
}

#[test]
fn advisory_page_breaks_cvss_down_in_words_with_the_calculator() {
    let server = shared();
    let k = server.state.knowledge();
    let hyper = k.by_id("RUSTSEC-2021-0078").unwrap();
    // The expectations below are FIRST's names for this vector's values.
    assert_eq!(hyper.advisory.cvss.as_ref().unwrap().vector(), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N");
    let path = "/advisories/RUSTSEC-2021-0078";
    let doc = page(server, path);
    let cvss = one(&doc, "article.advisory dl.cvss", path);
    let expected = [
        ("Attack vector", "Network"),
        ("Attack complexity", "Low"),
        ("Privileges required", "None"),
        ("User interaction", "None"),
        ("Scope", "Unchanged"),
        ("Confidentiality", "None"),
        ("Integrity", "Low"),
        ("Availability", "None"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    assert_eq!(pairs(cvss), expected, "{path}");
    one(
        &doc,
        r#"a[href="https://www.first.org/cvss/calculator/3.1#CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N"]"#,
        path,
    );

    // The other versions in the database: their own calculator, and one row per metric of the vector.
    for (prefix, calculator) in [("CVSS:3.0/", "3.0"), ("CVSS:4.0/", "4.0")] {
        let entry = k
            .entries()
            .iter()
            .find(|e| e.advisory.cvss.as_ref().is_some_and(|c| c.vector().starts_with(prefix)))
            .unwrap_or_else(|| panic!("no {prefix} vector in the database"));
        let vector = entry.advisory.cvss.as_ref().unwrap().vector();
        let path = format!("/advisories/{}", entry.advisory.id.as_str());
        let doc = page(server, &path);
        let href = format!("https://www.first.org/cvss/calculator/{calculator}#{vector}");
        one(&doc, &format!(r#"a[href="{href}"]"#), &path);
        let rows = pairs(one(&doc, "dl.cvss", &path));
        assert_eq!(rows.len(), vector.split('/').count() - 1, "{path}: {rows:?}");
        assert_eq!(rows[0].0, "Attack vector", "{path}");
        for (name, value) in &rows {
            assert!(!name.contains(':') && value.chars().next().is_some_and(char::is_uppercase), "{path}: {rows:?}");
        }
        if calculator == "4.0" {
            assert!(rows.iter().any(|(n, _)| n == "Attack requirements"), "{path}: {rows:?}");
        }
    }
}

#[test]
fn advisory_page_shows_license_last_change_source_file_and_osv() {
    let server = shared();
    let k = server.state.knowledge();
    let db = cratewatch_testdata::advisory_db();

    let path = "/advisories/RUSTSEC-2021-0078";
    let doc = page(server, path);
    let record: std::collections::BTreeMap<String, String> =
        pairs(one(&doc, "article.advisory dl.record", path)).into_iter().collect();
    // The file's last commit, as git itself tells it.
    let file = "crates/hyper/RUSTSEC-2021-0078.md";
    let git = std::process::Command::new("git")
        .args(["log", "-1", "--format=%ct", "--", file])
        .current_dir(&db)
        .output()
        .unwrap();
    let committed: i64 = String::from_utf8(git.stdout).unwrap().trim().parse().unwrap();
    let time = one(&doc, "dl.record time", path);
    let shown: jiff::Timestamp = time.value().attr("datetime").unwrap().parse().unwrap();
    assert_eq!(shown.as_second(), committed, "{path}: last modified");
    assert!(record["Last modified"].ends_with(" UTC"), "{record:?}");
    // A local directory has no known web view: the path, not a link.
    assert_eq!(record["Source file"], file, "{record:?}");
    assert!(db.join(file).is_file());
    assert!(all(&doc, "a[href*='github.com/rustsec']").is_empty(), "{path} links a repository it does not serve from");
    one(&doc, r#"a[href="/v1/vulns/RUSTSEC-2021-0078"]"#, path);
    assert_eq!(server.json("/v1/vulns/RUSTSEC-2021-0078")["id"], "RUSTSEC-2021-0078");
    assert!(record["License"].starts_with("CC0-1.0"), "{record:?}");
    assert!(all(&doc, ".attribution").is_empty(), "{path}: a CC0 advisory needs no attribution");

    // CC-BY-4.0 requires attribution: the source named and linked, and the licence linked.
    let by = k
        .entries()
        .iter()
        .find(|e| e.advisory.license == cratewatch_advisory::License::CcBy40 && e.advisory.url.is_some())
        .expect("a CC-BY-4.0 advisory with a url");
    let path = format!("/advisories/{}", by.advisory.id.as_str());
    let doc = page(server, &path);
    let attribution = one(&doc, ".attribution", &path);
    let url = by.advisory.url.as_deref().unwrap();
    let links: Vec<&str> = attribution.select(&sel("a")).filter_map(|a| a.value().attr("href")).collect();
    assert_eq!(links, [url, "https://creativecommons.org/licenses/by/4.0/"], "{path}");
    assert!(text(attribution).contains("CC-BY-4.0"), "{path}: {}", text(attribution));
}

#[test]
fn titles_render_code_spans_on_every_page_but_the_feed() {
    let server = shared();
    let k = server.state.knowledge();
    // The newest advisory whose title has a code span, and the text of its spans.
    let (position, entry) = k
        .entries()
        .iter()
        .enumerate()
        .find(|(_, e)| e.advisory.title.matches('`').count() >= 2 && e.advisory.withdrawn.is_none())
        .expect("a title with a code span");
    let a = &entry.advisory;
    let spans: Vec<&str> = a.title.split('`').skip(1).step_by(2).collect();
    let id = a.id.as_str();
    // Every element matching `container` that links to the advisory has a `.title` with the spans.
    let check = |path: &str, container: &str| {
        let doc = page(server, path);
        let link = sel(&format!("a[href='/advisories/{id}']"));
        let titles: Vec<_> = all(&doc, container)
            .into_iter()
            .filter(|c| c.select(&link).next().is_some())
            .flat_map(|c| c.select(&sel(".title")).collect::<Vec<_>>())
            .collect();
        assert!(!titles.is_empty(), "{path}: no title in `{container}`");
        for title in titles {
            let code: Vec<String> = title.select(&sel("code")).map(text).collect();
            assert_eq!(code, spans, "{path}: {}", title.html());
            assert!(!text(title).contains('`'), "{path}: raw backticks in {}", title.html());
        }
    };
    check(&format!("/advisories/{id}"), "article.advisory h1");
    check(&format!("/crates/{}/security", a.package), &format!("article[id='{id}'] h3"));
    check(&format!("/advisories?page={}", position / 100 + 1), "main li");
    // A search by the words before the first span lists it.
    let words = a.title.split('`').next().unwrap().trim();
    let query: String = words.split_whitespace().take(4).collect::<Vec<_>>().join("+");
    if !query.is_empty() {
        check(&format!("/search?q={query}"), "main li");
    }
    // Feeds are plain text: the title as written.
    let feed = server.get(&format!("/crates/{}/feed.xml", a.package));
    assert!(feed.body.contains(&format!("{id}: {}: ", a.package)), "no entry for {id}");
    assert!(!feed.body.contains("<code>"), "markup in a feed title");
}

#[test]
fn a_withdrawn_advisory_page_strikes_its_title_and_keeps_the_notice() {
    let server = shared();
    let k = server.state.knowledge();
    for entry in k.entries().iter().filter(|e| e.advisory.withdrawn.is_some()) {
        let path = format!("/advisories/{}", entry.advisory.id.as_str());
        let doc = page(server, &path);
        let struck = one(&doc, "article.advisory.withdrawn h1 s.title", &path);
        assert!(!text(struck).is_empty(), "{path}");
        let notice = one(&doc, "article.advisory.withdrawn [role=note]", &path);
        assert!(text(notice).starts_with("Withdrawn on"), "{path}: {}", text(notice));
    }
}

#[test]
fn cards_that_affect_other_versions_only_look_different_and_say_so() {
    let server = shared();
    let api = server.json("/api/v1/crates/smallvec/0.6.9/security");
    let affecting: Vec<&str> = api["advisories"].as_array().unwrap().iter().filter_map(|a| a["id"].as_str()).collect();
    let whole = server.json("/api/v1/crates/smallvec/security");
    let live: Vec<&str> = whole["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["withdrawn"].is_null())
        .filter_map(|a| a["id"].as_str())
        .collect();
    let others: Vec<&str> = live.iter().copied().filter(|id| !affecting.contains(id)).collect();
    assert!(!affecting.is_empty() && !others.is_empty(), "smallvec 0.6.9 must have both kinds of cards");
    let path = "/crates/smallvec/0.6.9/security";
    let doc = page(server, path);
    for id in &live {
        let card = one(&doc, &format!("article.advisory[id='{id}']"), path);
        let classes: Vec<&str> = card.value().classes().collect();
        let labels: Vec<String> = card.select(&sel("h3 .label.affects, h3 .label.other")).map(text).collect();
        if affecting.contains(id) {
            assert!(classes.contains(&"affects") && !classes.contains(&"other"), "{id}: {classes:?}");
            assert_eq!(labels, ["affects 0.6.9"], "{id}");
        } else {
            assert!(classes.contains(&"other") && !classes.contains(&"affects"), "{id}: {classes:?}");
            assert_eq!(labels, ["does not affect 0.6.9"], "{id}");
        }
    }
    // Without a selected version there is nothing to tell apart.
    let doc = page(server, "/crates/smallvec/security");
    assert!(all(&doc, "article.advisory.other").len() + all(&doc, "article.advisory.affects").len() == live.len());
}

#[test]
fn advisory_ids_in_the_version_table_link_to_their_cards() {
    let server = shared();
    for path in ["/crates/smallvec/security", "/crates/tokio/0.1.13/security"] {
        let doc = page(server, path);
        let mut links = 0;
        for row in all(&doc, "#versions + table tbody tr") {
            let cell = row.select(&sel("td")).nth(2).unwrap();
            let ids: Vec<String> = text(cell).split(", ").filter(|s| !s.is_empty()).map(str::to_owned).collect();
            let hrefs: Vec<&str> = cell.select(&sel("a")).filter_map(|a| a.value().attr("href")).collect();
            assert_eq!(hrefs.len(), ids.len(), "{path}: {}", cell.html());
            for (id, href) in ids.iter().zip(&hrefs) {
                assert_eq!(*href, format!("#{id}"), "{path}");
                one(&doc, &format!("article.advisory[id='{id}']"), path);
                links += 1;
            }
        }
        assert!(links > 0, "{path}: no advisory ids in the table");
    }
}

/// The crate-page banner of a version (not the crate-wide unmaintained note): its classes and role.
fn version_banner(server: &Server, path: &str) -> (Vec<String>, String, String) {
    let doc = page(server, path);
    let banners: Vec<_> =
        all(&doc, "main > .banner").into_iter().filter(|b| !text(*b).starts_with("Unmaintained.")).collect();
    assert_eq!(banners.len(), 1, "{path}: {} version banners", banners.len());
    let b = banners[0];
    let mut classes: Vec<String> = b.value().classes().map(str::to_owned).collect();
    classes.sort();
    (classes, b.value().attr("role").unwrap_or_default().to_owned(), text(b))
}

#[test]
fn informational_advisories_get_a_calm_banner_and_vulnerabilities_a_red_one() {
    let server = shared();
    let k = server.state.knowledge();
    // For each gravity, the first crate (by name) and version whose affecting advisories are all of it.
    let gravity = |kind: &str| match kind {
        "vulnerability" | "malicious" => 2,
        "unsound" => 1,
        _ => 0,
    };
    let mut found: [Option<String>; 3] = [None, None, None];
    for name in k.crate_names() {
        if found.iter().all(Option::is_some) {
            break;
        }
        let api = server.json(&format!("/api/v1/crates/{name}/security"));
        let kinds: std::collections::HashMap<&str, &str> = api["advisories"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| Some((a["id"].as_str()?, a["kind"].as_str()?)))
            .collect();
        for v in api["crate"]["versions"].as_array().unwrap() {
            let ids: Vec<&str> = v["advisories"].as_array().unwrap().iter().filter_map(|i| i.as_str()).collect();
            let Some(worst) = ids.iter().map(|id| gravity(kinds[id])).max() else { continue };
            if found[worst].is_none() {
                found[worst] = Some(format!("/crates/{name}/{}", v["num"].as_str().unwrap()));
            }
        }
    }
    // (the classes sorted, the role)
    let expect = [(["banner", "info"], "note"), (["banner", "warn"], "alert"), (["bad", "banner"], "alert")];
    for (g, path) in found.iter().enumerate() {
        let path = path.as_deref().unwrap_or_else(|| panic!("no version whose worst advisory has gravity {g}"));
        for path in [path.to_owned(), format!("{path}/security")] {
            let (classes, role, text) = version_banner(server, &path);
            assert_eq!(classes, expect[g].0, "{path}: {text}");
            assert_eq!(role, expect[g].1, "{path}: {text}");
            let doc = page(server, &path);
            let tab = one(&doc, "nav.tabs a[href$='/security']", &path);
            let tab_classes: Vec<&str> = tab.value().classes().collect();
            assert!(tab_classes.contains(&"alert"), "{path}: an affected version's tab is highlighted");
            assert_eq!(tab_classes.contains(&"calm"), g == 0, "{path}: {tab_classes:?}");
        }
    }
}

#[test]
fn the_version_picker_is_a_plain_form_answered_with_a_redirect() {
    let server = shared();
    let api = server.json("/api/v1/crates/smallvec/security");
    let versions: Vec<&str> =
        api["crate"]["versions"].as_array().unwrap().iter().filter_map(|v| v["num"].as_str()).collect();
    for (path, action, shown) in [
        ("/crates/smallvec/security", "/crates/smallvec/security", None),
        ("/crates/smallvec", "/crates/smallvec", None),
        ("/crates/smallvec/0.6.9/security", "/crates/smallvec/security", Some("0.6.9")),
        ("/crates/smallvec/0.6.9", "/crates/smallvec", Some("0.6.9")),
    ] {
        let doc = page(server, path);
        let form = one(&doc, "form.picker", path);
        assert_eq!(form.value().attr("method"), Some("get"), "{path}");
        assert_eq!(form.value().attr("action"), Some(action), "{path}");
        let select = one(&doc, "form.picker select[name=version]", path);
        let id = select.value().attr("id").unwrap();
        one(&doc, &format!("form.picker label[for={id}]"), path);
        let options: Vec<&str> = select.select(&sel("option")).filter_map(|o| o.value().attr("value")).collect();
        assert_eq!(options, versions, "{path}");
        let selected: Vec<&str> =
            select.select(&sel("option[selected]")).filter_map(|o| o.value().attr("value")).collect();
        let shown = shown.map_or_else(|| text(one(&doc, "h1 small", path)), str::to_owned);
        assert_eq!(selected, [shown.as_str()], "{path}");
        one(&doc, "form.picker button[type=submit]", path);
    }
    for (asked, location) in [
        ("/crates/smallvec/security?version=0.6.9", Some("/crates/smallvec/0.6.9/security")),
        ("/crates/smallvec?version=1.0.0", Some("/crates/smallvec/1.0.0")),
        ("/crates/smallvec?version=", Some("/crates/smallvec")),
        ("/crates/smallvec/security?version=1.0.0%2Bbuild&other=x", Some("/crates/smallvec/1.0.0+build/security")),
        ("/crates/smallvec/security?version=%3Cx%3E%0D%0A", Some("/crates/smallvec/%3Cx%3E/security")),
        ("/crates/smallvec/security?other=x", None),
    ] {
        let reply = server.get(asked);
        match location {
            Some(location) => {
                assert_eq!((reply.status, reply.location.as_deref()), (303, Some(location)), "{asked}");
            }
            None => assert_eq!(reply.status, 200, "{asked}"),
        }
    }
    // A version that is not one arrives at the version route's own diagnostic.
    let bad = server.get("/crates/smallvec/%3Cx%3E/security");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("is not a semantic version"), "{}", bad.body);
}
