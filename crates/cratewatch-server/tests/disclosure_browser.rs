//! The disclosure workflow's pages walked in headless Chromium: a report sent through the public form,
//! followed by its reporter, and taken by a coordinator from received to published with the forms
//! alone (the draft checked on the page), until the advisory is public. Screenshots of the main pages
//! are taken on the way.
//!
//! The server runs in-process over the real advisory database, with the workflow on a SQLite store in
//! a scratch file and a settable clock. Like `tests/browser.rs`, it needs `chromium` and
//! `chromedriver` on `PATH` and fails with that advice when they are missing.
//!
//! The screenshots go to `target/test-scratch/walkthrough/`; with `CRATEWATCH_UPDATE_WALKTHROUGH=1`
//! they replace the README's in `docs/walkthrough/` (so that running the tests leaves the tree clean).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use cratewatch_disclosure::{Clock, ManualClock};
use cratewatch_server::{DbSource, DisclosureSetup, NoIndex, ServeConfig, Settings, serve};
use cratewatch_store::Store;
use cratewatch_testdata::{advisory_db, scratch_dir, workspace_root};
use cratewatch_workflow::{DisclosureConfig, NoMailer};
use fantoccini::{Client, Locator};
use jiff::SignedDuration;
use serde_json::json;

use crate::chrome::{Driver, Tools};

const START: &str = "2026-11-22T09:00:00Z";
const TITLE: &str = "Buffer overflow in Parser::feed";

#[test]
fn the_disclosure_workflow_in_headless_chromium() {
    let tools = Tools::find();
    let site = Site::start();
    let driver = Driver::start(&tools, "walkthrough-chromedriver");
    let shots = screenshot_dir();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("test runtime");
    let result = runtime.block_on(async {
        let client = driver.session(&tools, &["--window-size=1280,1100", "--hide-scrollbars"]).await;
        let mut walk = Walk { client, site: &site, shots: shots.clone() };
        let result = walk.run().await;
        if let Err(e) = &result {
            // Where the browser was helps more than any message.
            let url = walk.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let body = walk.client.find(Locator::Css("main")).await.ok();
            let text = match body {
                Some(main) => main.text().await.unwrap_or_default(),
                None => String::new(),
            };
            eprintln!("FAILED at {url}: {e:#}\n--- page text ---\n{text}");
        }
        if let Err(e) = walk.client.close().await {
            eprintln!("closing the browser session failed: {e}");
        }
        result
    });
    drop(driver);
    site.stop();
    if let Err(e) = result {
        panic!("the walkthrough failed: {e:#}");
    }
    eprintln!("screenshots in {}", shots.display());
}

/// Where the screenshots go (see the module documentation).
fn screenshot_dir() -> PathBuf {
    if std::env::var_os("CRATEWATCH_UPDATE_WALKTHROUGH").is_some_and(|v| v == "1") {
        let dir = workspace_root().join("docs/walkthrough");
        std::fs::create_dir_all(&dir).expect("create docs/walkthrough");
        dir
    } else {
        scratch_dir("walkthrough")
    }
}

/// The browser session walking the site.
struct Walk<'a> {
    client: Client,
    site: &'a Site,
    shots: PathBuf,
}

