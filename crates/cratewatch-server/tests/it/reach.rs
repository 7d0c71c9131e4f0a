//! Ecosystem reach in the service, over the shared data (every version of the 2020 index, every
//! advisory): the reach API, the Dependencies tab, the advisory pages' Reach section, `/ecosystem`,
//! the per-crate feed, the answers while reach is computed, and a sync that updates reach without
//! resolving again.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use scraper::{Html, Selector};
use serde_json::Value;

use crate::harness::{Server, shared, wait_for_reach};

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn text(e: &scraper::ElementRef<'_>) -> String {
    e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn package(v: &Value) -> String {
    format!("{} {}", v["name"].as_str().unwrap(), v["version"].as_str().unwrap())
}

/// `rayon-core` 1.4.0 depends on `crossbeam-deque ^0.2.0`, every 0.2 release of which is affected by
/// RUSTSEC-2021-0093: its own security route says nothing, its dependencies route says so, with the
/// path and the fix; the page's Dependencies tab is highlighted and lists the same.
#[test]
fn a_version_is_reached_through_its_dependencies() {
    let server = shared();
    let own = server.json("/api/v1/crates/rayon-core/1.4.0/security");
    assert_eq!(own["affected"], false, "{own}");

    let v = server.json("/api/v1/crates/rayon-core/1.4.0/dependencies");
    assert_eq!(v["crate"], "rayon-core");
    assert_eq!(v["resolved"], true);
    let deps: Vec<String> = v["dependencies"].as_array().unwrap().iter().map(package).collect();
    assert!(deps.contains(&"crossbeam-deque 0.2.0".to_owned()), "{deps:?}");
    assert!(!deps.iter().any(|d| d.starts_with("rayon-core ")), "the version itself is not its own dependency");
    let depth_of = |name: &str| {
        v["dependencies"].as_array().unwrap().iter().find(|d| d["name"] == name).map(|d| d["depth"].as_u64().unwrap())
    };
    assert_eq!(depth_of("crossbeam-deque"), Some(1));
    assert_eq!(depth_of("crossbeam-epoch"), Some(2));
    let advisories = v["advisories"].as_array().unwrap();
    let deque = advisories.iter().find(|a| a["id"] == "RUSTSEC-2021-0093").expect("the crossbeam-deque advisory");
    assert_eq!(deque["kind"], "vulnerability");
    assert_eq!(package(&deque["package"]), "crossbeam-deque 0.2.0");
    assert_eq!(deque["depth"], 1);
    let path: Vec<String> = deque["path"].as_array().unwrap().iter().map(package).collect();
    assert_eq!(path, ["rayon-core 1.4.0", "crossbeam-deque 0.2.0"]);
    assert_eq!(deque["fix"]["class"], "no-fixed-release", "0.7.4 came out in 2021, after the index");
    // Every finding's path starts at the version and ends at its package, one dependency per step.
    for a in advisories.iter().chain(v["older_lockfiles"].as_array().unwrap()) {
        let path: Vec<String> = a["path"].as_array().unwrap().iter().map(package).collect();
        assert_eq!(path.first().map(String::as_str), Some("rayon-core 1.4.0"), "{a}");
        assert_eq!(path.last(), Some(&package(&a["package"])), "{a}");
        assert_eq!(path.len() as u64, a["depth"].as_u64().unwrap() + 1, "{a}");
        assert!(path[1..].iter().all(|p| deps.contains(p)), "{a}");
    }
    let memoffset =
        advisories.iter().find(|a| a["id"] == "RUSTSEC-2019-0011").expect("memoffset, through crossbeam-epoch");
    assert_eq!(memoffset["fix"]["class"], "manifest-change");
    assert_eq!(package(&memoffset["fix"]["blocker"]), "crossbeam-epoch 0.3.1");
    assert_eq!(memoffset["fix"]["requirement"], "^0.2");

    // The page: the tab is highlighted, and lists every advisory of the API with its path.
    let reply = server.get("/crates/rayon-core/1.4.0/dependencies");
    assert_eq!(reply.status, 200);
    let doc = Html::parse_document(&reply.body);
    let tab = select(&doc, "nav.tabs a[aria-current=page]");
    assert_eq!(tab.len(), 1);
    assert!(text(&tab[0]).starts_with("Dependencies"), "{}", text(&tab[0]));
    assert_eq!(tab[0].value().attr("class"), Some("alert"));
    let cards: HashSet<String> =
        select(&doc, "article.card").iter().map(|c| c.value().id().unwrap().to_owned()).collect();
    let api: HashSet<String> = advisories
        .iter()
        .chain(v["older_lockfiles"].as_array().unwrap())
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(cards, api);
    let deque_card =
        select(&doc, "article.card").into_iter().find(|c| c.value().id() == Some("RUSTSEC-2021-0093")).unwrap();
    assert!(text(&deque_card).contains("rayon-core 1.4.0 → crossbeam-deque 0.2.0"), "{}", text(&deque_card));
    let rows: Vec<String> = select(&doc, "table tbody tr td:first-child").iter().map(text).collect();
    assert_eq!(rows, deps, "the table lists the API's dependencies, in order");

    // The other tabs of the same version show the Dependencies tab highlighted too.
    let security = Html::parse_document(&server.get("/crates/rayon-core/1.4.0/security").body);
    let tabs: Vec<String> = select(&security, "nav.tabs a.alert").iter().map(text).collect();
    assert!(tabs.iter().any(|t| t.starts_with("Dependencies")), "{tabs:?}");
    // A version no advisory reaches: the tab is plain and the banner says so.
    let clean = server.json("/api/v1/crates/itoa/0.4.6/dependencies");
    assert_eq!(clean["advisories"].as_array().unwrap().len(), 0, "{clean}");
    let page = Html::parse_document(&server.get("/crates/itoa/0.4.6/dependencies").body);
    assert!(select(&page, "nav.tabs a.alert").is_empty());
    assert!(text(&select(&page, ".banner.ok")[0]).contains("No known advisory affects"), "{}", page.html());
}

/// Without a version the Dependencies tab shows the default version, and the picker leads to a
/// version's tab.
#[test]
fn the_dependencies_tab_follows_the_version_picker() {
    let server = shared();
    let reply = server.get("/crates/rayon-core/dependencies");
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("rayon-core 1.7.1"), "the newest release in the 2020 index");
    let picked = server.get("/crates/rayon-core/dependencies?version=1.4.0");
    assert_eq!(picked.status, 303, "{}", picked.body);
    assert_eq!(picked.location.as_deref(), Some("/crates/rayon-core/1.4.0/dependencies"));
}

