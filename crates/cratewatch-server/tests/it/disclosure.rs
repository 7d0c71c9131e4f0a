//! The disclosure workflow over its JSON API, against a real server on loopback, on both stores
//! (SQLite in a file, and the PostgreSQL server of `$CRATEWATCH_TEST_POSTGRES_URL`), with a settable
//! clock and a real SMTP sink: a report from received to published, the policy's clocks and
//! escalations, mail failures that lose nothing, each role refused what it must not do, and the
//! embargo-leak walk over every public route.

use std::sync::Arc;
use std::time::Duration;

use cratewatch_disclosure::{Clock, ManualClock};
use cratewatch_server::DisclosureSetup;
use cratewatch_store::Store;
use cratewatch_workflow::{DisclosureConfig, Mailer, NoMailer, SmtpMailer};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::harness::Server;
use super::smtp_sink::SmtpSink;

/// A running server with the workflow on, its clock, and tokens for a coordinator, two responders and
/// a read-only coordinator.
struct Workflow {
    server: Server,
    clock: ManualClock,
    coordinator: String,
    responder: (i64, String),
    other_responder: String,
    other_responder_id: i64,
    read_only: String,
}

const START: &str = "2026-11-02T09:00:00Z";

impl Workflow {
    fn start(backend: &str, name: &str, mailer: Arc<dyn Mailer>) -> Workflow {
        let url = cratewatch_testdata::store_url(backend, &format!("server-{name}"));
        let clock = ManualClock::new(START.parse().unwrap());
        let setup = DisclosureSetup {
            database_url: url.clone(),
            mailer,
            clock: Arc::new(clock.clone()),
            config: DisclosureConfig {
                coordinators: vec!["coordinators@cratewatch.test".into()],
                distribution: vec!["distros@lists.test".into()],
                base_url: "http://cratewatch.test".into(),
            },
            // The tests run the scheduler themselves, at the times they set.
            tick_interval: Duration::from_secs(3600),
        };
        let server = Server::start_disclosure(setup);
        let now = clock.now().as_millisecond();
        let (coordinator, responder, (other_responder_id, other_responder), read_only) = server.block_on(async {
            let store = Store::open(&url).await.unwrap();
            let (_, coordinator) = store.add_user("carol", "coordinator", &["read", "write"], now).await.unwrap();
            let (ruth, responder) = store.add_user("ruth", "responder", &["read", "write"], now).await.unwrap();
            let (rex, other) = store.add_user("rex", "responder", &["read", "write"], now).await.unwrap();
            let (_, read_only) = store.add_user("olga", "coordinator", &["read"], now).await.unwrap();
            store.close().await;
            (coordinator, (ruth.id, responder), (rex.id, other), read_only)
        });
        Workflow { server, clock, coordinator, responder, other_responder, other_responder_id, read_only }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>, token: Option<&str>) -> (u16, Value) {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        self.server.send_json(method, path, body.as_ref(), &headers)
    }

    fn act(&self, id: i64, token: &str, action: Value) -> (u16, Value) {
        self.call("POST", &format!("/api/v1/reports/{id}/actions"), Some(action), Some(token))
    }

    fn act_ok(&self, id: i64, token: &str, action: Value) -> Value {
        let (status, body) = self.act(id, token, action.clone());
        assert_eq!(status, 200, "{action}: {body}");
        body
    }

    fn submit(&self, title: &str) -> (i64, String) {
        let report = json!({
            "title": title,
            "description": "Calling `insert_many` with an iterator that lies about its length writes past the buffer.",
            "crate": "smallvec",
            "reporter_name": "Rita Reporter",
            "reporter_email": "rita@example.test",
        });
        let (status, body) = self.call("POST", "/api/v1/reports", Some(report), None);
        assert_eq!(status, 201, "{body}");
        (body["id"].as_i64().unwrap(), body["reporter_token"].as_str().unwrap().to_owned())
    }

    fn tick(&self) -> cratewatch_workflow::Tick {
        let state = Arc::clone(&self.server.state);
        self.server.block_on(async move {
            let tick = state.disclosure().unwrap().tick().await.unwrap();
            state.refresh_published().await.unwrap();
            tick
        })
    }