impl Walk<'_> {
    async fn run(&mut self) -> Result<()> {
        // An older report that nobody answered: overdue by the time the coordinator looks.
        self.send_report(
            "Panic on deeply nested input",
            "cw-json-demo",
            "Parsing `[[[[...]]]]` 100,000 deep overflows the stack.",
        )
        .await
        .context("the first report")?;
        self.site.clock.advance(SignedDuration::from_hours(30));

        // The report of the walkthrough.
        self.open("/report").await?;
        self.fill("#title", TITLE).await?;
        self.fill("#crate", "cw-web-demo").await?;
        self.fill(
            "#description",
            "`Parser::feed` writes past the end of its buffer when a message arrives in two chunks:\n\n\
             ```rust\nlet mut p = Parser::new();\np.feed(&[0; 4090]);\np.feed(&[0; 10]); // overflow\n```\n\n\
             Affects 1.0.0 to 1.2.2.",
        )
        .await?;
        self.fill("#reporter_name", "Rita Reporter").await?;
        self.fill("#reporter_email", "rita@example.test").await?;
        self.screenshot("01-report-form").await?;
        self.click("form[action='/report'] button[type=submit]").await?;
        let status = self.arrive("/report").await?;
        ensure!(status == 201, "sending the report answered {status}");
        let link = self.attr("#secret-link", "href").await?;
        ensure!(link.starts_with("/report/cw_"), "the secret link is {link}");
        self.screenshot("02-secret-link").await?;

        // The reporter follows the link and writes to the team.
        self.open(&link).await?;
        self.fill("#message-body", "I can share a fuzzing corpus if that helps.").await?;
        self.click("form[action$='/messages'] button[type=submit]").await?;
        ensure!(self.arrive(&link).await? == 200, "the reporter's message was refused");
        self.expect_text("main", "I can share a fuzzing corpus").await?;

        // The coordinator signs in.
        self.sign_in().await?;
        self.expect_text("table.deadlines", "overdue").await?;
        self.expect_text("table.reports", TITLE).await?;
        self.screenshot("03-dashboard").await?;

        // Triage and fix, one form after another.
        self.click_link(TITLE).await?;
        // The report's page is waited for as any other arrival: without it, the `acknowledge` step
        // could take this page, still unseen, for the one its own form leads to, and every later
        // step would then run one page behind (the flaky `#rustsec-id` failure).
        let deadline = Instant::now() + Duration::from_secs(15);
        let report = loop {
            let path = self.path().await?;
            if path.starts_with("/disclosure/reports/") {
                break path;
            }
            ensure!(Instant::now() < deadline, "the dashboard link led to {path}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        ensure!(self.arrive(&report).await? == 200, "{report} did not load");
        self.step(&report, "acknowledge").await?;
        self.step(&report, "accept").await?;
        let rustsec_id = self.text("#rustsec-id").await?;
        ensure!(rustsec_id.starts_with("RUSTSEC-2026-"), "allocated id {rustsec_id}");
        let handler = self.client.find(Locator::Css("#fix-handler")).await?;
        handler.select_by_label("ruth").await?;
        self.click("input[name=affected_versions_confirmed]").await?;
        self.click("input[name=similar_code_audited]").await?;
        self.step(&report, "start_fix").await?;
        self.fill("#message-body", "Confirmed, thank you. A fix is being prepared; we will propose a date.").await?;
        self.step(&report, "add_message").await?;

        // The draft, checked on the page: a field RustSec does not know is a warning; the score shows.
        let draft = draft(&rustsec_id);
        let with_warning = draft.replace("cvss = ", "severity = \"critical\"\ncvss = ");
        self.fill("#draft-text", &with_warning).await?;
        self.click("button[value=preview]").await?;
        ensure!(self.arrive(&format!("{report}/preview")).await? == 200, "the check failed");
        self.expect_text("section.check", "0 errors, 1 warning").await?;
        self.expect_text("section.check", "unknown-field").await?;
        self.expect_text("section.check", "CVSS 3.1 base score 9.8 (critical)").await?;
        self.scroll_to("#draft").await?;
        self.screenshot("04-report-draft-check").await?;
        self.fill("#draft-text", &draft).await?;
        self.click("button[value=submit_draft]").await?;
        ensure!(self.arrive(&report).await? == 200, "submitting the draft failed");
        self.expect_text("h1", "drafted").await?;
        for item in ["tests_run", "fix_reviewed"] {
            self.click(&format!("form.inline:has(input[value={item}]) button")).await?;
            ensure!(self.arrive(&report).await? == 200, "ticking {item} failed");
        }
        self.expect_text("#checklist", "Checklist (2 of 12)").await?;

        // An embargo of four days; then the clock moves past it.
        let until = (self.site.clock.now() + SignedDuration::from_hours(4 * 24)).to_string();
        self.fill("#embargo-until", &until).await?;
        self.step(&report, "embargo").await?;
        self.expect_text("h1", "embargoed").await?;
        self.screenshot("05-report-embargoed").await?;
        self.site.clock.advance(SignedDuration::from_hours(4 * 24 + 1));

        // The 12-hour session is over by now: sign in again and publish.
        self.client.goto(&self.site.url(&report)).await?;
        ensure!(self.arrive("/signin").await? == 200, "an expired session still opened the report");
        self.sign_in().await?;
        self.open(&report).await?;
        self.step(&report, "publish").await?;
        self.expect_text("h1", "published").await?;

        // The advisory is public, and the reporter sees it.
        self.click(&format!("a[href='/advisories/{rustsec_id}']")).await?;
        ensure!(self.arrive(&format!("/advisories/{rustsec_id}")).await? == 200, "the public advisory is missing");
        self.expect_text("main", "writes past the end of its buffer").await?;
        self.screenshot("06-published-advisory").await?;
        self.open(&link).await?;
        self.expect_text("main", "The advisory is published").await?;
        self.expect_text("main", "Confirmed, thank you.").await?;
        self.screenshot("07-reporter-page").await?;
        Ok(())
    }

    /// Sends a report through the public form.
    async fn send_report(&mut self, title: &str, krate: &str, description: &str) -> Result<()> {
        self.open("/report").await?;
        self.fill("#title", title).await?;
        self.fill("#crate", krate).await?;
        self.fill("#description", description).await?;
        self.click("form[action='/report'] button[type=submit]").await?;
        let status = self.arrive("/report").await?;
        ensure!(status == 201, "sending {title} answered {status}");
        Ok(())
    }

    async fn sign_in(&mut self) -> Result<()> {
        self.open("/signin").await?;
        self.fill("#name", "carol").await?;
        self.fill("#token", &self.site.coordinator).await?;
        self.click("form[action='/signin'] button[type=submit]").await?;
        ensure!(self.arrive("/disclosure").await? == 200, "signing in failed");
        Ok(())
    }

    /// Sends the form of `action` on the report's page and expects to be back on the page.
    async fn step(&mut self, report: &str, action: &str) -> Result<()> {
        self.click(&format!("form.step:has(input[name=action][value={action}]) button[type=submit], form.stack:has(input[name=action][value={action}]) button[type=submit]"))
            .await
            .with_context(|| format!("the `{action}` form"))?;
        let status = self.arrive(report).await?;
        if status != 200 {
            let error = self.text("#error").await.unwrap_or_default();
            bail!("`{action}` answered {status}: {error}");
        }
        Ok(())
    }

    // ---- the browser ------------------------------------------------------------------------------

    async fn open(&mut self, path: &str) -> Result<u16> {
        self.client.goto(&self.site.url(path)).await.with_context(|| format!("loading {path}"))?;
        let status = self.arrive(path).await?;
        ensure!(status == 200, "{path} answered {status}");
        Ok(status)
    }

    /// Waits until the browser shows a new document at `path`, fully loaded; checks that the page has
    /// no script and that its stylesheet applied (the CSP allows it); returns the HTTP status of the
    /// document. Each document it arrived at is marked, so that a form that leads back to the same
    /// path is waited for too.
    async fn arrive(&mut self, path: &str) -> Result<u16> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let state = self.client.execute(WHERE, vec![]).await?;
            if state["path"] == path && state["ready"] == "complete" && state["seen"] == false {
                break;
            }
            if Instant::now() > deadline {
                bail!("expected the browser at {path}, but it is at {} ({})", state["path"], state["ready"]);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let page = self.client.execute(PAGE_FACTS, vec![]).await?;
        self.client.execute("window.__walkSeen = true; return null;", vec![]).await?;
        ensure!(page["scripts"] == 0, "{path} has {} <script> element(s)", page["scripts"]);
        ensure!(page["styled"] == true, "{path}: the stylesheet did not apply");
        page["status"].as_u64().and_then(|s| u16::try_from(s).ok()).ok_or_else(|| anyhow!("{path}: no status: {page}"))
    }

    async fn path(&self) -> Result<String> {
        Ok(self.client.execute("return location.pathname;", vec![]).await?.as_str().unwrap_or_default().to_owned())
    }

    async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.client.find(Locator::Css(css)).await.with_context(|| format!("the field {css}"))?;
        field.clear().await?;
        field.send_keys(text).await.with_context(|| format!("typing into {css}"))?;
        let value = field.prop("value").await?.unwrap_or_default();
        ensure!(value.replace("\r\n", "\n") == text, "{css} holds {value:?} after typing");
        Ok(())
    }

    async fn click(&self, css: &str) -> Result<()> {
        let element = self.client.find(Locator::Css(css)).await.with_context(|| format!("finding {css}"))?;
        element.click().await.with_context(|| format!("clicking {css}"))?;
        Ok(())
    }

    async fn click_link(&self, text: &str) -> Result<()> {
        self.client.find(Locator::LinkText(text)).await.with_context(|| format!("the link {text}"))?.click().await?;
        Ok(())
    }

    async fn attr(&self, css: &str, name: &str) -> Result<String> {
        let element = self.client.find(Locator::Css(css)).await.with_context(|| format!("finding {css}"))?;
        element.attr(name).await?.ok_or_else(|| anyhow!("{css} has no {name}"))
    }

    async fn text(&self, css: &str) -> Result<String> {
        let element = self.client.find(Locator::Css(css)).await.with_context(|| format!("finding {css}"))?;
        Ok(element.text().await?)
    }

    async fn expect_text(&self, css: &str, wanted: &str) -> Result<()> {
        let text = self.text(css).await?;
        ensure!(text.contains(wanted), "{css} does not say {wanted:?}: {text}");
        Ok(())
    }

    async fn scroll_to(&self, css: &str) -> Result<()> {
        let found = self.client.execute(SCROLL_TO, vec![json!(css)]).await?;
        ensure!(found == true, "nothing to scroll to at {css}");
        Ok(())
    }

    /// Saves a PNG of what the window shows, the window made as tall as the page (at most
    /// `MAX_SHOT_HEIGHT`) unless the page was scrolled to a part of it.
    async fn screenshot(&self, name: &str) -> Result<()> {
        let size = self.client.execute(PAGE_SIZE, vec![]).await?;
        let number = |key: &str| size[key].as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
        if number("page") > 0 {
            let height = number("page").clamp(600, MAX_SHOT_HEIGHT) + number("chrome");
            self.client.set_window_size(WIDTH, height).await?;
        }
        let png = self.client.screenshot().await;
        self.client.set_window_size(WIDTH, HEIGHT).await?;
        let png = png?;
        ensure!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }
}

