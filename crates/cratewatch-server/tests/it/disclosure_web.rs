//! The workflow's web pages over real HTTP on loopback, with a SQLite store in a scratch file and a
//! settable clock: a report taken from received to published through the forms alone, CSRF and
//! origin checks that change nothing, what each role and a reporter's link can see, sign-in refusals,
//! the public report form and its rate limit, and the live draft check.
//!
//! The tests read what they post from the pages, as a browser would: the CSRF field, the version,
//! the allocated RUSTSEC id and the responders offered as handlers.

use std::sync::Arc;
use std::time::Duration;

use cratewatch_disclosure::{Clock, ManualClock};
use cratewatch_server::DisclosureSetup;
use cratewatch_store::Store;
use cratewatch_workflow::{DisclosureConfig, NoMailer};
use jiff::SignedDuration;

use super::harness::{Server, agent};

const START: &str = "2026-11-22T09:00:00Z";

/// A server with the workflow on, its clock, and the users' API tokens.
struct Site {
    server: Server,
    clock: ManualClock,
    store_url: String,
    /// `carol`, a coordinator.
    coordinator: String,
    /// `ruth`, a responder: her user id and token.
    responder: (i64, String),
    /// `rex`, another responder.
    other_responder: String,
}

/// One response, read whole.
#[derive(Debug)]
struct Page {
    status: u16,
    location: Option<String>,
    cache_control: Option<String>,
    set_cookie: Vec<String>,
    body: String,
}

fn read(response: ureq::http::Response<ureq::Body>) -> Page {
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (location, cache_control) = (header("location"), header("cache-control"));
    let set_cookie =
        response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
    let status = response.status().as_u16();
    let body = response.into_body().read_to_string().unwrap_or_default();
    Page { status, location, cache_control, set_cookie, body }
}

/// The text between `start` and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// The value of the first hidden field `name` of a page.
fn hidden(body: &str, name: &str) -> String {
    between(body, &format!("type=\"hidden\" name=\"{name}\" value=\""), "\"")
        .unwrap_or_else(|| panic!("no hidden field `{name}` in:\n{body}"))
        .to_owned()
}

impl Site {
    fn start(name: &str) -> Site {
        Site::start_at(name, "")
    }

    /// A site whose configured address (`--base-url`) is `base_url`.
    fn start_at(name: &str, base_url: &str) -> Site {
        let store_url = cratewatch_testdata::store_url("sqlite", &format!("web-{name}"));
        let clock = ManualClock::new(START.parse().unwrap());
        let server = Server::start_disclosure(DisclosureSetup {
            database_url: store_url.clone(),
            mailer: Arc::new(NoMailer),
            clock: Arc::new(clock.clone()),
            config: DisclosureConfig {
                coordinators: vec!["coordinators@cratewatch.test".into()],
                distribution: vec!["distros@lists.test".into()],
                base_url: base_url.to_owned(),
            },
            // The tests move the clock themselves; the scheduler must not race them.
            tick_interval: Duration::from_secs(3600),
        });
        let now = clock.now().as_millisecond();
        let url = store_url.clone();
        let (coordinator, responder, other_responder) = server.block_on(async move {
            let store = Store::open(&url).await.unwrap();
            let (_, coordinator) = store.add_user("carol", "coordinator", &["read", "write"], now).await.unwrap();
            let (ruth, responder) = store.add_user("ruth", "responder", &["read", "write"], now).await.unwrap();
            let (_, other) = store.add_user("rex", "responder", &["read", "write"], now).await.unwrap();
            store.close().await;
            (coordinator, (ruth.id, responder), other)
        });
        Site { server, clock, store_url, coordinator, responder, other_responder }
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut request = agent().get(&self.server.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        read(request.call().unwrap_or_else(|e| panic!("GET {path}: {e}")))
    }

    fn post(&self, path: &str, headers: &[(&str, &str)], fields: &[(&str, &str)]) -> Page {
        let mut request = agent().post(&self.server.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send_form(fields.iter().copied()).unwrap_or_else(|e| panic!("POST {path}: {e}")))
    }

    /// Signs in through the form; the session cookie to send back.
    fn sign_in(&self, name: &str, token: &str) -> Browser<'_> {
        let page = self.post("/signin", &[], &[("name", name), ("token", token)]);
        assert_eq!(page.status, 303, "sign-in of {name}: {}", page.body);
        assert_eq!(page.location.as_deref(), Some("/disclosure"));
        let cookie = page.set_cookie.first().expect("a session cookie");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(flag), "{cookie}");
        }
        assert!(!cookie.contains("Secure"), "plain http must not get a Secure cookie: {cookie}");
        let cookie = cookie.split(';').next().unwrap().to_owned();
        assert!(cookie.starts_with("cw_session=cw_"), "{cookie}");
        Browser { site: self, cookie }
    }

    /// Sends the public report form; the reporter's secret path (`/report/cw_...`).
    fn report(&self, title: &str) -> String {
        let page = self.post(
            "/report",
            &[],
            &[
                ("title", title),
                ("crate", "cw-web-demo"),
                ("description", "`Parser::feed` writes past its buffer when given **two** chunks."),
                ("reporter_name", "Rita Reporter"),
                ("reporter_email", "rita@example.test"),
            ],
        );
        assert_eq!(page.status, 201, "{}", page.body);
        assert!(page.body.contains("Keep this link"), "{}", page.body);
        let path = between(&page.body, "id=\"secret-link\" href=\"", "\"").expect("the secret link").to_owned();
        assert!(path.starts_with("/report/cw_") && path.len() == "/report/cw_".len() + 64, "{path}");
        path
    }

    /// The report's stored state and version, read behind the pages' back.
    fn stored(&self, id: i64) -> (String, i64, usize) {
        let url = self.store_url.clone();
        self.server.block_on(async move {
            let store = Store::open(&url).await.unwrap();
            let report = store.report(id).await.unwrap().unwrap();
            let messages = store.messages(id).await.unwrap().len();
            store.close().await;
            (report.state, report.row_version, messages)
        })
    }
}

