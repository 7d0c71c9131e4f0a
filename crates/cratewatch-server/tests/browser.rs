//! Browser tests: the pages as a real headless Chromium shows them, driven over WebDriver.
//!
//! The test starts `chromedriver` on a free loopback port and two servers in-process through
//! [`cratewatch_server::serve`], both over the 2020 registry index: one with the real RustSec database
//! and one with a scratch copy of it that holds one extra, hostile advisory (for the XSS checks).
//! Every expectation about the data (which versions are affected, how many advisories a crate has,
//! which crate is unmaintained) comes from the JSON API or the database, never from a guess.
//!
//! It needs `chromium` and `chromedriver` on `PATH` (Debian and Ubuntu: `apt-get install chromium
//! chromium-driver`; `scripts/test.sh` installs them when they are missing). Without them the test
//! fails with that advice: it never skips.
//!
//! All checks run in one browser session, one after the other. Each is named; a failing check does
//! not stop the others, and the test fails at the end listing every failed check with its reason.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use cratewatch_index::{CrateSource, IndexDir, IndexSnapshot};
use cratewatch_server::{DbSource, ServeConfig, Settings, serve};
use cratewatch_testdata::{advisory_db, advisory_db_copy, crates_index_2020};
use fantoccini::{Client, Locator};
use semver::Version;
use serde_json::{Value, json};

use crate::chrome::{Driver, Tools};

/// Largest HTML document accepted, in bytes.
const MAX_PAGE_BYTES: usize = 100 * 1024;

/// The crate that gets the hostile advisory in the scratch database. It has no advisory of its own in
/// the real database (checked), and the 2020 index lists it, so its pages have versions.
const XSS_CRATE: &str = "lazy_static";
const XSS_ID: &str = "RUSTSEC-2020-9999";
const XSS_ADVISORY: &str = r#"```toml
[advisory]
id = "RUSTSEC-2020-9999"
package = "lazy_static"
date = "2020-06-01"
url = "https://example.invalid/xss"

