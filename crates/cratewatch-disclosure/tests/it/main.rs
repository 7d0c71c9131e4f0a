//! The disclosure workflow driven through its public API: transitions, permissions, notifications,
//! deadlines and draft checks.

mod authorization;
mod deadlines;
mod drafts;
mod ids;
mod notifications;
mod transitions;

use cratewatch_disclosure::{
    Action, Actor, ChecklistItem, Outcome, RejectReason, Rejection, Report, Role, State, apply,
};
use jiff::{SignedDuration, Timestamp};

/// The report every test works on.
pub(crate) const REPORT_ID: i64 = 12;
/// The id allocated at acceptance.
pub(crate) const RUSTSEC_ID: &str = "RUSTSEC-2026-0042";
/// The user id of the responder who handles the report.
pub(crate) const HANDLER: i64 = 5;

/// When the report arrives.
pub(crate) fn t0() -> Timestamp {
    ts("2026-11-22T09:00:00Z")
}

/// When the embargo of [`report_in`]'s embargoed report ends.
pub(crate) fn embargo_end() -> Timestamp {
    t0() + days(10)
}

pub(crate) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(crate) fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

pub(crate) fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

pub(crate) fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

pub(crate) fn admin() -> Actor {
    Actor::user(2, Role::Admin, "ada")
}

pub(crate) fn coordinator() -> Actor {
    Actor::user(1, Role::Coordinator, "carol")
}

pub(crate) fn handler() -> Actor {
    Actor::user(HANDLER, Role::Responder, "rob")
}

pub(crate) fn reporter() -> Actor {
    Actor::reporter(Some(100), "rita")
}

/// A draft advisory for the report, written for these tests in RustSec's format.
pub(crate) const ADVISORY: &str = r#"```toml
[advisory]
id = "RUSTSEC-2026-0042"
package = "demo-parser"
date = "2026-12-02"
url = "https://example.invalid/demo-parser/security/1"
categories = ["denial-of-service"]
keywords = ["panic", "parser"]
aliases = ["CVE-2026-41234"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"

[affected.functions]
"demo_parser::parse" = ["< 1.4.2, >= 1.0.0"]

[versions]
patched = [">= 1.4.2"]
unaffected = ["< 1.0.0"]
```

# Panic on truncated input in `demo_parser::parse`

`demo_parser::parse` indexes past the end of its buffer when the input ends inside an escape
sequence, and panics. A service that parses untrusted input can be brought down by one request.

The flaw was introduced in 1.0.0 and is fixed in 1.4.2. There is no workaround other than upgrading.
"#;

/// Applies `action` as `actor` at `now`, expecting success.
#[track_caller]
pub(crate) fn step(report: &Report, action: Action, actor: &Actor, now: Timestamp) -> Outcome {
    match apply(report, &action, actor, now) {
        Ok(outcome) => outcome,
        Err(e) => panic!("{} failed: {e}", action.name()),
    }
}

/// The report walked by an admin to `state` along the usual path:
///
/// - received at t0, acknowledged at t0+1h, accepted at t0+2h (the checklist's `semver_checked` ticked
///   at once), fix started at t0+3h by [`HANDLER`], drafted at t0+1d, embargoed at t0+2d until
///   [`embargo_end`], published at the embargo's end, withdrawn one day later;
/// - rejected at t0+2h as not a vulnerability.
pub(crate) fn report_in(state: State) -> Report {
    let admin = admin();
    let mut report = Report::received(REPORT_ID, "panic on truncated input", t0());
    let path: Vec<(Action, Timestamp)> = vec![
        (Action::Acknowledge, t0() + hours(1)),
        (Action::Accept { rustsec_id: RUSTSEC_ID.into() }, t0() + hours(2)),
        (Action::CheckItem { item: ChecklistItem::SemverChecked }, t0() + hours(2)),
        (
            Action::StartFix { handler: HANDLER, affected_versions_confirmed: true, similar_code_audited: true },
            t0() + hours(3),
        ),
        (Action::SubmitDraft { text: ADVISORY.into() }, t0() + days(1)),
        (Action::Embargo { until: embargo_end() }, t0() + days(2)),
        (Action::Publish, embargo_end()),
        (Action::Withdraw { reason: "the behaviour is documented".into() }, embargo_end() + days(1)),
    ];
    if state == State::Rejected {
        report = step(&report, Action::Acknowledge, &admin, t0() + hours(1)).report;
        let rejection = Rejection {
            reason: RejectReason::NotAVulnerability,
            detail: "the panic is documented".into(),
            duplicate_of: None,
        };
        return step(&report, Action::Reject(rejection), &admin, t0() + hours(2)).report;
    }
    for (action, at) in path {
        if report.state == state && !matches!(action, Action::CheckItem { .. }) {
            break;
        }
        report = step(&report, action, &admin, at).report;
    }
    assert_eq!(report.state, state, "no path to {state}");
    report
}