/// A signed-in browser: the session cookie.
struct Browser<'a> {
    site: &'a Site,
    cookie: String,
}

impl Browser<'_> {
    fn get(&self, path: &str) -> Page {
        self.site.get(path, Some(&self.cookie))
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.site.post(path, &[("cookie", &self.cookie)], fields)
    }

    fn report_page(&self, id: i64) -> Page {
        let page = self.get(&format!("/disclosure/reports/{id}"));
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.cache_control.as_deref(), Some("no-store"));
        page
    }

    /// The id of the report titled `title`, from the dashboard.
    fn find(&self, title: &str) -> i64 {
        let page = self.get("/disclosure");
        assert_eq!(page.status, 200, "{}", page.body);
        let end = page.body.find(&format!("\">{title}</a>")).unwrap_or_else(|| panic!("{title} not listed"));
        let start = page.body[..end].rfind("/disclosure/reports/").unwrap() + "/disclosure/reports/".len();
        page.body[start..end].parse().unwrap()
    }

    /// Sends the form of `action` on the report's page, as the page offers it.
    fn act(&self, id: i64, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.report_page(id);
        assert!(
            page.body.contains(&format!("name=\"action\" value=\"{action}\"")),
            "no `{action}` form:\n{}",
            page.body
        );
        let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "expected_version"));
        let mut all = vec![("csrf", csrf.as_str()), ("expected_version", version.as_str()), ("action", action)];
        all.extend_from_slice(fields);
        self.post(&format!("/disclosure/reports/{id}/actions"), &all)
    }

    /// [`act`](Self::act), which must succeed and lead back to the report; the page after it.
    fn act_ok(&self, id: i64, action: &str, fields: &[(&str, &str)]) -> Page {
        let reply = self.act(id, action, fields);
        assert_eq!(reply.status, 303, "{action}: {}", reply.body);
        assert_eq!(reply.location, Some(format!("/disclosure/reports/{id}")));
        self.report_page(id)
    }

    /// Checks `text` with the draft form's Check button (nothing is saved).
    fn preview(&self, id: i64, text: &str) -> Page {
        let page = self.report_page(id);
        let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "expected_version"));
        let fields = [("csrf", csrf.as_str()), ("expected_version", version.as_str()), ("text", text)];
        let reply = self.post(&format!("/disclosure/reports/{id}/preview"), &fields);
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply
    }
}

/// A draft that passes every check, with a CVSS 3.1 vector scored 9.8 (critical).
fn valid_draft(id: &str) -> String {
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

`Parser::feed` writes past the end of its buffer when a message arrives in two chunks.
"#
    )
}

