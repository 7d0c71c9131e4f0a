//! Reports through the service: a report from received to published and what it publishes, the fields
//! a submission refuses, and a step refused as an authorization matter.

use cratewatch_disclosure::{Action, Role};
use cratewatch_workflow::{Published, Submission, WorkflowError};
use jiff::{SignedDuration, Timestamp};

use crate::{Service, submission, user_id};

fn draft(id: &str) -> String {
    format!(
        r#"```toml
[advisory]
id = "{id}"
package = "smallvec"
date = "2026-11-02"
url = "https://github.com/servo/rust-smallvec/issues/9999"
categories = ["memory-corruption"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

[versions]
patched = [">= 1.13.3"]
```

# Overflow in `SmallVec::insert_many`

`SmallVec::insert_many` trusted the length an iterator reported.
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_published_through_the_service_on_sqlite() {
    received_to_published("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_published_through_the_service_on_postgres() {
    received_to_published("postgres").await;
}

/// Every step as the HTTP layer and the scheduler take them, and what [`Disclosure::published`] then
/// gives the server: the advisory, with the report's CVE id as an alias, and the times of its OSV
/// record.
async fn received_to_published(backend: &str) {
    let s = Service::start(backend, "published").await;
    let (carol, _) = s.user("carol", Role::Coordinator, &[]).await;
    let (record, reporter_token) = s.disclosure.submit(submission("Overflow in insert_many")).await.unwrap();
    assert_eq!(record.state, "received");
    let reporter = s.disclosure.principal_for_token(&reporter_token).await.unwrap().expect("the reporter's token");
    assert!(s.disclosure.reporter_for_link(&reporter_token).await.unwrap().is_some());

    let id = record.id;
    let act = |action: Action| {
        let (disclosure, carol) = (&s.disclosure, &carol);
        async move { disclosure.act(carol, id, action, None).await.unwrap() }
    };
    act(Action::Acknowledge).await;
    let accepted = act(Action::Accept { rustsec_id: String::new() }).await;
    let rustsec_id = accepted.rustsec_id.clone().expect("allocated at acceptance");
    assert_eq!(rustsec_id, "RUSTSEC-2026-0201", "the first number after the floor");
    let handler = user_id(&carol);
    act(Action::StartFix { handler, affected_versions_confirmed: true, similar_code_audited: true }).await;
    act(Action::SubmitDraft { text: draft(&rustsec_id) }).await;
    act(Action::SetCve { cve: "CVE-2026-424242".to_owned() }).await;
    let until: Timestamp = "2026-11-09T16:00:00Z".parse().unwrap();
    act(Action::Embargo { until }).await;
    assert!(s.disclosure.published().await.unwrap().is_empty(), "nothing embargoed is published");

    // The reporter sees their report, not the staff's notifications; staff see those.
    let theirs = s.disclosure.view(&reporter, id).await.unwrap();
    assert!(theirs.notifications.is_empty());
    assert_eq!(theirs.report.state, cratewatch_disclosure::State::Embargoed);
    assert!(!s.disclosure.view(&carol, id).await.unwrap().notifications.is_empty());

    s.clock.set(until - SignedDuration::from_hours(72));
    assert_eq!(s.disclosure.tick().await.unwrap().prenotified, [id]);
    s.clock.set(until);
    assert_eq!(s.disclosure.tick().await.unwrap().published, [id]);

    let published = s.disclosure.published().await.unwrap();
    assert_eq!(published.len(), 1);
    let Published { advisory, published_at, modified_at } = &published[0];
    assert_eq!(advisory.id.as_str(), rustsec_id);
    assert_eq!(advisory.aliases, ["CVE-2026-424242"]);
    assert_eq!(advisory.withdrawn, None);
    assert_eq!((*published_at, *modified_at), (until, until));

    // Withdrawn a day later: still there, marked withdrawn on that day.
    s.clock.set(until + SignedDuration::from_hours(24));
    act(Action::Withdraw { reason: "not a vulnerability after all".to_owned() }).await;
    let published = s.disclosure.published().await.unwrap();
    assert_eq!(published[0].advisory.withdrawn.map(|d| d.to_string()), Some("2026-11-10".to_owned()));
    assert_eq!(published[0].published_at, until);
    assert_eq!(published[0].modified_at, until + SignedDuration::from_hours(24));
    let record = s.disclosure.view(&carol, id).await.unwrap().record;
    assert_eq!(Published::of_report(&record).map(|p| p.advisory.id), Some(advisory.id.clone()));
}

/// A title is one line of text; a crate name and a reporter's name have no control characters either.
/// Every C0 and C1 control character, DEL included, is refused with the field named, before anything
/// is stored; the description (Markdown, several lines) keeps its newlines and tabs.
#[tokio::test]
async fn submissions_with_control_characters_in_one_line_fields_are_refused() {
    let s = Service::start("sqlite", "control-characters").await;
    let controls =
        ['\0', '\u{1}', '\t', '\n', '\u{b}', '\r', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}', '\u{85}', '\u{9f}'];
    for c in controls {
        let cases: [(&str, Submission); 3] = [
            ("title", Submission { title: format!("Over{c}flow"), ..submission("x") }),
            ("crate", Submission { crate_name: format!("small{c}vec"), ..submission("Overflow") }),
            ("reporter_name", Submission { reporter_name: Some(format!("Rita{c}Reporter")), ..submission("Overflow") }),
        ];
        for (field, bad) in cases {
            let error = s.disclosure.submit(bad).await.unwrap_err();
            let message = error.to_string();
            assert!(matches!(error, WorkflowError::Invalid(_)), "{c:?} in {field}: {error:?}");
            assert!(
                message.starts_with(&format!("`{field}` must not contain control characters")),
                "{c:?} in {field}: {message}"
            );
            assert!(message.contains(&format!("U+{:04X}", u32::from(c))), "{message}");
        }
    }
    let (coordinator, _) = s.user("carol", Role::Coordinator, &[]).await;
    assert!(s.disclosure.list(&coordinator).await.unwrap().is_empty(), "nothing was stored");

    // What is not a control character is text: accents, quotes, emoji, other scripts. Surrounding
    // white space is trimmed, and a description keeps its lines.
    let fine = Submission {
        title: "  Débordement « étrange » dans 🦀 — 溢出  ".to_owned(),
        description: "Line one\n\tindented\r\nline three".to_owned(),
        crate_name: " smallvec ".to_owned(),
        reporter_name: Some("Ríta Ó'Reporter".to_owned()),
        reporter_email: None,
    };
    let (record, _) = s.disclosure.submit(fine).await.unwrap();
    assert_eq!(record.title, "Débordement « étrange » dans 🦀 — 溢出");
    assert_eq!(record.crate_name, "smallvec");
    assert_eq!(record.description, "Line one\n\tindented\r\nline three");
}

/// Naming another user as the handler is assigning, which only coordinators do: the service refuses it
/// as an authorization matter ([`WorkflowError::Forbidden`], 403 over HTTP), and nothing changes.
#[tokio::test]
async fn a_responder_cannot_start_the_fix_for_someone_else() {
    let s = Service::start("sqlite", "start-fix-other").await;
    let (carol, _) = s.user("carol", Role::Coordinator, &[]).await;
    let (ruth, _) = s.user("ruth", Role::Responder, &[]).await;
    let (rex, _) = s.user("rex", Role::Responder, &[]).await;
    let (record, _) = s.disclosure.submit(submission("Overflow")).await.unwrap();
    let id = record.id;
    s.disclosure.act(&carol, id, Action::Assign { handler: user_id(&ruth) }, None).await.unwrap();
    s.disclosure.act(&ruth, id, Action::Acknowledge, None).await.unwrap();
    s.disclosure.act(&ruth, id, Action::Accept { rustsec_id: String::new() }, None).await.unwrap();
    let fix = |handler| Action::StartFix { handler, affected_versions_confirmed: true, similar_code_audited: true };
    let before = s.disclosure.view(&carol, id).await.unwrap().record;
    let error = s.disclosure.act(&ruth, id, fix(user_id(&rex)), None).await.unwrap_err();
    assert!(matches!(error, WorkflowError::Forbidden(_)), "{error:?}");
    assert!(error.to_string().contains("only as its handler"), "{error}");
    assert_eq!(s.disclosure.view(&carol, id).await.unwrap().record, before);
    s.disclosure.act(&ruth, id, fix(user_id(&ruth)), None).await.unwrap();
}