[versions]
patched = [">= 1.4.0"]
```

# Hostile description used by the browser tests

This text has a **bold** word, which must render.

<script>window.__xss=1</script>

<img src=x onerror="window.__xss=2">

A [javascript link](javascript:window.__xss=3) and <a href="javascript:window.__xss=4">another</a>.

<iframe src="javascript:window.__xss=5"></iframe>
"#;

#[test]
fn pages_in_headless_chromium() {
    let tools = Tools::find();
    let real = Server::start(&advisory_db(), true);
    let hostile = Server::start(&xss_database(), false);
    let driver = Driver::start(&tools, "browser-chromedriver");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("test runtime");
    let failures = runtime.block_on(async {
        let client = driver.session(&tools, &["--window-size=1280,1000"]).await;
        let mut s =
            Session { client, real: real.addr, hostile: hostile.addr, visited: Vec::new(), saw_alert: [false; 2] };
        let mut failures = Vec::new();
        let mut record = |name: &str, result: Result<()>| match result {
            Ok(()) => eprintln!("ok      {name}"),
            Err(e) => {
                eprintln!("FAILED  {name}: {e:#}");
                failures.push(format!("{name}: {e:#}"));
            }
        };
        record("security tab follows the selected version", s.security_tab().await);
        record("unmaintained banner", s.unmaintained_banner().await);
        record("search lands on the right page", s.search().await);
        record("error pages", s.error_pages().await);
        record("withdrawn titles struck, cards and banners told apart", s.advisory_styles().await);
        record("the version picker works without script", s.version_picker().await);
        record("advisory Markdown cannot run script", s.xss().await);
        record("a page on another origin reads the public APIs, not the workflow's", s.cross_origin().await);
        record("accessibility basics", s.accessibility().await);
        record("screenshots of the advisory and crate pages", s.screenshots().await);
        record("reach: the Dependencies tab, the Reach chart and /ecosystem", s.reach().await);
        record("page weight and no script on every page visited", s.weight_and_scripts().await);
        if let Err(e) = s.client.close().await {
            eprintln!("closing the browser session failed: {e}");
        }
        failures
    });
    drop(driver);
    real.stop();
    hostile.stop();
    assert!(failures.is_empty(), "{} browser check(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// The browser session and the servers it talks to.
struct Session {
    client: Client,
    real: SocketAddr,
    hostile: SocketAddr,
    /// Every URL the browser arrived at, for the page-weight check.
    visited: Vec<String>,
    /// Whether a Security tab was seen highlighted (`[true, _]`) and not highlighted (`[_, true]`).
    saw_alert: [bool; 2],
}

/// What the browser reports about the page it just loaded.
struct Arrival {
    /// The HTTP status of the document, as the browser's Navigation Timing entry gives it.
    status: u16,
}

impl Session {
    // ---- navigation --------------------------------------------------------------------------

    /// A registry front end on another origin (another port) reads the public JSON API, the OSV API
    /// (whose JSON POST needs a CORS preflight), `/packages` and a feed with `fetch`, and is refused
    /// the workflow's API: the browser enforces what the server's CORS headers say.
    async fn cross_origin(&mut self) -> Result<()> {
        let api = format!("http://{}", self.real);
        let page = format!(
            r#"<!doctype html><title>front end</title><pre id="out"></pre><script>
const base = "{api}";
async function probe(name, run) {{
  try {{ return [name, await run()]; }} catch (e) {{ return [name, "blocked: " + e.name]; }}
}}
Promise.all([
  probe("api", async () => (await (await fetch(base + "/api/v1/crates/smallvec/security")).json()).crate.name),
  probe("osv", async () => (await (await fetch(base + "/v1/query", {{method: "POST",
      headers: {{"content-type": "application/json"}},
      body: JSON.stringify({{package: {{purl: "pkg:cargo/smallvec@0.6.9"}}}})}})).json()).vulns.length),
  probe("packages", async () => (await (await fetch(base + "/packages/smallvec.json")).json()).length),
  probe("feed", async () => (await (await fetch(base + "/feed.xml")).text()).includes("<feed")),
  probe("workflow", async () => "read " + (await fetch(base + "/api/v1/reports")).status),
]).then(r => {{ document.getElementById("out").textContent = JSON.stringify(Object.fromEntries(r)); }});
</script>"#
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let origin = listener.local_addr()?;
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    page.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(page.as_bytes());
            }
        });
        self.client.goto(&format!("http://{origin}/")).await?;
        let deadline = Instant::now() + Duration::from_secs(15);
        let out = loop {
            let text = self.client.execute("return document.getElementById('out').textContent;", vec![]).await?;
            if let Some(text) = text.as_str().filter(|t| !t.is_empty()) {
                break serde_json::from_str::<Value>(text)?;
            }
            ensure!(Instant::now() < deadline, "the cross-origin page never finished its requests");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let expected_osv = get_json(self.real, "/api/v1/crates/smallvec/0.6.9/security")?["advisories"]
            .as_array()
            .map_or(0, |a| a.iter().filter(|a| a["collection"] == "crates").count());
        ensure!(out["api"] == "smallvec", "the JSON API from another origin: {out}");
        ensure!(
            out["osv"] == expected_osv && expected_osv > 0,
            "the OSV query (with its preflight): {out}, expected {expected_osv}"
        );
        ensure!(out["packages"].as_u64().is_some_and(|n| n >= 3), "/packages from another origin: {out}");
        ensure!(out["feed"] == true, "the feed from another origin: {out}");
        ensure!(
            out["workflow"].as_str().is_some_and(|w| w.starts_with("blocked")),
            "the workflow's API must be unreadable from another origin: {out}"
        );
        Ok(())
    }

    /// Loads `path` from `server` and waits for it.
    async fn open(&mut self, server: SocketAddr, path: &str) -> Result<Arrival> {
        let url = format!("http://{server}{path}");
        self.client.goto(&url).await.with_context(|| format!("loading {url}"))?;
        self.arrive(server, path).await
    }

    /// Waits until the browser shows `path` (path and query) of `server`, fully loaded, then checks
    /// what every page must satisfy: no `<script>` element. Records the URL.
    async fn arrive(&mut self, server: SocketAddr, path: &str) -> Result<Arrival> {
        let wanted = format!("http://{server}{path}");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let state = self.client.execute("return {url: location.href, ready: document.readyState};", vec![]).await?;
            if state["url"] == wanted.as_str() && state["ready"] == "complete" {
                break;
            }
            if Instant::now() > deadline {
                bail!("expected the browser at {wanted}, but it is at {} ({})", state["url"], state["ready"]);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let page = self.client.execute(PAGE_FACTS, vec![]).await?;
        ensure!(page["scripts"] == 0, "{wanted} has {} <script> element(s)", page["scripts"]);
        let status = page["status"].as_u64().ok_or_else(|| anyhow!("{wanted}: no navigation status: {page}"))?;
        self.visited.push(wanted);
        Ok(Arrival { status: u16::try_from(status)? })
    }

    /// Evaluates `script` (a function body that returns JSON) in the page.
    async fn js(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Types `query` into the header's search box and submits it with the button.
    async fn type_search(&mut self, query: &str) -> Result<()> {
        self.open(self.real, "/").await?;
        let input =
            self.client.find(Locator::Css("header.site input[name=q]")).await.context("the header search box")?;
        input.send_keys(query).await?;
        self.client.find(Locator::Css("header.site button[type=submit]")).await?.click().await?;
        Ok(())
    }

    // ---- the checks ---------------------------------------------------------------------------

    /// The Security tab: count, highlighting for the default and for explicit versions, navigation by
    /// clicking, one `h1`, the versions table and the advisory cards, against the JSON API.
    async fn security_tab(&mut self) -> Result<()> {
        // smallvec: every version of it in the 2020 index is affected; spin: its default version is
        // not, and one of its advisories is withdrawn; tokio: affected and unaffected versions besides
        // the default. Which is which comes from the API below.
        let mut explicit = [false; 2];
        for name in ["smallvec", "spin", "tokio"] {
            let seen = self.crate_tab(name).await.with_context(|| format!("crate {name}"))?;
            explicit = [explicit[0] || seen[0], explicit[1] || seen[1]];
        }
        ensure!(
            self.saw_alert == [true, true] && explicit == [true, true],
            "the checks must see the tab both highlighted and not, by default and for an explicit version \
             (highlighted: {}, not highlighted: {}; explicit affected: {}, explicit unaffected: {})",
            self.saw_alert[0],
            self.saw_alert[1],
            explicit[0],
            explicit[1]
        );
        Ok(())
    }

    /// Checks one crate; says whether an explicit affected and an explicit unaffected version were seen.
    async fn crate_tab(&mut self, name: &str) -> Result<[bool; 2]> {
        let api = ApiCrate::get(self.real, name)?;
        let default = api.default_version().ok_or_else(|| anyhow!("no versions in the API"))?;
        let default_affected = api_version_affected(self.real, name, &default)?;
        ensure!(
            default_affected == api.affected(&default),
            "the version endpoint and the crate endpoint disagree on {default}"
        );

        // The overview of the default version.
        self.open(self.real, &format!("/crates/{name}")).await?;
        self.expect_tab(name, &default.to_string(), default_affected, api.live, "Overview").await?;

        // Click the tab.
        let link = self.client.find(Locator::Css("nav.tabs a[href$='/security']")).await?;
        link.click().await?;
        let security = format!("/crates/{name}/security");
        self.arrive(self.real, &security).await.context("clicking the Security tab")?;
        self.expect_tab(name, &default.to_string(), default_affected, api.live, "Security").await?;

        let page = self.js(SECURITY_FACTS).await?;
        ensure!(page["h1"] == 1, "{security} has {} h1 elements, expected exactly one", page["h1"]);
        ensure!(
            page["liveCards"] == api.live,
            "{security}: {} non-withdrawn advisory cards, but the tab says {}",
            page["liveCards"],
            api.live
        );
        ensure!(
            page["withdrawnCards"] == api.withdrawn,
            "{security}: {} withdrawn cards, the API has {} withdrawn advisories",
            page["withdrawnCards"],
            api.withdrawn
        );
        let rows = page["rows"].as_array().ok_or_else(|| anyhow!("no versions table on {security}"))?;
        ensure!(rows.len() == api.versions.len(), "{} table rows for {} versions", rows.len(), api.versions.len());
        for (row, version) in rows.iter().zip(&api.versions) {
            ensure!(row["version"] == version.num.as_str(), "row {row} where version {} was expected", version.num);
            let affected = !version.advisories.is_empty();
            let marked = row["class"] == "a";
            ensure!(
                marked == affected,
                "row of {} is marked {} but the API lists {:?}",
                version.num,
                row["class"],
                version.advisories
            );
            ensure!(
                row["status"] == if affected { "affected" } else { "not affected" },
                "row of {}: status {}",
                version.num,
                row["status"]
            );
            let listed: BTreeSet<&str> =
                row["ids"].as_str().unwrap_or("").split(", ").filter(|s| !s.is_empty()).collect();
            let expected: BTreeSet<&str> = version.advisories.iter().map(String::as_str).collect();
            ensure!(listed == expected, "row of {} lists {listed:?}, the API {expected:?}", version.num);
        }

        // An explicit affected and an explicit unaffected version, when the crate has one of each.
        let affected = api.versions.iter().find(|v| !v.advisories.is_empty() && v.num != default.to_string());
        let unaffected = api.versions.iter().find(|v| v.advisories.is_empty() && v.num != default.to_string());
        let mut seen = [false; 2];
        for version in affected.into_iter().chain(unaffected) {
            let num = Version::parse(&version.num)?;
            let expected = api_version_affected(self.real, name, &num)?;
            let path = format!("/crates/{name}/{num}/security");
            self.open(self.real, &path).await?;
            self.expect_tab(name, &version.num, expected, api.live, "Security").await.with_context(|| path.clone())?;
            seen[usize::from(!expected)] = true;
        }
        Ok(seen)
    }

    /// The tab bar on the current crate page: shown version, count, highlight and current tab.
    async fn expect_tab(
        &mut self,
        name: &str,
        version: &str,
        affected: bool,
        count: usize,
        current: &str,
    ) -> Result<()> {
        let tab = self.js(TAB_FACTS).await?;
        let here = &tab["url"];
        ensure!(tab["nav"] == true, "{here}: no nav.tabs");
        ensure!(tab["h1"].as_str().is_some_and(|h| h.starts_with(name)), "{here}: h1 is {}", tab["h1"]);
        ensure!(tab["version"] == version, "{here}: the header shows version {}, expected {version}", tab["version"]);
        ensure!(
            tab["count"] == count.to_string().as_str(),
            "{here}: the tab count is {}, expected {count}",
            tab["count"]
        );
        ensure!(
            tab["alert"] == affected,
            "{here}: the Security tab is {} but version {version} is {}",
            if tab["alert"] == true { "highlighted" } else { "not highlighted" },
            if affected { "affected" } else { "not affected" }
        );
        ensure!(tab["current"] == current, "{here}: the current tab is {}, expected {current}", tab["current"]);
        self.saw_alert[usize::from(!affected)] = true;
        Ok(())
    }

    /// The unmaintained banner: on the first crate (by name) of the 2020 index with a crate-wide
    /// unmaintained advisory, and not on smallvec.
    async fn unmaintained_banner(&mut self) -> Result<()> {
        let all = get_json(self.real, "/api/v1/advisories")?;
        let mut candidates: Vec<(&str, &str)> = all["advisories"]
            .as_array()
            .ok_or_else(|| anyhow!("no advisories array"))?
            .iter()
            .filter(|a| crate_wide_unmaintained(a) && a["collection"] == "crates")
            .filter_map(|a| Some((a["crate"].as_str()?, a["id"].as_str()?)))
            .collect();
        candidates.sort();
        let mut found = None;
        for (name, id) in candidates {
            if !ApiCrate::get(self.real, name)?.versions.is_empty() {
                found = Some((name.to_owned(), id.to_owned()));
                break;
            }
        }
        let (name, id) =
            found.ok_or_else(|| anyhow!("no crate of the 2020 index has a crate-wide unmaintained advisory"))?;
        for path in [format!("/crates/{name}"), format!("/crates/{name}/security")] {
            self.open(self.real, &path).await?;
            let banner = self.js(BANNER_FACTS).await?;
            ensure!(banner["text"].as_str().is_some_and(|t| t.starts_with("Unmaintained")), "{path}: banner {banner}");
            ensure!(
                banner["link"] == format!("/advisories/{id}").as_str(),
                "{path}: the banner links to {}",
                banner["link"]
            );
        }

        let smallvec = get_json(self.real, "/api/v1/crates/smallvec/security")?;
        let advisories = smallvec["advisories"].as_array().ok_or_else(|| anyhow!("smallvec: no advisories"))?;
        ensure!(!advisories.iter().any(crate_wide_unmaintained), "smallvec is unmaintained in this snapshot");
        self.open(self.real, "/crates/smallvec").await?;
        let banner = self.js(BANNER_FACTS).await?;
        ensure!(banner["text"].is_null(), "/crates/smallvec has a banner: {banner}");
        Ok(())
    }

    /// The search form: a RUSTSEC id (as written and in lower case), a CVE alias and a crate name land
    /// on their pages; a query that matches nothing shows the empty state.
    async fn search(&mut self) -> Result<()> {
        let smallvec = get_json(self.real, "/api/v1/crates/smallvec/security")?;
        let first = &smallvec["advisories"][0];
        let id = first["id"].as_str().ok_or_else(|| anyhow!("smallvec has no advisory"))?.to_owned();

        // A CVE alias of a smallvec advisory that no other advisory shares.
        let all = get_json(self.real, "/api/v1/advisories")?;
        let aliases: Vec<&str> = all["advisories"]
            .as_array()
            .ok_or_else(|| anyhow!("no advisories array"))?
            .iter()
            .flat_map(|a| a["aliases"].as_array().into_iter().flatten().filter_map(Value::as_str))
            .collect();
        let (cve, cve_id) = smallvec["advisories"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|a| {
                a["aliases"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(move |alias| (alias, a["id"].as_str()))
            })
            .find(|(alias, _)| alias.starts_with("CVE-") && aliases.iter().filter(|a| *a == alias).count() == 1)
            .and_then(|(alias, id)| Some((alias.to_owned(), id?.to_owned())))
            .ok_or_else(|| anyhow!("no unique CVE alias among smallvec's advisories"))?;

        for (query, landing) in [
            (id.clone(), format!("/advisories/{id}")),
            (id.to_ascii_lowercase(), format!("/advisories/{id}")),
            (cve.clone(), format!("/advisories/{cve_id}")),
            ("smallvec".to_owned(), "/crates/smallvec/security".to_owned()),
        ] {
            self.type_search(&query).await?;
            let arrival = self.arrive(self.real, &landing).await.with_context(|| format!("searching `{query}`"))?;
            ensure!(arrival.status == 200, "searching `{query}` ended on status {}", arrival.status);
            if landing.starts_with("/advisories/") {
                let heading =
                    self.js("return document.querySelector('article.advisory h1')?.textContent ?? null;").await?;
                let want = landing.trim_start_matches("/advisories/");
                ensure!(
                    heading.as_str().is_some_and(|h| h.starts_with(want)),
                    "searching `{query}`: heading {heading}"
                );
            }
        }

        let nonsense = "qzxv nothing matches this";
        self.type_search(nonsense).await?;
        let arrival = self.arrive(self.real, "/search?q=qzxv+nothing+matches+this").await?;
        ensure!(arrival.status == 200, "the empty search ended on status {}", arrival.status);
        let page = self.js(SEARCH_FACTS).await?;
        ensure!(page["h2"] == json!(["Crates (0)", "Advisories (0)"]), "empty search headings: {}", page["h2"]);
        ensure!(
            page["empty"]
                == json!([format!("No crate matches “{nonsense}”."), format!("No advisory matches “{nonsense}”.")]),
            "empty search messages: {}",
            page["empty"]
        );
        ensure!(page["value"] == nonsense, "the search box keeps the query: {}", page["value"]);
        Ok(())
    }

    /// An unknown crate shows the 404 page and an invalid version the 400 page, each with a message
    /// that says what is wrong.
    async fn error_pages(&mut self) -> Result<()> {
        let cases = [
            ("/crates/surely-no-such-crate-4242", 404, "Not found", "no crate named `surely-no-such-crate-4242`"),
            (
                "/crates/surely-no-such-crate-4242/security",
                404,
                "Not found",
                "no crate named `surely-no-such-crate-4242`",
            ),
            ("/crates/smallvec/not-a-version", 400, "Bad request", "`not-a-version` is not a semantic version"),
            ("/crates/smallvec/1.x/security", 400, "Bad request", "`1.x` is not a semantic version"),
            ("/crates/smallvec/99.0.0/security", 404, "Not found", "smallvec has no published version 99.0.0"),
        ];
        for (path, status, title, message) in cases {
            let arrival = self.open(self.real, path).await?;
            ensure!(arrival.status == status, "{path}: the browser got status {}, expected {status}", arrival.status);
            let page = self.js(ERROR_FACTS).await?;
            ensure!(page["h1"] == json!([title]), "{path}: headings {}", page["h1"]);
            ensure!(
                page["alert"].as_str().is_some_and(|a| a.contains(message)),
                "{path}: message {} lacks `{message}`",
                page["alert"]
            );
            ensure!(page["title"].as_str().is_some_and(|t| t.starts_with(title)), "{path}: title {}", page["title"]);
        }
        Ok(())
    }

    /// The hostile advisory, on its crate's Security tab and on its own page: nothing ran, nothing
    /// dangerous is in the DOM, and the harmless Markdown rendered.
    async fn xss(&mut self) -> Result<()> {
        for path in [format!("/crates/{XSS_CRATE}/security"), format!("/advisories/{XSS_ID}")] {
            let arrival = self.open(self.hostile, &path).await?;
            ensure!(arrival.status == 200, "{path}: status {}", arrival.status);
            let page = self.js(XSS_FACTS).await?;
            ensure!(page["xss"] == "undefined", "{path}: window.__xss is {}: a script ran", page["xss"]);
            ensure!(
                page["descriptions"] == 1,
                "{path}: {} descriptions with our text, expected 1",
                page["descriptions"]
            );
            ensure!(
                page["dangerous"] == json!([]),
                "{path}: dangerous elements in .description: {}",
                page["dangerous"]
            );
            ensure!(page["handlers"] == json!([]), "{path}: event-handler attributes: {}", page["handlers"]);
            ensure!(page["jsUrls"] == json!([]), "{path}: javascript: URLs: {}", page["jsUrls"]);
            ensure!(page["bold"] == json!(["bold"]), "{path}: the bold word did not render: {}", page["bold"]);
            ensure!(page["linkText"] == true, "{path}: the link texts are gone");
            let raw = http_get(self.hostile, &path)?;
            let text = String::from_utf8_lossy(&raw.body).to_ascii_lowercase();
            for needle in ["<script", "<iframe", "onerror", "javascript:"] {
                ensure!(!text.contains(needle), "{path}: the HTML contains `{needle}`");
            }
        }
        Ok(())
    }

    /// Accessibility basics on each kind of page.
    async fn accessibility(&mut self) -> Result<()> {
        let pages = [
            ("/", false, true),
            ("/crates/smallvec", true, true),
            ("/crates/smallvec/security", true, true),
            ("/crates/spin/security", true, true),
            ("/crates/smallvec/1.4.1/security", true, true),
            ("/advisories/RUSTSEC-2019-0009", false, true),
            ("/advisories/RUSTSEC-2021-0078", false, true),
            ("/crates/smallvec/0.6.9/security", true, true),
            ("/search?q=memory+corruption", false, true),
            ("/crates/surely-no-such-crate-4242", false, true),
        ];
        let mut lowest: Option<(f64, String)> = None;
        for (path, tabs, headings_from_h1) in pages {
            self.open(self.real, path).await?;
            let a = self.js(A11Y_FACTS).await?;
            ensure!(a["lang"].as_str().is_some_and(|l| !l.is_empty()), "{path}: html has no lang");
            ensure!(a["unlabelled"] == json!([]), "{path}: inputs without a label: {}", a["unlabelled"]);
            ensure!(a["imagesWithoutAlt"] == 0, "{path}: {} images without alt", a["imagesWithoutAlt"]);
            if tabs {
                ensure!(
                    a["tabsLabel"].as_str().is_some_and(|l| !l.trim().is_empty()),
                    "{path}: nav.tabs has no aria-label"
                );
            }
            let levels: Vec<u64> = a["headings"].as_array().into_iter().flatten().filter_map(Value::as_u64).collect();
            if headings_from_h1 {
                ensure!(levels.first() == Some(&1), "{path}: the first heading is h{:?}, not h1", levels.first());
            }
            if let Some(w) = levels.windows(2).find(|w| w[1] > w[0] + 1) {
                bail!("{path}: heading levels skip from h{} to h{} ({levels:?})", w[0], w[1]);
            }
            let body = a["bodyContrast"].as_f64().ok_or_else(|| anyhow!("{path}: no body contrast: {a}"))?;
            ensure!(body >= 4.5, "{path}: body text contrast {body:.2}:1 is under 4.5:1");
            ensure!(a["lowContrast"] == json!([]), "{path}: text under the contrast minimum: {}", a["lowContrast"]);
            let min = a["minContrast"].as_f64().unwrap_or(f64::INFINITY);
            if lowest.as_ref().is_none_or(|(m, _)| min < *m) {
                lowest = Some((min, path.to_owned()));
            }
        }
        if let Some((min, path)) = lowest {
            eprintln!("        lowest text contrast: {min:.2}:1 (on {path})");
        }
        Ok(())
    }

    /// What only rendering shows: a withdrawn advisory's own title is struck through; on a crate page,
    /// cards of advisories that affect other versions only look unlike those that affect the selected
    /// version; a version concerned only by informational advisories gets a banner that is not red.
    async fn advisory_styles(&mut self) -> Result<()> {
        let all = get_json(self.real, "/api/v1/advisories")?;
        let advisories = all["advisories"].as_array().ok_or_else(|| anyhow!("no advisories array"))?;
        let withdrawn = advisories
            .iter()
            .filter(|a| !a["withdrawn"].is_null())
            .filter_map(|a| a["id"].as_str())
            .min()
            .ok_or_else(|| anyhow!("no withdrawn advisory"))?
            .to_owned();
        let path = format!("/advisories/{withdrawn}");
        self.open(self.real, &path).await?;
        let title = self.js(WITHDRAWN_FACTS).await?;
        ensure!(
            title["decoration"].as_str().is_some_and(|d| d.contains("line-through")),
            "{path}: the title is not struck through: {title}"
        );
        ensure!(title["notice"].as_str().is_some_and(|n| n.starts_with("Withdrawn on")), "{path}: {title}");

        let path = "/crates/smallvec/0.6.9/security";
        self.open(self.real, path).await?;
        let cards = self.js(CARD_FACTS).await?;
        let (affects, other) = (&cards["affects"], &cards["other"]);
        ensure!(!affects.is_null() && !other.is_null(), "{path}: both kinds of card expected: {cards}");
        ensure!(affects["background"] != other["background"], "{path}: the cards have one background: {cards}");
        ensure!(affects["border"] != other["border"], "{path}: the cards have one border: {cards}");
        ensure!(other["label"] == "does not affect 0.6.9" && affects["label"] == "affects 0.6.9", "{path}: {cards}");
        let red = self.js(BANNER_COLOUR).await?;

        // A version concerned by unmaintained or notice advisories only.
        let mut calm = None;
        let mut names: Vec<&str> = advisories
            .iter()
            .filter(|a| matches!(a["kind"].as_str(), Some("unmaintained" | "notice")) && a["collection"] == "crates")
            .filter_map(|a| a["crate"].as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        'crates: for name in names {
            let body = get_json(self.real, &format!("/api/v1/crates/{name}/security"))?;
            let kinds: Vec<(&str, &str)> = body["advisories"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| Some((a["id"].as_str()?, a["kind"].as_str()?)))
                .collect();
            for v in body["crate"]["versions"].as_array().into_iter().flatten() {
                let ids: Vec<&str> =
                    v["advisories"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                let informational =
                    |id: &&str| kinds.iter().any(|(i, k)| i == id && matches!(*k, "unmaintained" | "notice"));
                if !ids.is_empty() && ids.iter().all(informational) {
                    calm = Some(format!("/crates/{name}/{}", v["num"].as_str().unwrap_or_default()));
                    break 'crates;
                }
            }
        }
        let path = calm.ok_or_else(|| anyhow!("no version is concerned by informational advisories only"))?;
        self.open(self.real, &path).await?;
        let info = self.js(BANNER_COLOUR).await?;
        let rgb = |v: &Value| -> Vec<f64> {
            v.as_str()
                .unwrap_or_default()
                .trim_start_matches("rgba(")
                .trim_start_matches("rgb(")
                .trim_end_matches(')')
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect()
        };
        let (r, i) = (rgb(&red["background"]), rgb(&info["background"]));
        ensure!(r.len() >= 3 && i.len() >= 3, "banner colours: {red} and {info}");
        ensure!(r[0] > r[2] + 8.0, "the vulnerability banner is not red: {red}");
        ensure!(i[2] > i[0] + 8.0, "{path}: the informational banner is not calm (blue): {info}");
        ensure!(info["role"] == "note" && red["role"] == "alert", "banner roles: {red} and {info}");
        Ok(())
    }

    /// The version picker: choosing a version in the `<select>` and pressing the button lands on that
    /// version's page of the same tab, through the server's redirect.
    async fn version_picker(&mut self) -> Result<()> {
        for (start, tab) in [("/crates/smallvec/security", "/security"), ("/crates/smallvec", "")] {
            self.open(self.real, start).await?;
            let api = ApiCrate::get(self.real, "smallvec")?;
            let default = api.default_version().ok_or_else(|| anyhow!("no default version"))?.to_string();
            let pick = api
                .versions
                .iter()
                .map(|v| v.num.clone())
                .find(|v| *v != default)
                .ok_or_else(|| anyhow!("smallvec has one version"))?;
            let select = self.client.find(Locator::Css("form.picker select")).await.context("the version picker")?;
            select.select_by_value(&pick).await?;
            self.client.find(Locator::Css("form.picker button[type=submit]")).await?.click().await?;
            let landing = format!("/crates/smallvec/{pick}{tab}");
            let arrival =
                self.arrive(self.real, &landing).await.with_context(|| format!("picking {pick} on {start}"))?;
            ensure!(arrival.status == 200, "{landing}: status {}", arrival.status);
            let shown = self
                .js("return document.querySelector('h1 small')?.textContent.replace(' (yanked)', '') ?? null;")
                .await?;
            ensure!(shown == pick.as_str(), "{landing}: the header shows {shown}");
            let selected = self.js("return document.querySelector('form.picker select').value;").await?;
            ensure!(selected == pick.as_str(), "{landing}: the picker shows {selected}");
        }
        Ok(())
    }

    /// Screenshots for the README: an advisory with a CVSS v3.1 vector, a withdrawn advisory and a
    /// crate page whose cards affect the selected version and others. They go to
    /// `target/test-scratch/walkthrough-pages/`, or with `CRATEWATCH_UPDATE_WALKTHROUGH=1` to
    /// `docs/walkthrough/` (so that running the tests leaves the tree clean).
    async fn screenshots(&mut self) -> Result<()> {
        let all = get_json(self.real, "/api/v1/advisories")?;
        let advisories = all["advisories"].as_array().ok_or_else(|| anyhow!("no advisories array"))?;
        let mut withdrawn: Vec<&str> = advisories
            .iter()
            .filter(|a| !a["withdrawn"].is_null() && a["collection"] == "crates")
            .filter_map(|a| a["id"].as_str())
            .collect();
        withdrawn.sort_unstable();
        let withdrawn = withdrawn.first().ok_or_else(|| anyhow!("no withdrawn advisory"))?.to_string();
        let dir = if std::env::var_os("CRATEWATCH_UPDATE_WALKTHROUGH").is_some_and(|v| v == "1") {
            cratewatch_testdata::workspace_root().join("docs/walkthrough")
        } else {
            cratewatch_testdata::scratch_dir("walkthrough-pages")
        };
        std::fs::create_dir_all(&dir)?;
        // The crate page is long: its top, then its "affects other versions only" section.
        for (name, path, scroll) in [
            ("pages-1-advisory-cvss", "/advisories/RUSTSEC-2021-0078".to_owned(), false),
            ("pages-2-withdrawn-advisory", format!("/advisories/{withdrawn}"), false),
            ("pages-3-crate-mixed-cards", "/crates/smallvec/0.6.9/security".to_owned(), false),
            ("pages-4-crate-other-versions", "/crates/smallvec/0.6.9/security".to_owned(), true),
        ] {
            let arrival = self.open(self.real, &path).await?;
            ensure!(arrival.status == 200, "{path}: status {}", arrival.status);
            let size = self.js(SHOT_SIZE).await?;
            let number = |key: &str| size[key].as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
            let height = if scroll { 1100 } else { number("page").clamp(600, SHOT_MAX_HEIGHT) } + number("chrome");
            self.client.set_window_size(SHOT_WIDTH, height).await?;
            if scroll {
                let found = self.js(SCROLL_TO_OTHER).await?;
                ensure!(found == true, "{path}: no card of an advisory affecting other versions only");
            }
            let png = self.client.screenshot().await;
            self.client.set_window_size(SHOT_WIDTH, 1000).await?;
            let png = png?;
            ensure!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
            let file = dir.join(format!("{name}.png"));
            std::fs::write(&file, png).with_context(|| format!("writing {}", file.display()))?;
        }
        eprintln!("        screenshots in {}", dir.display());
        Ok(())
    }

    /// Ecosystem reach in the browser: `rayon-core` 1.4.0's Dependencies tab is highlighted and shows
    /// the crossbeam-deque advisory with its path; an advisory's Reach chart and the `/ecosystem` chart
    /// are drawn (SVG without script, under the strict CSP) with bars of real size. Screenshots go with
    /// the others.
    async fn reach(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(300);
        while get_json(self.real, "/healthz")?["reach"] != "ready" {
            ensure!(Instant::now() < deadline, "reach was not computed within five minutes");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let path = "/crates/rayon-core/1.4.0/dependencies";
        let arrival = self.open(self.real, path).await?;
        ensure!(arrival.status == 200, "{path}: status {}", arrival.status);
        let tab = self
            .js(r#"const a = document.querySelector("nav.tabs a[aria-current=page]");
return {text: a.textContent, alert: a.classList.contains("alert"), colour: getComputedStyle(a).color};"#)
            .await?;
        ensure!(tab["text"].as_str().is_some_and(|t| t.starts_with("Dependencies")), "{path}: current tab {tab}");
        ensure!(tab["alert"] == true, "{path}: the Dependencies tab is not highlighted: {tab}");
        let card = self
            .js(r#"const c = document.getElementById("RUSTSEC-2021-0093");
return c ? {path: c.querySelector("p.path").textContent, height: c.getBoundingClientRect().height} : null;"#)
            .await?;
        ensure!(
            card["path"].as_str().is_some_and(|p| p.contains("rayon-core 1.4.0 → crossbeam-deque 0.2.0")),
            "{path}: the crossbeam-deque card: {card}"
        );
        ensure!(card["height"].as_f64().is_some_and(|h| h > 20.0), "{path}: the card is not laid out: {card}");
        for (path, svg) in [("/advisories/RUSTSEC-2019-0011", "section.reach svg"), ("/ecosystem", "figure.chart svg")]
        {
            let arrival = self.open(self.real, path).await?;
            ensure!(arrival.status == 200, "{path}: status {}", arrival.status);
            let chart = self
                .js(&format!(
                    r#"const s = document.querySelector("{svg}");
if (!s) return null;
const box = s.getBoundingClientRect();
const bars = [...s.querySelectorAll("rect")].map(r => r.getBoundingClientRect()).filter(b => b.width > 1 && b.height > 1);
return {{width: box.width, height: box.height, bars: bars.length}};"#
                ))
                .await?;
            ensure!(chart["width"].as_f64().is_some_and(|w| w > 300.0), "{path}: the chart is not drawn: {chart}");
            ensure!(chart["bars"].as_u64().is_some_and(|n| n >= 3), "{path}: the chart has no bars: {chart}");
        }
        let dir = if std::env::var_os("CRATEWATCH_UPDATE_WALKTHROUGH").is_some_and(|v| v == "1") {
            cratewatch_testdata::workspace_root().join("docs/walkthrough")
        } else {
            cratewatch_testdata::scratch_dir("walkthrough-pages")
        };
        for (name, path) in
            [("pages-5-dependencies-tab", "/crates/rayon-core/1.4.0/dependencies"), ("pages-6-ecosystem", "/ecosystem")]
        {
            self.open(self.real, path).await?;
            self.client.set_window_size(SHOT_WIDTH, 1100).await?;
            let png = self.client.screenshot().await;
            self.client.set_window_size(SHOT_WIDTH, 1000).await?;
            let png = png?;
            ensure!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
            std::fs::write(dir.join(format!("{name}.png")), png)?;
        }
        Ok(())
    }

    /// Every document the browser arrived at is under [`MAX_PAGE_BYTES`] and has no `<script>`.
    async fn weight_and_scripts(&mut self) -> Result<()> {
        let visited: BTreeSet<String> = self.visited.iter().cloned().collect();
        ensure!(visited.len() >= 20, "only {} pages were visited", visited.len());
        let mut heaviest = (0, String::new());
        for url in &visited {
            let (server, path) = split_url(url)?;
            let response = http_get(server, path)?;
            ensure!(response.content_type.starts_with("text/html"), "{url}: content type {}", response.content_type);
            let size = response.body.len();
            ensure!(size < MAX_PAGE_BYTES, "{url}: {size} bytes, over {MAX_PAGE_BYTES}");
            let text = String::from_utf8_lossy(&response.body).to_ascii_lowercase();
            ensure!(!text.contains("<script"), "{url}: the HTML has a <script> element");
            if size > heaviest.0 {
                heaviest = (size, url.clone());
            }
        }
        eprintln!("        {} pages, heaviest {} bytes ({})", visited.len(), heaviest.0, heaviest.1);
        Ok(())
    }
}

// ---- scripts run in the page (each is a function body returning JSON) ------------------------------

/// The screenshots' width and greatest height.
const SHOT_WIDTH: u32 = 1280;
const SHOT_MAX_HEIGHT: u32 = 2200;

/// Scrolls to the heading above the first card of an advisory that affects other versions only.
const SCROLL_TO_OTHER: &str = r#"
const card = document.querySelector('article.advisory.other');
if (!card) return false;
(card.previousElementSibling || card).scrollIntoView();
return true;
"#;

/// The height of the page's content and what the window adds to the viewport's height.
const SHOT_SIZE: &str = r#"
return {
  page: Math.ceil(document.body.getBoundingClientRect().bottom),
  chrome: Math.max(0, outerHeight - innerHeight),
};
"#;

const PAGE_FACTS: &str = r#"
const nav = performance.getEntriesByType('navigation')[0];
return { scripts: document.getElementsByTagName('script').length, status: nav ? nav.responseStatus : null };
"#;

const TAB_FACTS: &str = r#"
const nav = document.querySelector('nav.tabs');
const security = nav && nav.querySelector('a[href$="/security"]');
const current = nav && nav.querySelector('a[aria-current=page]');
const small = document.querySelector('h1 small');
return {
  url: location.pathname,
  nav: !!nav,
  h1: document.querySelector('h1')?.textContent ?? null,
  version: small ? small.textContent.replace(' (yanked)', '').trim() : null,
  count: security?.querySelector('.count')?.textContent ?? null,
  alert: !!security && security.classList.contains('alert'),
  current: current ? current.firstChild.textContent.trim() : null,
};
"#;

const SECURITY_FACTS: &str = r#"
const table = document.querySelector('#versions + table');
return {
  h1: document.querySelectorAll('h1').length,
  liveCards: document.querySelectorAll('article.advisory:not(.withdrawn)').length,
  withdrawnCards: document.querySelectorAll('article.advisory.withdrawn').length,
  rows: table ? [...table.querySelectorAll('tbody tr')].map(tr => ({
    class: tr.className,
    version: tr.cells[0].querySelector('a').textContent,
    status: tr.cells[1].textContent,
    ids: tr.cells[2].textContent,
  })) : null,
};
"#;

const WITHDRAWN_FACTS: &str = r#"
const title = document.querySelector('article.advisory.withdrawn h1 .title');
return {
  decoration: title ? getComputedStyle(title).textDecorationLine : null,
  notice: document.querySelector('article.advisory.withdrawn [role=note]')?.textContent ?? null,
};
"#;

const CARD_FACTS: &str = r#"
const facts = card => card && {
  background: getComputedStyle(card).backgroundColor,
  border: getComputedStyle(card).borderTopStyle + ' ' + getComputedStyle(card).borderLeftWidth + ' ' + getComputedStyle(card).borderLeftColor,
  label: card.querySelector('h3 .label.affects, h3 .label.other')?.textContent ?? null,
};
return {
  affects: facts(document.querySelector('article.advisory.affects')),
  other: facts(document.querySelector('article.advisory.other')),
};
"#;

/// The version banner (not the crate-wide unmaintained note): its background and role.
const BANNER_COLOUR: &str = r#"
const banner = [...document.querySelectorAll('main > .banner')].find(b => !b.textContent.startsWith('Unmaintained.'));
return banner ? { background: getComputedStyle(banner).backgroundColor, role: banner.getAttribute('role') } : null;
"#;

const BANNER_FACTS: &str = r#"
const banner = [...document.querySelectorAll('main > .banner')].find(b => b.textContent.includes('Unmaintained'));
return { text: banner ? banner.textContent.trim() : null, link: banner?.querySelector('a')?.getAttribute('href') ?? null };
"#;

const SEARCH_FACTS: &str = r#"
return {
  h2: [...document.querySelectorAll('main h2')].map(h => h.textContent),
  empty: [...document.querySelectorAll('main p.muted')].map(p => p.textContent),
  value: document.querySelector('main input[name=q]')?.value ?? null,
};
"#;

const ERROR_FACTS: &str = r#"
return {
  h1: [...document.querySelectorAll('h1')].map(h => h.textContent),
  alert: document.querySelector('main [role=alert]')?.textContent ?? null,
  title: document.title,
};
"#;

const XSS_FACTS: &str = r#"
const ours = [...document.querySelectorAll('.description')].filter(d => d.textContent.includes('which must render'));
const inside = ours.flatMap(d => [...d.querySelectorAll('*')]);
return {
  xss: typeof window.__xss === 'undefined' ? 'undefined' : String(window.__xss),
  descriptions: ours.length,
  dangerous: ours.flatMap(d => [...d.querySelectorAll('script, iframe, object, embed, frame')]).map(e => e.outerHTML),
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
  jsUrls: [...document.querySelectorAll('[href], [src]')].map(e => e.getAttribute('href') ?? e.getAttribute('src')).filter(u => /^\s*javascript:/i.test(u)),
  bold: inside.filter(e => e.tagName === 'STRONG').map(e => e.textContent),
  linkText: ours.every(d => d.textContent.includes('javascript link') && d.textContent.includes('another')),
};
"#;

const A11Y_FACTS: &str = r#"
function rgba(text) {
  const m = /rgba?\(([^)]*)\)/.exec(text);
  if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
}
function over(top, below) {
  return { r: top.r * top.a + below.r * (1 - top.a), g: top.g * top.a + below.g * (1 - top.a), b: top.b * top.a + below.b * (1 - top.a), a: 1 };
}
function background(el) {
  const chain = [];
  for (let e = el; e; e = e.parentElement) chain.unshift(e);
  let acc = { r: 255, g: 255, b: 255, a: 1 };
  for (const e of chain) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) acc = over(c, acc);
  }
  return acc;
}
function luminance(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}
function contrast(el) {
  const bg = background(el);
  const fg = over(rgba(getComputedStyle(el).color), bg);
  const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
function hidden(el) {
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || (s.position === 'absolute' && s.clip !== 'auto' && s.width === '1px')) return true;
  }
  return el.getClientRects().length === 0;
}
const low = [];
let min = Infinity;
for (const el of document.body.querySelectorAll('*')) {
  const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
  if (!text || hidden(el)) continue;
  const s = getComputedStyle(el);
  const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
  const needed = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
  const ratio = contrast(el);
  min = Math.min(min, ratio);
  if (ratio < needed) low.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + text.slice(0, 40) + '" ' + ratio.toFixed(2));
}
const inputs = [...document.querySelectorAll('input, select, textarea')].filter(i => !['hidden', 'submit', 'button', 'reset'].includes(i.type));
return {
  lang: document.documentElement.getAttribute('lang'),
  unlabelled: inputs.filter(i => !(i.labels && i.labels.length) && !i.getAttribute('aria-label') && !i.getAttribute('aria-labelledby')).map(i => i.outerHTML),
  imagesWithoutAlt: document.querySelectorAll('img:not([alt])').length,
  tabsLabel: document.querySelector('nav.tabs')?.getAttribute('aria-label') ?? null,
  headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1])),
  bodyContrast: contrast(document.body),
  minContrast: min,
  lowContrast: low,
};
"#;

// ---- data from the JSON API -----------------------------------------------------------------------

/// `/api/v1/crates/{name}/security`, reduced to what the checks compare.
struct ApiCrate {
    versions: Vec<ApiVersion>,
    /// Advisories not withdrawn.
    live: usize,
    withdrawn: usize,
}

struct ApiVersion {
    num: String,
    yanked: bool,
    advisories: Vec<String>,
}

impl ApiCrate {
    fn get(server: SocketAddr, name: &str) -> Result<ApiCrate> {
        let body = get_json(server, &format!("/api/v1/crates/{name}/security"))?;
        let versions = body["crate"]["versions"]
            .as_array()
            .ok_or_else(|| anyhow!("{name}: no versions array"))?
            .iter()
            .map(|v| ApiVersion {
                num: v["num"].as_str().unwrap_or_default().to_owned(),
                yanked: v["yanked"] == true,
                advisories: v["advisories"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            })
            .collect();
        let advisories = body["advisories"].as_array().ok_or_else(|| anyhow!("{name}: no advisories array"))?;
        let withdrawn = advisories.iter().filter(|a| !a["withdrawn"].is_null()).count();
        Ok(ApiCrate { versions, live: advisories.len() - withdrawn, withdrawn })
    }

    /// The version a crate page shows by default, by the registry's rule: the newest version that is
    /// neither yanked nor a pre-release, else the newest not yanked, else the newest.
    fn default_version(&self) -> Option<Version> {
        let all: Vec<(Version, bool)> =
            self.versions.iter().filter_map(|v| Some((Version::parse(&v.num).ok()?, v.yanked))).collect();
        let newest =
            |pick: &dyn Fn(&(Version, bool)) -> bool| all.iter().filter(|v| pick(v)).map(|v| &v.0).max().cloned();
        newest(&|(v, yanked)| !yanked && v.pre.is_empty())
            .or_else(|| newest(&|(_, yanked)| !yanked))
            .or_else(|| newest(&|_| true))
    }

    fn affected(&self, version: &Version) -> bool {
        self.versions.iter().any(|v| Version::parse(&v.num).ok().as_ref() == Some(version) && !v.advisories.is_empty())
    }
}

/// Whether `/api/v1/crates/{name}/{version}/security` says the version is affected.
fn api_version_affected(server: SocketAddr, name: &str, version: &Version) -> Result<bool> {
    let body = get_json(server, &format!("/api/v1/crates/{name}/{version}/security"))?;
    body["affected"].as_bool().ok_or_else(|| anyhow!("{name} {version}: no `affected` in {body}"))
}

/// Not withdrawn, unmaintained, and affecting every version (nothing patched or unaffected).
fn crate_wide_unmaintained(a: &Value) -> bool {
    let empty = |key: &str| a[key].as_array().is_some_and(Vec::is_empty);
    a["kind"] == "unmaintained" && a["withdrawn"].is_null() && empty("patched") && empty("unaffected")
}

// ---- plain HTTP over loopback --------------------------------------------------------------------

struct HttpResponse {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// One `GET` over a fresh connection (`Connection: close`), read to the end.
fn http_get(server: SocketAddr, path: &str) -> Result<HttpResponse> {
    let mut stream = TcpStream::connect(server).with_context(|| format!("connecting to {server}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split =
        raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| anyhow!("GET {path}: no end of headers"))?;
    let head = std::str::from_utf8(&raw[..split])?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("bad status line `{status_line}`"))?;
    let mut content_type = String::new();
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        if name.eq_ignore_ascii_case("content-type") {
            content_type = value.trim().to_owned();
        } else if name.eq_ignore_ascii_case("transfer-encoding") && value.trim().eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let mut body = raw[split + 4..].to_vec();
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(HttpResponse { status, content_type, body })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n").ok_or_else(|| anyhow!("bad chunk header"))?;
        let size_text = std::str::from_utf8(&data[..end])?.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = data.get(end + 2..end + 2 + size).ok_or_else(|| anyhow!("truncated chunk"))?;
        out.extend_from_slice(chunk);
        data = data.get(end + 4 + size..).ok_or_else(|| anyhow!("truncated chunk"))?;
    }
}

fn get_json(server: SocketAddr, path: &str) -> Result<Value> {
    let response = http_get(server, path)?;
    ensure!(response.status == 200, "GET {path}: status {}", response.status);
    ensure!(response.content_type == "application/json", "GET {path}: content type {}", response.content_type);
    serde_json::from_slice(&response.body).with_context(|| format!("GET {path}: not JSON"))
}

/// `http://127.0.0.1:PORT/path` into the address and the path.
fn split_url(url: &str) -> Result<(SocketAddr, &str)> {
    let rest = url.strip_prefix("http://").ok_or_else(|| anyhow!("not an http URL: {url}"))?;
    let slash = rest.find('/').unwrap_or(rest.len());
    Ok((rest[..slash].parse()?, &rest[slash..]))
}