#[test]
fn a_report_goes_from_received_to_published_through_the_forms() {
    let site = Site::start("flow");
    let secret = site.report("Overflow in the web demo parser");
    let reporter_page = site.get(&secret, None);
    assert_eq!(reporter_page.status, 200, "{}", reporter_page.body);
    assert!(reporter_page.body.contains("Report received"), "{}", reporter_page.body);

    let carol = site.sign_in("carol", &site.coordinator);
    let dashboard = carol.get("/disclosure");
    assert_eq!(dashboard.cache_control.as_deref(), Some("no-store"));
    assert!(dashboard.body.contains("Overflow in the web demo parser"), "{}", dashboard.body);
    assert!(dashboard.body.contains("the acknowledgement (24 hours after receipt)"), "{}", dashboard.body);
    let id = carol.find("Overflow in the web demo parser");

    let page = carol.act_ok(id, "acknowledge", &[]);
    assert!(page.body.contains("class=\"state acknowledged\""), "{}", page.body);
    let page = carol.act_ok(id, "accept", &[]);
    let rustsec_id = between(&page.body, "<span id=\"rustsec-id\">", "<").expect("an allocated id").to_owned();
    assert!(rustsec_id.starts_with("RUSTSEC-2026-"), "{rustsec_id}");
    // The public database already has 2026 advisories: the allocated number follows them.
    assert_ne!(rustsec_id, "RUSTSEC-2026-0001");

    // The handler is chosen among the responders the form offers.
    let (ruth_id, _) = &site.responder;
    assert!(page.body.contains(&format!("<option value=\"{ruth_id}\">ruth</option>")), "{}", page.body);
    let ruth = ruth_id.to_string();
    let missing_check = carol.act(id, "start_fix", &[("handler", &ruth), ("affected_versions_confirmed", "true")]);
    assert_eq!(missing_check.status, 422, "{}", missing_check.body);
    assert!(missing_check.body.contains("not audited for similar problems"), "{}", missing_check.body);
    let fields =
        [("handler", ruth.as_str()), ("affected_versions_confirmed", "true"), ("similar_code_audited", "true")];
    let page = carol.act_ok(id, "start_fix", &fields);
    assert!(page.body.contains("class=\"state fix_in_progress\""));

    // With no draft yet, the form holds the template, with the allocated id, which passes the check.
    assert!(page.body.contains(&format!("id = &quot;{rustsec_id}&quot;")), "{}", page.body);
    assert!(page.body.contains("No problems found."), "{}", page.body);

    // Saving a draft in progress, then submitting it.
    let draft = valid_draft(&rustsec_id);
    let page = carol.act_ok(id, "edit_draft", &[("text", &draft)]);
    assert!(page.body.contains("Buffer overflow in `Parser::feed`"));
    let page = carol.act_ok(id, "submit_draft", &[("text", &draft)]);
    assert!(page.body.contains("class=\"state drafted\""), "{}", page.body);

    // The checklist is worked through on the page.
    let page = carol.act_ok(id, "check_item", &[("item", "tests_run")]);
    assert!(page.body.contains("Checklist (1 of 12)"), "{}", page.body);

    // The conversation: the reporter writes from their page, the team answers from the report's.
    let reporter_page = site.get(&secret, None);
    let csrf = hidden(&reporter_page.body, "csrf");
    let sent = site.post(
        &format!("{secret}/messages"),
        &[],
        &[("csrf", &csrf), ("body", "Is there anything else you need from me?")],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let page = carol.act_ok(id, "add_message", &[("body", "No, thank you: the fix is on its way.")]);
    assert!(page.body.contains("Is there anything else you need from me?"));

    // An embargo in four days; publishing before it ends is refused and the form is not offered.
    let until = (site.clock.now() + SignedDuration::from_hours(4 * 24)).to_string();
    let page = carol.act_ok(id, "embargo", &[("until", &until)]);
    assert!(page.body.contains("class=\"state embargoed\""), "{}", page.body);
    assert!(!page.body.contains("name=\"action\" value=\"publish\""), "publish offered during the embargo");
    let csrf = hidden(&page.body, "csrf");
    let version = hidden(&page.body, "expected_version");
    let early = carol.post(
        &format!("/disclosure/reports/{id}/actions"),
        &[("csrf", &csrf), ("expected_version", &version), ("action", "publish")],
    );
    assert_eq!(early.status, 422, "{}", early.body);
    assert!(early.body.contains("the embargo lasts until"), "{}", early.body);
    assert!(site.server.get(&format!("/advisories/{rustsec_id}")).status == 404, "public during the embargo");

    // Four days later the 12-hour session is over: sign in again, and publish.
    site.clock.advance(SignedDuration::from_hours(4 * 24 + 1));
    let expired = carol.get("/disclosure");
    assert_eq!((expired.status, expired.location.as_deref()), (303, Some("/signin")));
    let carol = site.sign_in("carol", &site.coordinator);
    let page = carol.act_ok(id, "publish", &[]);
    assert!(page.body.contains("class=\"state published\""), "{}", page.body);
    assert!(page.body.contains(&format!("href=\"/advisories/{rustsec_id}\"")), "{}", page.body);
    // The timeline tells each step's details in words: no JSON, no epoch milliseconds.
    let timeline = between(&page.body, "<ol class=\"timeline\">", "</ol>").expect("a timeline");
    assert!(timeline.contains(&format!("<dt>RUSTSEC id</dt><dd>{rustsec_id}</dd>")), "{timeline}");
    assert!(!timeline.contains("{&quot;") && !timeline.contains("\"rustsec_id\""), "{timeline}");
    assert!(!timeline.split(|c: char| !c.is_ascii_digit()).any(|n| n.len() >= 12), "epoch milliseconds: {timeline}");

    // The advisory is public at once, on its own page.
    let public = site.server.get(&format!("/advisories/{rustsec_id}"));
    assert_eq!(public.status, 200, "{}", public.body);
    assert!(public.body.contains("<code>Parser::feed</code> writes past the end"), "{}", public.body);
    assert!(public.body.contains("cw-web-demo"));

    // The reporter sees the publication, the team's answer, and nothing staff-only.
    let reporter_page = site.get(&secret, None);
    let body = &reporter_page.body;
    assert!(body.contains("The advisory is published"), "{body}");
    assert!(body.contains(&format!("href=\"/advisories/{rustsec_id}\"")), "{body}");
    assert!(body.contains("No, thank you: the fix is on its way."), "{body}");
    for staff_only in ["ruth", "carol", "Draft advisory", "CVSS", "Checklist", "tests_run", "distros@", "Handler"] {
        assert!(!body.contains(staff_only), "the reporter's page shows `{staff_only}`:\n{body}");
    }
    assert!(!body.contains("name=\"body\""), "a closed report still takes messages");
}

#[test]
fn forms_without_the_right_csrf_field_or_from_another_site_change_nothing() {
    let site = Site::start("csrf");
    let secret = site.report("CSRF target");
    let carol = site.sign_in("carol", &site.coordinator);
    let id = carol.find("CSRF target");
    let before = site.stored(id);
    let page = carol.report_page(id);
    let csrf = hidden(&page.body, "csrf");
    let other = site.sign_in("carol", &site.coordinator);
    let other_csrf = hidden(&other.report_page(id).body, "csrf");
    assert_ne!(csrf, other_csrf, "each session has its own secret");

    let path = format!("/disclosure/reports/{id}/actions");
    for (what, fields) in [
        ("no csrf field", vec![("action", "acknowledge")]),
        ("an empty one", vec![("csrf", ""), ("action", "acknowledge")]),
        ("a wrong one", vec![("csrf", "0000"), ("action", "acknowledge")]),
        ("another session's", vec![("csrf", other_csrf.as_str()), ("action", "acknowledge")]),
    ] {
        let reply = carol.post(&path, &fields);
        assert_eq!(reply.status, 403, "{what}: {}", reply.body);
        assert!(reply.body.contains("Nothing was changed"), "{what}: {}", reply.body);
        assert_eq!(reply.cache_control.as_deref(), Some("no-store"));
    }
    let preview = carol.post(&format!("/disclosure/reports/{id}/preview"), &[("text", "x")]);
    assert_eq!(preview.status, 403);
    let signout = carol.post("/signout", &[("csrf", "wrong")]);
    assert_eq!(signout.status, 403);
    // The right field from another site's page is refused too.
    let cross = site.post(
        &path,
        &[("cookie", &carol.cookie), ("origin", "https://evil.example")],
        &[("csrf", &csrf), ("action", "acknowledge")],
    );
    assert_eq!(cross.status, 403, "{}", cross.body);
    assert_eq!(site.stored(id), before, "a refused form changed the report");
    assert_eq!(carol.get("/disclosure").status, 200, "a refused sign-out ended the session");

    // The reporter's message form: the same rules.
    let messages = format!("{secret}/messages");
    let reporter_csrf = hidden(&site.get(&secret, None).body, "csrf");
    for fields in [vec![("body", "hello")], vec![("csrf", csrf.as_str()), ("body", "hello")]] {
        let reply = site.post(&messages, &[], &fields);
        assert_eq!(reply.status, 403, "{}", reply.body);
    }
    let cross = site.post(&messages, &[("origin", "http://evil.example")], &[("csrf", &reporter_csrf), ("body", "hi")]);
    assert_eq!(cross.status, 403);
    assert_eq!(site.stored(id), before);

    // With the right field, from this site, both go through.
    let origin = format!("http://{}", site.server.address);
    let reply = site.post(
        &path,
        &[("cookie", &carol.cookie), ("origin", &origin)],
        &[("csrf", &csrf), ("action", "acknowledge")],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let reply = site.post(&messages, &[("origin", &origin)], &[("csrf", &reporter_csrf), ("body", "hello")]);
    assert_eq!(reply.status, 303, "{}", reply.body);
    let (state, version, messages) = site.stored(id);
    assert_eq!((state.as_str(), version, messages), ("acknowledged", before.1 + 2, 1));

    // A stale page: its version no longer matches, so the step is refused with 409.
    let stale = carol.post(&path, &[("csrf", &csrf), ("expected_version", "1"), ("action", "accept")]);
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(site.stored(id).0, "acknowledged");
}

#[test]
fn each_role_and_each_reporter_link_sees_only_its_own() {
    let site = Site::start("roles");
    let assigned_link = site.report("Assigned report");
    let other_link = site.report("Unassigned report");
    let carol = site.sign_in("carol", &site.coordinator);
    let assigned = carol.find("Assigned report");
    let unassigned = carol.find("Unassigned report");
    carol.act_ok(assigned, "acknowledge", &[]);
    carol.act_ok(assigned, "accept", &[]);
    let ruth_id = site.responder.0.to_string();
    let fields =
        [("handler", ruth_id.as_str()), ("affected_versions_confirmed", "true"), ("similar_code_audited", "true")];
    carol.act_ok(assigned, "start_fix", &fields);

    // The responder sees her report, not the other one, and no coordinator-only step.
    let ruth = site.sign_in("ruth", &site.responder.1);
    let dashboard = ruth.get("/disclosure");
    assert!(dashboard.body.contains("Assigned report"), "{}", dashboard.body);
    assert!(!dashboard.body.contains("Unassigned report"), "{}", dashboard.body);
    let page = ruth.report_page(assigned);
    assert!(page.body.contains("name=\"action\" value=\"edit_draft\""));
    assert!(!page.body.contains("value=\"assign\""), "a responder is offered `assign`");
    let hidden_report = ruth.get(&format!("/disclosure/reports/{unassigned}"));
    assert_eq!(hidden_report.status, 404);
    assert!(!hidden_report.body.contains("Unassigned report"));
    // Her forms do not reach it either.
    let csrf = hidden(&page.body, "csrf");
    let before = site.stored(unassigned);
    let reply =
        ruth.post(&format!("/disclosure/reports/{unassigned}/actions"), &[("csrf", &csrf), ("action", "acknowledge")]);
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert_eq!(site.stored(unassigned), before);
    // Nor can she take a coordinator's step on her own report.
    let reply = ruth.post(
        &format!("/disclosure/reports/{assigned}/actions"),
        &[("csrf", &csrf), ("action", "assign"), ("handler", &ruth_id)],
    );
    assert_eq!(reply.status, 403, "{}", reply.body);

    // Another responder sees nothing.
    let rex = site.sign_in("rex", &site.other_responder);
    let dashboard = rex.get("/disclosure");
    assert!(dashboard.body.contains("No reports."), "{}", dashboard.body);
    assert!(!dashboard.body.contains("Assigned report") && !dashboard.body.contains("Unassigned report"));
    assert_eq!(rex.get(&format!("/disclosure/reports/{assigned}")).status, 404);

    // A reporter's link shows that report only, and nothing staff-only.
    let page = site.get(&assigned_link, None);
    assert_eq!(page.status, 200);
    assert_eq!(page.cache_control.as_deref(), Some("no-store"));
    assert!(page.body.contains("Assigned report") && !page.body.contains("Unassigned report"), "{}", page.body);
    for staff_only in ["ruth", "carol", "Draft advisory", "Checklist", "Handler", "rita@example.test", "/disclosure/"] {
        assert!(!page.body.contains(staff_only), "the reporter's page shows `{staff_only}`:\n{}", page.body);
    }
    assert!(site.get(&other_link, None).body.contains("Unassigned report"));
    let unknown = format!("/report/cw_{}", "0".repeat(64));
    for path in [unknown.as_str(), "/report/nonsense", &format!("/report/{}", site.coordinator)] {
        let page = site.get(path, None);
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.body.contains("Assigned report"), "{path}: {}", page.body);
    }

    // Signed out, every staff page leads to the sign-in page, and no form does anything.
    for path in ["/disclosure", &format!("/disclosure/reports/{assigned}")] {
        let page = site.get(path, None);
        assert_eq!((page.status, page.location.as_deref()), (303, Some("/signin")), "{path}");
        let page = site.get(path, Some("cw_session=cw_forged"));
        assert_eq!((page.status, page.location.as_deref()), (303, Some("/signin")), "{path} with a forged cookie");
    }
    let before = site.stored(unassigned);
    let reply = site.post(&format!("/disclosure/reports/{unassigned}/actions"), &[], &[("action", "acknowledge")]);
    assert_eq!((reply.status, reply.location.as_deref()), (303, Some("/signin")));
    assert_eq!(site.stored(unassigned), before);

    // Signing out ends the session for good.
    let csrf = hidden(&rex.get("/disclosure").body, "csrf");
    let out = rex.post("/signout", &[("csrf", &csrf)]);
    assert_eq!((out.status, out.location.as_deref()), (303, Some("/signin")));
    assert!(
        out.set_cookie.iter().any(|c| c.starts_with("cw_session=;") && c.contains("Max-Age=0")),
        "{:?}",
        out.set_cookie
    );
    assert_eq!(rex.get("/disclosure").status, 303);
}

#[test]
fn sign_in_refuses_wrong_revoked_and_narrow_tokens_alike() {
    let site = Site::start("signin");
    let form = site.get("/signin", None);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"token\""));
    let url = site.store_url.clone();
    let (revoked, read_only) = site.server.block_on(async move {
        let store = Store::open(&url).await.unwrap();
        let carol = store.user_by_name("carol").await.unwrap().unwrap();
        let (record, revoked) = store.create_token(carol.id, &["read", "write"], 0).await.unwrap();
        assert!(store.revoke_token(record.id, 1).await.unwrap());
        let (_, read_only) = store.add_user("olga", "coordinator", &["read"], 0).await.unwrap();
        store.close().await;
        (revoked, read_only)
    });
    let reporter_token = site.report("Report whose token is no password").trim_start_matches("/report/").to_owned();
    let refusals = [
        ("carol", "cw_wrong"),
        ("carol", revoked.as_str()),
        ("ruth", site.coordinator.as_str()),
        ("nobody", site.coordinator.as_str()),
        ("carol", ""),
        ("", site.coordinator.as_str()),
        ("reporter", reporter_token.as_str()),
    ];
    let mut bodies = Vec::new();
    for (name, token) in refusals {
        let page = site.post("/signin", &[], &[("name", name), ("token", token)]);
        assert_eq!(page.status, 401, "{name}/{token}: {}", page.body);
        assert!(page.set_cookie.is_empty());
        assert!(page.body.contains("The user name and token do not match an active account."));
        // The page keeps the name typed, and says nothing else about what was wrong.
        bodies.push(page.body.replace(&format!("value=\"{name}\""), "value=\"\""));
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "the refusals differ");
    let narrow = site.post("/signin", &[], &[("name", "olga"), ("token", &read_only)]);
    assert_eq!(narrow.status, 403, "{}", narrow.body);
    assert!(narrow.set_cookie.is_empty());

    // Behind an https proxy, the cookie is Secure; and the right token still works after all this.
    let page =
        site.post("/signin", &[("x-forwarded-proto", "https")], &[("name", "carol"), ("token", &site.coordinator)]);
    assert_eq!(page.status, 303);
    assert!(page.set_cookie[0].contains("; Secure"), "{:?}", page.set_cookie);
    // Someone signed in is sent from the sign-in page to the dashboard.
    let carol = site.sign_in("carol", &site.coordinator);
    assert_eq!(carol.get("/signin").location.as_deref(), Some("/disclosure"));
}