    fn view(&self, id: i64) -> Value {
        let (status, body) = self.call("GET", &format!("/api/v1/reports/{id}"), None, Some(&self.coordinator));
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Takes a report from received to embargoed, returning its RUSTSEC id: a coordinator assigns it,
    /// and the responder takes every step from there.
    fn to_embargoed(&self, id: i64, title: &str, until: Timestamp) -> String {
        self.act_ok(id, &self.coordinator, json!({"action": "assign", "handler": self.responder.0}));
        let r = &self.responder.1;
        self.act_ok(id, r, json!({"action": "acknowledge"}));
        let accepted = self.act_ok(id, r, json!({"action": "accept"}));
        let rustsec_id = accepted["rustsec_id"].as_str().unwrap().to_owned();
        self.act_ok(
            id,
            r,
            json!({"action": "start_fix", "handler": self.responder.0,
                   "affected_versions_confirmed": true, "similar_code_audited": true}),
        );
        // The draft is checked live first, as the editor does.
        let draft = draft(&rustsec_id, title);
        let (status, check) = self.call("POST", "/api/v1/drafts/check", Some(json!({"text": draft})), Some(r));
        assert_eq!(status, 200);
        assert_eq!(check["valid"], true, "{check}");
        assert_eq!(check["cvss"]["score"], 9.8, "{check}");
        assert_eq!(check["cvss"]["severity"], "critical", "{check}");
        let broken = draft.replace("package = \"smallvec\"", "package = 7");
        let (_, check) = self.call("POST", "/api/v1/drafts/check", Some(json!({"text": broken})), Some(r));
        assert_eq!(check["valid"], false, "{check}");
        let (status, refused) = self.act(id, r, json!({"action": "submit_draft", "text": broken}));
        assert_eq!(status, 422, "{refused}");
        self.act_ok(id, r, json!({"action": "submit_draft", "text": draft}));
        self.act_ok(id, r, json!({"action": "embargo", "until": until.to_string()}));
        rustsec_id
    }
}

/// A lockfile holding an affected smallvec.
const LOCKFILE: &str = r#"version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["smallvec"]

[[package]]
name = "smallvec"
version = "1.13.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

fn draft(id: &str, title: &str) -> String {
    format!(
        r#"```toml
[advisory]
id = "{id}"
package = "smallvec"
date = "2026-11-02"
url = "https://github.com/servo/rust-smallvec/issues/9999"
categories = ["memory-corruption"]
keywords = ["zebrafinch-keyword"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

[versions]
patched = [">= 1.13.3"]
```

# {title}

`SmallVec::insert_many` trusted the length an iterator reported and wrote past its buffer when the
iterator lied. Zebrafinch marker text for the leak test.
"#
    )
}

#[test]
fn a_report_goes_from_received_to_published_on_sqlite() {
    from_received_to_published("sqlite");
}

#[test]
fn a_report_goes_from_received_to_published_on_postgres() {
    from_received_to_published("postgres");
}

fn from_received_to_published(backend: &str) {
    let w = Workflow::start(backend, &format!("flow-{backend}"), Arc::new(NoMailer));
    let title = "Zebrafinch overflow in SmallVec::insert_many";
    let (id, reporter) = w.submit(title);
    let until: Timestamp = "2026-11-09T16:00:00Z".parse().unwrap();
    let rustsec_id = w.to_embargoed(id, title, until);

    // Allocated after the public database's last id of the year.
    let number: u32 = rustsec_id.strip_prefix("RUSTSEC-2026-").unwrap().parse().unwrap();
    assert!(number > 200, "{rustsec_id}");

    // Publishing early is refused to the handler and, before the embargo's end, to everyone.
    let (status, body) = w.act(id, &w.responder.1, json!({"action": "publish"}));
    assert_eq!(status, 403, "{body}");
    let (status, body) = w.act(id, &w.coordinator, json!({"action": "publish"}));
    assert_eq!(status, 422, "{body}");

    // A CVE id arrives while the report is embargoed; it becomes an alias of the published advisory.
    w.act_ok(id, &w.responder.1, json!({"action": "set_cve", "cve": "CVE-2026-424242"}));
    let (status, body) = w.act(id, &w.responder.1, json!({"action": "set_cve", "cve": "cve 2026"}));
    assert_eq!(status, 422, "{body}");

    // The scheduler pre-notifies 72 hours before the end, once, then publishes at the end.
    w.clock.set(until - SignedDuration::from_hours(72) - SignedDuration::from_secs(1));
    assert!(w.tick().prenotified.is_empty());
    w.clock.set(until - SignedDuration::from_hours(72));
    assert_eq!(w.tick().prenotified, [id]);
    assert!(w.tick().prenotified.is_empty(), "pre-notified once");
    w.clock.set(until - SignedDuration::from_secs(1));
    assert!(w.tick().published.is_empty());
    let (status, audited) = w.server.post_text("/api/v1/audit", LOCKFILE);
    assert_eq!(status, 200, "{audited}");
    assert!(!audited.contains(&rustsec_id), "{audited}");
    assert_eq!(w.server.get(&format!("/advisories/{rustsec_id}")).status, 404);
    w.clock.set(until);
    assert_eq!(w.tick().published, [id]);

    // Published without a restart: the pages, the JSON API and the OSV API serve it.
    let page = w.server.get(&format!("/advisories/{rustsec_id}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Zebrafinch overflow"), "{}", page.body);
    let osv = w.server.json(&format!("/v1/vulns/{rustsec_id}"));
    // As in RustSec's export: `published` from the advisory's date, `modified` from its last change
    // (here the publication).
    assert_eq!(osv["published"], "2026-11-02T12:00:00Z");
    assert_eq!(osv["modified"], "2026-11-09T16:00:00Z");
    assert_eq!(osv["affected"][0]["package"]["name"], "smallvec");
    assert_eq!(osv["aliases"], json!(["CVE-2026-424242"]));
    assert_eq!(w.server.json("/v1/vulns/CVE-2026-424242")["id"], rustsec_id.as_str(), "found by its alias");
    let (_, query) = w.call("POST", "/v1/query", Some(json!({"package": {"purl": "pkg:cargo/smallvec@1.13.2"}})), None);
    assert!(query["vulns"].as_array().unwrap().iter().any(|v| v["id"] == rustsec_id.as_str()), "{query}");
    let (_, audited) = w.server.post_text("/api/v1/audit", LOCKFILE);
    let audited: Value = serde_json::from_str(&audited).unwrap();
    let found: Vec<&str> =
        audited["vulnerabilities"].as_array().unwrap().iter().filter_map(|v| v["advisory"].as_str()).collect();
    assert!(found.contains(&rustsec_id.as_str()), "the audit reports it: {audited}");
    // `cratewatch audit --server` gets it as a RustSec file that parses back to the served advisory.
    let (status, texts) = w.call(
        "POST",
        "/api/v1/audit/advisories",
        Some(json!({"packages": [{"name": "smallvec", "version": "1.13.2"}]})),
        None,
    );
    assert_eq!(status, 200, "{texts}");
    let sent = texts["advisories"].as_array().unwrap().iter().find(|a| a["id"] == rustsec_id.as_str()).expect("sent");
    assert_eq!(sent["format"], "rustsec");
    let parsed =
        cratewatch_advisory::parse_advisory(sent["text"].as_str().unwrap(), cratewatch_advisory::Collection::Crates)
            .advisory
            .expect("the text parses");
    assert_eq!(parsed.title, title);
    assert_eq!(parsed.aliases, ["CVE-2026-424242"]);
    let security = w.server.json("/api/v1/crates/smallvec/security");
    assert!(security.to_string().contains(&rustsec_id), "{security}");

    // The timeline holds every step, in order, with who took it.
    let view = w.view(id);
    let steps: Vec<&str> = view["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        [
            "received",
            "assign",
            "acknowledge",
            "accept",
            "start_fix",
            "submit_draft",
            "embargo",
            "set_cve",
            "mark_prenotified",
            // Nobody wrote to the reporter for five days before the embargo ended: the policy's
            // update clock ran out and the coordinators were told.
            "escalate",
            "publish"
        ]
    );
    assert!(view["timeline"][9]["summary"].as_str().unwrap().to_lowercase().contains("update"), "{view}");
    assert_eq!(view["timeline"][1]["actor"], "carol");
    assert_eq!(view["timeline"][2]["actor"], "ruth");
    assert_eq!(view["timeline"][10]["actor"], "cratewatch", "the scheduler published it");
    assert_eq!(view["report"]["state"], "published");
    // The notifications waited in the outbox (no relay configured); nothing was lost.
    let kinds: Vec<&str> =
        view["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    for kind in ["acknowledgement", "update", "prenotification", "announcement"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }

    // The RustSec file is exportable, and the reporter sees the outcome through their token.
    let export = w.server.get_with(
        &format!("/api/v1/reports/{id}/advisory.md"),
        &[("authorization", &format!("Bearer {}", w.coordinator))],
    );
    assert_eq!(export.status, 200);
    assert!(export.body.contains(&format!("id = \"{rustsec_id}\"")));
    let (status, osv_export) = w.call("GET", &format!("/api/v1/reports/{id}/osv.json"), None, Some(&w.coordinator));
    assert_eq!(status, 200);
    assert_eq!(osv_export, osv, "the exported OSV record is the one the OSV API serves");
    let (status, mine) = w.call("GET", &format!("/api/v1/reports/{id}"), None, Some(&reporter));
    assert_eq!(status, 200);
    assert_eq!(mine["report"]["state"], "published");
    assert!(mine["report"].get("draft").is_none(), "the reporter does not see staff fields");
    let theirs: Vec<&str> =
        mine["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        theirs,
        ["received", "acknowledge", "accept", "start_fix", "submit_draft", "embargo", "publish"],
        "the reporter sees the state changes only"
    );
    assert!(
        mine["timeline"].as_array().unwrap().iter().all(|e| e.get("actor").is_none() && e.get("summary").is_none())
    );
}

#[test]
fn nothing_embargoed_reaches_a_public_route() {
    let w = Workflow::start("sqlite", "leak", Arc::new(NoMailer));
    let title = "Zebrafinch overflow in SmallVec::insert_many";
    let (id, _) = w.submit(title);
    let until: Timestamp = "2026-11-09T16:00:00Z".parse().unwrap();
    let rustsec_id = w.to_embargoed(id, title, until);
    w.tick();

    let walk = |expect: bool| {
        let mut seen = Vec::new();
        // The marks of the embargoed advisory: its title and description, and its id where the request
        // does not itself carry the id (a page may echo what it was asked for).
        let leaks = |path: &str, body: &str| {
            let body = body.to_lowercase();
            body.contains("zebrafinch overflow")
                || body.contains("zebrafinch marker text")
                || (!path.contains(&rustsec_id) && body.contains(&rustsec_id.to_lowercase()))
        };
        // Every declared route, from the route table: a route added later is walked too, or this test
        // says which parameter it needs a value for.
        for route in cratewatch_server::routes() {
            let fill = |segment: &str| -> String {
                let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                    return segment.to_owned();
                };
                match param {
                    "name" => "smallvec".into(),
                    "version" => "1.13.2".into(),
                    "id" if route.path.contains("reports") => id.to_string(),
                    "id" => rustsec_id.clone(),
                    "category" => "memory-corruption".into(),
                    "keyword" => "zebrafinch-keyword".into(),
                    "file" => "smallvec.json".into(),
                    "token" => "cw_not-a-reporter-token".into(),
                    other => panic!("the leak walk has no value for `{{{other}}}` in {}: add one", route.path),
                }
            };
            let path = route.path.split('/').map(fill).collect::<Vec<_>>().join("/");
            for method in &route.methods {
                match (method.as_str(), route.path.as_str()) {
                    ("GET", "/search") => {
                        for q in ["zebrafinch", rustsec_id.as_str()] {
                            let path = format!("/search?q={q}");
                            if leaks(&path, &w.server.get(&path).body) {
                                seen.push(path);
                            }
                        }
                    }
                    ("GET", _) => {
                        let mut paths = vec![path.clone()];
                        if route.path == "/api/v1/advisories" {
                            paths.push(format!("{path}?since=2026-01-01"));
                        }
                        for path in paths {
                            if leaks(&path, &w.server.get(&path).body) {
                                seen.push(path);
                            }
                        }
                    }
                    ("POST", "/v1/query") => {
                        for body in [
                            json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}}),
                            json!({"package": {"purl": "pkg:cargo/smallvec@1.13.2"}}),
                        ] {
                            if leaks(&path, &w.call("POST", &path, Some(body), None).1.to_string()) {
                                seen.push(path.clone());
                            }
                        }
                    }
                    ("POST", "/v1/querybatch") => {
                        let body = json!({"queries": [{"package": {"purl": "pkg:cargo/smallvec@1.13.2"}}]});
                        if leaks(&path, &w.call("POST", &path, Some(body), None).1.to_string()) {
                            seen.push(path.clone());
                        }
                    }
                    ("POST", "/api/v1/audit") => {
                        if leaks(&path, &w.server.post_text(&path, LOCKFILE).1) {
                            seen.push(path.clone());
                        }
                    }
                    // The workflow's other forms and actions, tried by the public: signed out, no token.
                    ("POST", _) => {
                        if leaks(&path, &w.server.post_text(&path, "{}").1) {
                            seen.push(path.clone());
                        }
                    }
                    (other, _) => panic!("the leak walk does not know how to send {other} {}", route.path),
                }
            }
        }
        if expect {
            for path in [
                format!("/advisories/{rustsec_id}"),
                "/crates/smallvec/security".into(),
                "/feed.xml".into(),
                "/search?q=zebrafinch".into(),
                format!("/v1/vulns/{rustsec_id}"),
                "/packages/smallvec.json".into(),
                "/v1/query".into(),
                "/v1/querybatch".into(),
                "/api/v1/audit".into(),
            ] {
                assert!(seen.contains(&path), "{path} shows the published advisory (seen on {seen:?})");
            }
        } else {
            assert!(seen.is_empty(), "embargoed text on public routes: {seen:?}");
        }
    };
    walk(false);
    // Pre-notified distributions see nothing public either.
    w.clock.set(until - SignedDuration::from_hours(1));
    assert_eq!(w.tick().prenotified, [id], "the scheduler pre-notifies before it publishes");
    walk(false);
    w.clock.set(until);
    assert_eq!(w.tick().published, [id]);
    walk(true);
}

#[test]
fn each_role_is_refused_what_it_must_not_do() {
    let w = Workflow::start("sqlite", "roles", Arc::new(NoMailer));
    let (id, reporter) = w.submit("Zebrafinch overflow");
    let (other_id, other_reporter) = w.submit("Another report");

    // No token, a bad token, a revoked token.
    assert_eq!(w.call("GET", "/api/v1/reports", None, None).0, 401);
    assert_eq!(w.call("GET", "/api/v1/reports", None, Some("cw_not-a-token")).0, 401);

    // A responder sees only what is assigned to them: nothing yet, and another's report is "not found".
    let (status, list) = w.call("GET", "/api/v1/reports", None, Some(&w.responder.1));
    assert_eq!((status, list["reports"].as_array().unwrap().len()), (200, 0));
    assert_eq!(w.call("GET", &format!("/api/v1/reports/{id}"), None, Some(&w.responder.1)).0, 404);
    assert_eq!(w.act(id, &w.responder.1, json!({"action": "acknowledge"})).0, 404);

    // Assigned, the responder works on it; the other responder still cannot see it.
    w.act_ok(id, &w.coordinator, json!({"action": "assign", "handler": w.responder.0}));
    w.act_ok(id, &w.responder.1, json!({"action": "acknowledge"}));
    assert_eq!(w.call("GET", &format!("/api/v1/reports/{id}"), None, Some(&w.other_responder)).0, 404);
    // Coordinator-only steps are refused to the handler.
    let (status, body) = w.act(id, &w.responder.1, json!({"action": "assign", "handler": w.responder.0}));
    assert_eq!(status, 403, "{body}");

    // A read-only token reads but cannot act.
    assert_eq!(w.call("GET", &format!("/api/v1/reports/{id}"), None, Some(&w.read_only)).0, 200);
    let (status, body) = w.act(id, &w.read_only, json!({"action": "add_message", "body": "hi"}));
    assert_eq!(status, 403, "{body}");

    // A reporter sees only their report, may add messages, and may take no workflow step.
    assert_eq!(w.call("GET", &format!("/api/v1/reports/{other_id}"), None, Some(&reporter)).0, 404);
    let (_, list) = w.call("GET", "/api/v1/reports", None, Some(&other_reporter));
    let ids: Vec<i64> = list["reports"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [other_id]);
    w.act_ok(id, &reporter, json!({"action": "add_message", "body": "More details: it also needs a ZST."}));
    let (status, body) = w.act(id, &reporter, json!({"action": "accept"}));
    assert_eq!(status, 403, "{body}");
    assert_eq!(w.call("GET", &format!("/api/v1/reports/{id}/advisory.md"), None, Some(&reporter)).0, 403);
    let view = w.view(id);
    assert_eq!(view["messages"][0]["from_reporter"], true);

    // Stale views are refused: the version the caller saw is not the current one.
    let (status, body) =
        w.act(id, &w.coordinator, json!({"action": "add_message", "body": "late", "expected_version": 1}));
    assert_eq!(status, 409, "{body}");
    // Skipping a step is refused with the state named.
    let (status, body) = w.act(id, &w.coordinator, json!({"action": "submit_draft", "text": "x"}));
    assert_eq!(status, 409, "{body}");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("acknowledged"), "{body}");
    // Malformed input is a clear 400.
    let (status, body) = w.act(id, &w.coordinator, json!({"action": "embargo", "until": "next tuesday"}));
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("RFC 3339"), "{body}");
    let (status, _) = w.call("POST", "/api/v1/reports", Some(json!({"title": "", "description": "x"})), None);
    assert_eq!(status, 422);
}

#[test]
fn overdue_deadlines_escalate_once_and_mail_failures_lose_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let sink = runtime.block_on(SmtpSink::start());
    let mailer = SmtpMailer::new("127.0.0.1", sink.address.port(), "cratewatch <security@cratewatch.test>").unwrap();
    let w = Workflow::start("sqlite", "clocks", Arc::new(mailer));
    let (id, _) = w.submit("Zebrafinch overflow");

    // Within 24 hours nothing is overdue; one second after, the acknowledgement is, and escalates once.
    let received = w.clock.now();
    w.clock.set(received + SignedDuration::from_hours(24));
    assert_eq!(w.tick().escalated, 0);
    w.clock.set(received + SignedDuration::from_hours(24) + SignedDuration::from_secs(1));
    let (_, due) = w.call("GET", "/api/v1/deadlines", None, Some(&w.coordinator));
    assert_eq!(due["deadlines"][0]["deadline"]["kind"], "acknowledge");
    assert_eq!(due["deadlines"][0]["deadline"]["overdue"], true);
    assert_eq!(w.tick().escalated, 1);
    assert_eq!(w.tick().escalated, 0, "escalated once");
    let escalation = sink.received().into_iter().find(|m| m.to == ["coordinators@cratewatch.test"]).expect("mailed");
    assert!(escalation.data.contains("overdue"), "{}", escalation.data);

    // The relay goes down: the acknowledgement is not delivered, the workflow goes on, and the
    // notification is retried later and delivered.
    sink.refuse_next(1);
    w.act_ok(id, &w.coordinator, json!({"action": "acknowledge"}));
    let tick = w.tick();
    assert_eq!((tick.sent, tick.failed), (0, 1));
    let view = w.view(id);
    let ack = view["notifications"].as_array().unwrap().iter().find(|n| n["kind"] == "acknowledgement").unwrap();
    assert_eq!((ack["attempts"].as_i64(), ack["sent_at"].is_null()), (Some(1), true));
    assert!(ack["last_error"].as_str().unwrap().contains("SMTP"), "{ack}");
    w.act_ok(id, &w.coordinator, json!({"action": "accept"}));
    w.clock.set(w.clock.now() + SignedDuration::from_mins(2));
    let tick = w.tick();
    assert_eq!(tick.failed, 0);
    assert!(tick.sent >= 2, "{tick:?}");
    let to_reporter: Vec<_> = sink.received().into_iter().filter(|m| m.to == ["rita@example.test"]).collect();
    assert!(to_reporter.iter().any(|m| m.data.contains("received")), "the acknowledgement arrived");
    assert!(to_reporter.len() >= 2);
    drop(runtime);
}

#[test]
fn concurrent_schedulers_escalate_each_overdue_deadline_once() {
    // Two replicas' schedulers ticking at the same moment, over many overdue reports.
    let w = Workflow::start("sqlite", "replicas", Arc::new(NoMailer));
    // Five reports: the public form's limit per address and hour.
    let ids: Vec<i64> = (0..5).map(|i| w.submit(&format!("Report {i}")).0).collect();
    w.clock.set(w.clock.now() + SignedDuration::from_hours(24) + SignedDuration::from_secs(1));
    let state = Arc::clone(&w.server.state);
    let (a, b) = w.server.block_on(async move {
        let d = state.disclosure().unwrap();
        tokio::join!(d.tick(), d.tick())
    });
    let escalated = a.unwrap().escalated + b.unwrap().escalated;
    // Whatever one tick left to the other (it saw the report change under it), later ticks finish.
    let later = w.tick().escalated + w.tick().escalated;
    assert_eq!(escalated + later, ids.len(), "each report's overdue acknowledgement, once");
    for id in ids {
        let view = w.view(id);
        let escalations = view["timeline"].as_array().unwrap().iter().filter(|e| e["action"] == "escalate").count();
        assert_eq!(escalations, 1, "report {id}");
    }
    // Assigning a user who does not exist is a clear 422, not a store failure.
    let (status, body) = w.act(1, &w.coordinator, json!({"action": "assign", "handler": 999}));
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("user 999"), "{body}");
}

/// `POST` of `body` to `path` with exactly these headers (no content type unless given); the status and
/// the body as JSON (`Null` when it is not JSON).
fn post_raw(server: &Server, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut request = ureq::http::Request::builder().method("POST").uri(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = super::harness::agent().run(request.body(body.to_owned()).unwrap()).unwrap();
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A web page on another site must not be able to make its visitors' browsers file reports: a form
/// or `fetch` without a preflight can send `text/plain`, never `application/json`, and a browser
/// names the page's site in `Origin`. The report form refuses both already; the API must too.
#[test]
fn the_report_api_refuses_cross_site_submissions() {
    let w = Workflow::start("sqlite", "cross-site", Arc::new(NoMailer));
    let report = json!({"title": "Cross-site report", "description": "Filed by a page on another site."}).to_string();
    let (status, body) = post_raw(&w.server, "/api/v1/reports", &[("content-type", "text/plain")], &report);
    assert_eq!(status, 415, "{body}");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("application/json"), "{body}");
    let (status, body) = post_raw(&w.server, "/api/v1/reports", &[], &report);
    assert_eq!(status, 415, "no content type: {body}");
    let json_from = |origin: &str| {
        post_raw(&w.server, "/api/v1/reports", &[("content-type", "application/json"), ("origin", origin)], &report)
    };
    let (status, body) = json_from("https://attacker.example");
    assert_eq!(status, 403, "{body}");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("another site"), "{body}");
    let (status, body) = json_from("null");
    assert_eq!(status, 403, "an opaque origin: {body}");
    // Nothing was filed.
    let (_, list) = w.call("GET", "/api/v1/reports", None, Some(&w.coordinator));
    assert_eq!(list["reports"].as_array().unwrap().len(), 0, "{list}");
    // The site itself (its configured address), and clients that send no `Origin`, may submit; a
    // media type with parameters is still JSON.
    let (status, body) = json_from("http://cratewatch.test");
    assert_eq!(status, 201, "{body}");
    let (status, body) =
        post_raw(&w.server, "/api/v1/reports", &[("content-type", "Application/JSON; charset=utf-8")], &report);
    assert_eq!(status, 201, "{body}");
    let (_, list) = w.call("GET", "/api/v1/reports", None, Some(&w.coordinator));
    assert_eq!(list["reports"].as_array().unwrap().len(), 2, "{list}");
}

/// RFC 9110 §11.1: the authentication scheme's name is case-insensitive.
#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let w = Workflow::start("sqlite", "bearer-case", Arc::new(NoMailer));
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let auth = format!("{scheme} {}", w.coordinator);
        let (status, body) = w.server.send_json("GET", "/api/v1/reports", None, &[("authorization", &auth)]);
        assert_eq!(status, 200, "{scheme}: {body}");
    }
    // Other schemes, and a scheme with no token, are still refused with the challenge.
    for auth in [format!("Basic {}", w.coordinator), "Bearer".to_owned(), format!("Bearer{}", w.coordinator)] {
        let (status, _) = w.server.send_json("GET", "/api/v1/reports", None, &[("authorization", &auth)]);
        assert_eq!(status, 401, "{auth}");
    }
}

/// Naming someone else as the handler is assigning, which a responder may not do: an authorization
/// refusal (403, as the README says), not invalid input.
#[test]
fn a_responder_starting_the_fix_for_someone_else_is_forbidden() {
    let w = Workflow::start("sqlite", "start-fix-other", Arc::new(NoMailer));
    let (id, _) = w.submit("Zebrafinch overflow");
    w.act_ok(id, &w.coordinator, json!({"action": "assign", "handler": w.responder.0}));
    w.act_ok(id, &w.responder.1, json!({"action": "acknowledge"}));
    w.act_ok(id, &w.responder.1, json!({"action": "accept"}));
    let fix = |handler: i64| {
        json!({"action": "start_fix", "handler": handler, "affected_versions_confirmed": true,
               "similar_code_audited": true})
    };
    let (status, body) = w.act(id, &w.responder.1, fix(w.other_responder_id));
    assert_eq!(status, 403, "{body}");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("only as its handler"), "{body}");
    assert_eq!(w.view(id)["report"]["state"], "accepted", "nothing changed");
    // As their own handler they may; a coordinator may name anyone.
    w.act_ok(id, &w.responder.1, fix(w.responder.0));
}

/// A report's title is one line of text and a crate name has no control characters either: newlines,
/// NUL, escapes and the like are refused with a 422 that names the field, and nothing is stored.
#[test]
fn titles_and_crate_names_with_control_characters_are_refused() {
    let w = Workflow::start("sqlite", "control-chars", Arc::new(NoMailer));
    // Four refusals and one success: the five reports an address may send in an hour. The service's
    // own tests (cratewatch-workflow) go through every kind of control character.
    let refused = [
        ("Two\nlines", "smallvec", "title"),
        ("Nul\0byte", "smallvec", "title"),
        ("C1 \u{85} control", "smallvec", "title"),
        ("Fine", "small\u{7}vec", "crate"),
    ];
    for (title, crate_name, field) in refused {
        let report = json!({"title": title, "description": "x", "crate": crate_name});
        let (status, body) = w.call("POST", "/api/v1/reports", Some(report.clone()), None);
        assert_eq!(status, 422, "{report}: {body}");
        let detail = body["errors"][0]["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("`{field}`")) && detail.contains("control character"), "{detail}");
    }
    let (_, list) = w.call("GET", "/api/v1/reports", None, Some(&w.coordinator));
    assert_eq!(list["reports"].as_array().unwrap().len(), 0, "{list}");
    // Text that is not a control character is fine: accents, emoji, quotes.
    let (status, body) = w.call(
        "POST",
        "/api/v1/reports",
        Some(json!({"title": "Débordement « bizarre » 🦀", "description": "x", "crate": "smallvec"})),
        None,
    );
    assert_eq!(status, 201, "{body}");
}