/// The window's size, and the tallest screenshot.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 1100;
const MAX_SHOT_HEIGHT: u32 = 2200;

/// The height of the page's content (0 when it was scrolled to a part of it) and what the window adds to the
/// viewport's height.
const PAGE_SIZE: &str = r#"
return {
  page: scrollY > 0 ? 0 : Math.ceil(document.body.getBoundingClientRect().bottom),
  chrome: Math.max(0, outerHeight - innerHeight),
};
"#;

const WHERE: &str = "return {path: location.pathname, ready: document.readyState, seen: window.__walkSeen === true};";

const SCROLL_TO: &str = r#"
const element = document.querySelector(arguments[0]);
if (!element) return false;
element.scrollIntoView();
return true;
"#;

const PAGE_FACTS: &str = r#"
const nav = performance.getEntriesByType('navigation')[0];
return {
  scripts: document.getElementsByTagName('script').length,
  status: nav ? nav.responseStatus : null,
  styled: getComputedStyle(document.querySelector('header.site')).display === 'flex',
};
"#;

/// A draft that passes every check, CVSS 3.1 scored 9.8 (critical).
fn draft(id: &str) -> String {
    format!(
        r#"```toml
[advisory]
id = "{id}"
package = "cw-web-demo"
date = "2026-11-22"
url = "https://example.test/cw-web-demo/issues/1"
categories = ["memory-corruption"]
keywords = ["buffer overflow"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

[versions]
patched = [">= 1.2.3"]
```

# Buffer overflow in `Parser::feed`

`Parser::feed` writes past the end of its buffer when a message arrives in two chunks. An attacker
who controls the input can corrupt memory.

## Fix

Upgrade to 1.2.3 or later.

## Credit

Reported by Rita Reporter.
"#
    )
}

// ---- the server -----------------------------------------------------------------------------------

/// A server with the workflow on, in-process on its own runtime thread.
struct Site {
    addr: SocketAddr,
    clock: ManualClock,
    coordinator: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl Site {
    fn start() -> Site {
        let url = cratewatch_testdata::store_url("sqlite", "walkthrough");
        let clock = ManualClock::new(START.parse().expect("a time"));
        // The users first, in the store the server will open.
        let now = clock.now().as_millisecond();
        let setup = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("setup runtime");
        let coordinator = setup.block_on(async {
            let store = Store::open(&url).await.expect("open the store");
            let (_, token) = store.add_user("carol", "coordinator", &["read", "write"], now).await.expect("carol");
            store.add_user("ruth", "responder", &["read", "write"], now).await.expect("ruth");
            store.close().await;
            token
        });
        let config = ServeConfig {
            listen: "127.0.0.1:0".parse().expect("loopback address"),
            db: DbSource::Path(advisory_db()),
            extra_dbs: Vec::new(),
            index: Arc::new(NoIndex),
            reach: None,
            sync_interval: None,
            settings: Settings::default(),
            metrics_listen: None,
            disclosure: Some(DisclosureSetup {
                database_url: url,
                mailer: Arc::new(NoMailer),
                clock: Arc::new(clock.clone()),
                config: DisclosureConfig::default(),
                tick_interval: Duration::from_secs(3600),
            }),
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
        let addr = address.recv_timeout(Duration::from_secs(120)).expect("the server did not start");
        Site { addr, clock, coordinator, stop: Some(stop), thread: Some(thread) }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

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

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[path = "support/chrome.rs"]
mod chrome;