#[test]
fn the_public_form_gives_the_secret_link_once_and_limits_each_address() {
    let site = Site::start("public-form");
    let form = site.get("/report", None);
    assert_eq!(form.status, 200);
    assert_eq!(form.cache_control.as_deref(), Some("no-store"));
    assert!(form.body.contains("action=\"/report\""));
    assert!(!form.body.contains("name=\"csrf\""), "the public form needs no session");

    let refused = site.post("/report", &[], &[("title", " "), ("description", "something")]);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("`title` must be 1 to 200 characters"), "{}", refused.body);
    assert!(refused.body.contains(">something</textarea>"), "the typed text is lost");
    let titles: Vec<String> = (1..=4).map(|n| format!("Public form report {n}")).collect();
    let links: Vec<String> = titles.iter().map(|t| site.report(t)).collect();
    assert_eq!(links.iter().collect::<std::collections::BTreeSet<_>>().len(), 4, "links must differ");
    let sixth = site.post("/report", &[], &[("title", "One too many"), ("description", "spam")]);
    assert_eq!(sixth.status, 429, "{}", sixth.body);
    assert!(sixth.body.contains("Too many reports"));
    assert!(!sixth.body.contains("/report/cw_"));

    // Nothing of the reports is on any public page.
    for path in ["/", "/advisories", "/feed.xml", "/search?q=Public+form", "/crates/cw-web-demo/security"] {
        let page = site.server.get(path);
        assert!(!page.body.contains("Public form report"), "{path} shows a private report");
    }
}