/// An advisory's reach: the counts add up, the pages cover every version exactly once, and the page's
/// Reach section shows the same counts and a chart.
#[test]
fn an_advisory_reach_is_counted_paged_and_charted() {
    let server = shared();
    let first = server.json("/api/v1/advisories/RUSTSEC-2019-0011/reach?per_page=1000");
    let counts = &first["counts"];
    let n = |k: &str| counts[k].as_u64().unwrap();
    assert_eq!(n("exposed_versions"), n("direct") + n("transitive"));
    assert_eq!(n("exposed_versions"), n("own_manifest") + n("upstream_manifest") + n("no_fixed_release"));
    assert_eq!(
        n("exposed_versions"),
        counts["by_depth"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap()).sum::<u64>()
    );
    let total = first["total"].as_u64().unwrap();
    assert_eq!(total, n("exposed_versions") + n("cargo_update") + n("affected_versions"));
    assert!(total > 1000, "memoffset's advisory reaches thousands of versions: {total}");

    let mut seen = HashSet::new();
    let mut classes = std::collections::HashMap::<String, u64>::new();
    let mut page = 1;
    loop {
        let v = server.json(&format!("/api/v1/advisories/RUSTSEC-2019-0011/reach?page={page}&per_page=1000"));
        let versions = v["versions"].as_array().unwrap();
        if versions.is_empty() {
            break;
        }
        for e in versions {
            assert!(seen.insert(format!("{} {}", e["crate"].as_str().unwrap(), e["version"].as_str().unwrap())), "{e}");
            *classes.entry(e["fix"]["class"].as_str().unwrap().to_owned()).or_default() += 1;
            let path = e["path"].as_array().unwrap();
            assert_eq!(path.len() as u64, e["depth"].as_u64().unwrap() + 1, "{e}");
            assert_eq!(path.last().unwrap()["name"], "memoffset", "{e}");
        }
        page += 1;
    }
    assert_eq!(seen.len() as u64, total);
    assert_eq!(classes.get("no-fixed-release").copied().unwrap_or(0), n("no_fixed_release"));
    assert_eq!(classes.get("manifest-change").copied().unwrap_or(0), n("own_manifest") + n("upstream_manifest"));
    assert_eq!(classes.get("cargo-update").copied().unwrap_or(0), n("cargo_update"));
    assert_eq!(classes.get("affected").copied().unwrap_or(0), n("affected_versions"));

    let doc = Html::parse_document(&server.get("/advisories/RUSTSEC-2019-0011").body);
    let section = select(&doc, "section.reach");
    assert_eq!(section.len(), 1);
    let facts = text(&section[0]);
    assert!(
        facts.contains(&format!("{} ({} direct, {} transitive)", n("exposed_versions"), n("direct"), n("transitive"))),
        "{facts}"
    );
    let svg = select(&doc, "section.reach svg[role=img]");
    assert_eq!(svg.len(), 1, "one chart");
    let bars: u64 = select(&doc, "section.reach svg rect title")
        .iter()
        .filter_map(|t| text(t).split(' ').nth(2).and_then(|n| n.parse::<u64>().ok()))
        .sum();
    assert_eq!(bars, n("exposed_versions") + n("cargo_update"), "the chart's bars add up to the counts");
    assert!(!select(&doc, "section.reach table tbody tr").is_empty(), "the most depended-upon exposed crates");

    // Bad paging and unknown ids, in the API's shape.
    for bad in ["?page=0", "?per_page=1001", "?page=x"] {
        let (status, v) =
            server.send_json("GET", &format!("/api/v1/advisories/RUSTSEC-2019-0011/reach{bad}"), None, &[]);
        assert_eq!(status, 400, "{bad}: {v}");
        assert!(v["errors"][0]["detail"].as_str().unwrap().contains("must be a number"), "{v}");
    }
    let (status, _) = server.send_json("GET", "/api/v1/advisories/RUSTSEC-1999-9999/reach", None, &[]);
    assert_eq!(status, 404);
}