// ---- the servers, the database copy and the browser ----------------------------------------------

/// A cratewatch server running in-process on its own runtime thread.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl Server {
    /// Serves the database at `db` with the 2020 index on a free loopback port; with `reach`, the index
    /// is loaded whole and ecosystem reach computed, as `cratewatch serve --index DIR` does.
    fn start(db: &Path, reach: bool) -> Server {
        // Without reach, the index directory read per lookup: the same data as the binary's in-memory
        // snapshot, without loading 43,000 crates for each server.
        let (index, reach): (Arc<dyn CrateSource>, _) = if reach {
            let snapshot = Arc::new(IndexSnapshot::load(&crates_index_2020()).expect("load the 2020 index"));
            (Arc::clone(&snapshot) as Arc<dyn CrateSource>, Some(snapshot))
        } else {
            (Arc::new(IndexDir::open(&crates_index_2020()).expect("open the 2020 index")), None)
        };
        let config = ServeConfig {
            listen: "127.0.0.1:0".parse().expect("loopback address"),
            db: DbSource::Path(db.to_owned()),
            extra_dbs: Vec::new(),
            index,
            reach,
            sync_interval: None,
            settings: Settings::default(),
            metrics_listen: None,
            disclosure: None,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, address) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| format!("server runtime: {e}"))?;
            runtime.block_on(serve(
                config,
                async {
                    let _ = stopped.await;
                },
                move |addr, _| {
                    let _ = ready.send(addr);
                },
            ))
        });
        match address.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => Server { addr, stop: Some(stop), thread: Some(thread) },
            Err(_) => {
                let outcome =
                    if thread.is_finished() { thread.join() } else { Ok(Err("no address after 120 s".into())) };
                panic!("the server over {} did not start: {outcome:?}", db.display());
            }
        }
    }

    /// Asks the server to stop and waits until it has.
    fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            match thread.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("the server stopped with an error: {e}"),
                Err(_) => panic!("the server thread panicked"),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A scratch copy of the real advisory database (without its `.git`) plus [`XSS_ADVISORY`].
fn xss_database() -> PathBuf {
    let real = advisory_db();
    assert!(
        !real.join("crates").join(XSS_CRATE).exists(),
        "{XSS_CRATE} has advisories in the real database; pick another crate for the XSS test"
    );
    let copy = advisory_db_copy("browser-xss-db");
    let dir = copy.join("crates").join(XSS_CRATE);
    std::fs::create_dir_all(&dir).expect("create the crate directory");
    std::fs::write(dir.join(format!("{XSS_ID}.md")), XSS_ADVISORY).expect("write the hostile advisory");
    copy
}

#[path = "support/chrome.rs"]
mod chrome;