#[test]
fn the_draft_check_shows_diagnostics_and_the_cvss_score() {
    let site = Site::start("draft-check");
    site.report("Draft check");
    let carol = site.sign_in("carol", &site.coordinator);
    let id = carol.find("Draft check");
    carol.act_ok(id, "acknowledge", &[]);
    let page = carol.act_ok(id, "accept", &[]);
    let rustsec_id = between(&page.body, "<span id=\"rustsec-id\">", "<").unwrap().to_owned();
    let ruth = site.responder.0.to_string();
    carol.act_ok(
        id,
        "start_fix",
        &[("handler", &ruth), ("affected_versions_confirmed", "on"), ("similar_code_audited", "on")],
    );
    let (_, version, _) = site.stored(id);

    let valid = valid_draft(&rustsec_id);
    let page = carol.preview(id, &valid);
    assert!(page.body.contains("No problems found."), "{}", page.body);
    assert!(page.body.contains("CVSS 3.1 base score <strong>9.8</strong> (critical)"), "{}", page.body);
    assert!(page.body.contains("Checked, not saved yet."));

    let broken = valid.replace("AV:N/AC:L", "AV:Q/AC:L").replace("date = \"2026-11-22\"", "date = \"2026-13-40\"");
    let page = carol.preview(id, &broken);
    assert!(page.body.contains("2 errors, 0 warnings"), "{}", page.body);
    assert!(page.body.contains("<strong>error[invalid-cvss]</strong>"), "{}", page.body);
    assert!(page.body.contains("line 5: <strong>error[invalid-date]</strong>"), "{}", page.body);
    // The text checked is the text shown, so that it can be fixed.
    assert!(page.body.contains("AV:Q/AC:L"));

    let other_id = valid.replace(&rustsec_id, "RUSTSEC-2020-0001");
    let page = carol.preview(id, &other_id);
    assert!(page.body.contains("error[id-mismatch]"), "{}", page.body);

    // Nothing was saved by checking; submitting the broken draft is refused and keeps the text.
    assert_eq!(site.stored(id).1, version);
    let refused = carol.act(id, "submit_draft", &[("text", &broken)]);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("the draft advisory has 2 errors"), "{}", refused.body);
    assert!(refused.body.contains("AV:Q/AC:L"), "the typed draft is lost");
    assert_eq!(site.stored(id).1, version);

    // Browsers send a textarea's lines separated by CR LF: the draft stored is the one typed.
    let page = carol.preview(id, &valid.replace('\n', "\r\n"));
    assert!(page.body.contains("No problems found."), "{}", page.body);
    carol.act_ok(id, "submit_draft", &[("text", &valid.replace('\n', "\r\n"))]);
    let url = site.store_url.clone();
    let stored = site.server.block_on(async move {
        let store = Store::open(&url).await.unwrap();
        let draft = store.report(id).await.unwrap().unwrap().draft;
        store.close().await;
        draft
    });
    assert_eq!(stored.as_deref(), Some(valid.as_str()));
}