/// `/ecosystem` ranks advisories as the API counts them, and charts the share of newest releases.
#[test]
fn the_ecosystem_page_ranks_advisories_by_reach() {
    let server = shared();
    let reply = server.get("/ecosystem");
    assert_eq!(reply.status, 200);
    let doc = Html::parse_document(&reply.body);
    let rows = select(&doc, "table.ranking tbody tr");
    assert_eq!(rows.len(), 100);
    let crates_of = |row: &scraper::ElementRef<'_>| -> (String, u64) {
        let cells: Vec<String> = row.select(&Selector::parse("td").unwrap()).map(|c| text(&c)).collect();
        (cells[0].clone(), cells[3].parse().unwrap())
    };
    let ranked: Vec<(String, u64)> = rows.iter().map(crates_of).collect();
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1), "ranked by exposed crates");
    for (id, crates) in ranked.iter().take(5) {
        let v = server.json(&format!("/api/v1/advisories/{id}/reach?per_page=1"));
        assert_eq!(v["counts"]["exposed_crates"].as_u64(), Some(*crates), "{id}");
    }
    assert_eq!(select(&doc, "figure.chart svg[role=img]").len(), 1);
    let share = text(&select(&doc, "figure.chart svg desc")[0]);
    assert!(share.starts_with("any advisory: "), "{share}");
    assert_eq!(server.get("/ecosystem?page=2").status, 200);
    assert_eq!(server.get("/ecosystem?page=0").status, 400);
}

/// The Atom feed of advisories reaching a crate's newest release through its dependencies.
#[test]
fn a_crate_feed_tells_of_advisories_reaching_its_newest_release() {
    let server = shared();
    let reply = server.get("/crates/rayon-core/dependencies.xml");
    assert_eq!(reply.status, 200);
    let api = server.json("/api/v1/crates/rayon-core/1.7.1/dependencies");
    let ids: Vec<&str> = api["advisories"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"RUSTSEC-2021-0093"), "{ids:?}");
    assert!(reply.body.starts_with("<?xml"), "{}", reply.body);
    assert_eq!(reply.body.matches("<entry>").count(), ids.len());
    for id in &ids {
        assert!(reply.body.contains(&format!("<title>{id}: ")), "{id}");
    }
    assert!(reply.body.contains("/crates/rayon-core/1.7.1/dependencies#RUSTSEC-2021-0093"));
    // Any case of the name; a crate the index does not have is a 404.
    assert_eq!(server.get("/crates/Rayon-Core/dependencies.xml").body, reply.body);
    assert_eq!(server.get("/crates/no-such-crate-anywhere/dependencies.xml").status, 404);
}