#[test]
fn a_responder_takes_an_assigned_report_to_publication_through_the_forms() {
    let site = Site::start("responder-flow");
    site.report("Panic in the responder's crate");
    // A coordinator assigns the report; everything after is the responder's, on the pages.
    let carol = site.sign_in("carol", &site.coordinator);
    let id = carol.find("Panic in the responder's crate");
    let (ruth_id, ruth_token) = &site.responder;
    carol.act_ok(id, "assign", &[("handler", &ruth_id.to_string())]);

    let ruth = site.sign_in("ruth", ruth_token);
    assert_eq!(ruth.find("Panic in the responder's crate"), id, "the dashboard lists the assigned report");
    ruth.act_ok(id, "acknowledge", &[]);
    let page = ruth.act_ok(id, "accept", &[]);
    let rustsec_id = between(&page.body, "<span id=\"rustsec-id\">", "<").expect("an allocated id").to_owned();
    let me = ruth_id.to_string();
    let fields = [("handler", me.as_str()), ("affected_versions_confirmed", "true"), ("similar_code_audited", "true")];
    ruth.act_ok(id, "start_fix", &fields);
    ruth.act_ok(id, "submit_draft", &[("text", &valid_draft(&rustsec_id))]);
    // Less than the 72 hours of pre-notification is a coordinator's decision, not the responder's.
    let soon = (site.clock.now() + SignedDuration::from_hours(24)).to_string();
    assert_eq!(ruth.act(id, "embargo", &[("until", &soon)]).status, 422);
    let until = site.clock.now() + SignedDuration::from_hours(5 * 24);
    let page = ruth.act_ok(id, "embargo", &[("until", &until.to_string())]);
    assert!(page.body.contains("class=\"state embargoed\""), "{}", page.body);

    // The scheduler pre-notifies, then publishes at the embargo's end.
    let tick = |at: jiff::Timestamp| {
        site.clock.set(at);
        let state = std::sync::Arc::clone(&site.server.state);
        site.server.block_on(async move {
            let tick = state.disclosure().unwrap().tick().await.unwrap();
            state.refresh_published().await.unwrap();
            tick
        })
    };
    assert_eq!(tick(until - SignedDuration::from_hours(72)).prenotified, [id]);
    assert_eq!(site.server.get(&format!("/advisories/{rustsec_id}")).status, 404);
    assert_eq!(tick(until).published, [id]);
    assert_eq!(site.server.get(&format!("/advisories/{rustsec_id}")).status, 200);
    let ruth = site.sign_in("ruth", ruth_token);
    assert!(ruth.report_page(id).body.contains("class=\"state published\""));
}

/// A site served over https (`--base-url https://...`, TLS ended by a proxy that sends no
/// `X-Forwarded-Proto`) must not let browsers send its session cookie over plain http.
#[test]
fn the_session_cookie_is_secure_when_the_site_is_served_over_https() {
    let site = Site::start_at("secure-cookie", "https://cratewatch.test");
    let page = site.post("/signin", &[], &[("name", "carol"), ("token", &site.coordinator)]);
    assert_eq!(page.status, 303, "{}", page.body);
    let cookie = page.set_cookie.first().expect("a session cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(attributes.contains(&flag), "{flag} missing: {cookie}");
    }
    // Signing out removes the cookie with the same attributes.
    let session = cookie.split(';').next().unwrap();
    let signed_in = site.get("/disclosure", Some(session));
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let csrf = hidden(&signed_in.body, "csrf");
    let out = site.post("/signout", &[("cookie", session)], &[("csrf", &csrf)]);
    assert_eq!(out.status, 303, "{}", out.body);
    let removal = out.set_cookie.first().expect("the cookie removed");
    assert!(removal.contains("Max-Age=0") && removal.split(';').any(|a| a.trim() == "Secure"), "{removal}");
}

/// The report form refuses what the service refuses: a title on several lines, or control characters
/// in the title or the crate name, with the reason and the typed text kept.
#[test]
fn the_report_form_refuses_control_characters_in_the_title_and_crate() {
    let site = Site::start("form-control-chars");
    for (title, crate_name, field) in [("Two\nlines", "cw-web-demo", "title"), ("Fine", "cw\u{0}demo", "crate")] {
        let page = site.post(
            "/report",
            &[],
            &[("title", title), ("crate", crate_name), ("description", "Details that must not be lost.")],
        );
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.body.contains(&format!("`{field}`")) && page.body.contains("control character"), "{}", page.body);
        assert!(page.body.contains("Details that must not be lost."), "the typed text is lost");
    }
    let carol = site.sign_in("carol", &site.coordinator);
    assert!(carol.get("/disclosure").body.contains("No reports."), "nothing was stored");
}