/// Until reach is computed, its routes say so (503 and `Retry-After`) and the pages say it is being
/// computed; never a partial answer. Then they answer.
#[test]
fn reach_routes_say_when_they_are_not_ready() {
    let server = Server::start_reach(&cratewatch_testdata::advisory_db(), None);
    let mut refused = 0;
    loop {
        let ready = server.json("/healthz")["reach"] == "ready";
        let (status, v) = server.send_json("GET", "/api/v1/crates/rayon-core/1.4.0/dependencies", None, &[]);
        if status == 200 {
            assert!(v["advisories"].as_array().unwrap().iter().any(|a| a["id"] == "RUSTSEC-2021-0093"), "{v}");
            break;
        }
        assert!(!ready, "ready, yet {status}: {v}");
        assert_eq!(status, 503, "{v}");
        assert!(v["errors"][0]["detail"].as_str().unwrap().contains("being computed"), "{v}");
        let retry = server.get("/api/v1/advisories/RUSTSEC-2021-0093/reach");
        if retry.status == 503 {
            let seconds: u64 = retry.retry_after.as_deref().expect("Retry-After").parse().unwrap();
            assert!((1..=60).contains(&seconds));
            let page = server.get("/advisories/RUSTSEC-2021-0093");
            assert_eq!(page.status, 200, "the advisory page does not wait for reach");
            refused += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_for_reach(&server);
    eprintln!("{refused} requests answered 503 while reach was computed");
}

/// A sync that adds an advisory updates reach, without resolving the registry again.
#[test]
fn a_sync_updates_reach_without_resolving_again() {
    let db = cratewatch_testdata::advisory_db_copy("server-reach-sync");
    let server = Server::start_reach(&db, Some(Duration::from_millis(500)));
    wait_for_reach(&server);
    let ids = |server: &Server| -> Vec<String> {
        let v = server.json("/api/v1/crates/rayon-core/1.4.0/dependencies");
        v["advisories"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect()
    };
    assert!(!ids(&server).contains(&"RUSTSEC-2099-0005".to_owned()));
    let before = server.get("/crates/rayon-core/1.4.0/dependencies").body;
    let health = server.json("/healthz");
    assert_eq!(health["reach_resolutions"], 1, "{health}");
    let exposures = health["reach_exposures"].as_u64().unwrap();

    let advisory = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0005\"\npackage = \"crossbeam-utils\"\ndate = \"2099-05-05\"\n\n[versions]\npatched = [\">= 99.0.0\"]\n```\n\n# A new crossbeam-utils problem\n\nDetails.\n";
    std::fs::write(db.join("crates/crossbeam-utils/RUSTSEC-2099-0005.md"), advisory).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ids(&server).contains(&"RUSTSEC-2099-0005".to_owned()) {
        assert!(Instant::now() < deadline, "reach never saw the new advisory");
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = server.get("/crates/rayon-core/1.4.0/dependencies").body;
    assert_ne!(before, after, "the cached page was replaced");
    assert!(after.contains("A new crossbeam-utils problem"));
    let reach = server.json("/api/v1/advisories/RUSTSEC-2099-0005/reach?per_page=1");
    assert!(reach["counts"]["exposed_versions"].as_u64().unwrap() > 1000, "{reach}");
    let health = server.json("/healthz");
    assert_eq!(health["reach_resolutions"], 1, "no second resolution: {health}");
    assert!(health["reach_exposures"].as_u64().unwrap() > exposures, "{health}");
}

/// A server whose index is not loaded whole computes no reach: its routes are 404 with the reason,
/// and its pages have no Dependencies tab.
#[test]
fn without_an_index_snapshot_there_is_no_reach() {
    let server = Server::start(&cratewatch_testdata::advisory_db(), None, None);
    let (status, v) = server.send_json("GET", "/api/v1/advisories/RUSTSEC-2021-0093/reach", None, &[]);
    assert_eq!(status, 404, "{v}");
    assert!(v["errors"][0]["detail"].as_str().unwrap().contains("--index DIR"), "{v}");
    assert_eq!(server.json("/healthz")["reach"], "off");
    let page = server.get("/crates/crossbeam-deque/security");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/dependencies\""), "no Dependencies tab");
    assert!(!server.get("/advisories/RUSTSEC-2021-0093").body.contains("section class=\"reach\""));
}

/// Stopping the service while the registry is being resolved does not wait for the resolution: it
/// gives up (a minute of waiting on a large registry otherwise, as the runtime waits for its blocking
/// tasks). Were it not stopped, the runtime's shutdown would run it to its end before returning.
#[test]
fn stopping_the_service_abandons_the_resolution() {
    let server = Server::start_reach(&cratewatch_testdata::advisory_db(), None);
    let state = std::sync::Arc::clone(&server.state);
    let deadline = Instant::now() + Duration::from_secs(60);
    while state.reach_progress().1 == 0 {
        assert!(Instant::now() < deadline, "the resolution did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    drop(server);
    let (done, total) = state.reach_progress();
    eprintln!("stopped after {:?}, with {done} of {total} versions resolved", started.elapsed());
    assert!(done < total, "the resolution ran to its end ({done} of {total}) before the service stopped");
}
