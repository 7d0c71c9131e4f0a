//! Every action in every state, the validation of inputs, and a whole report's life.

use cratewatch_disclosure::{
    Action, Actor, ChecklistItem, RejectReason, Rejection, Report, State, TransitionError, apply,
};

use crate::*;

/// The time the table is run at: after the embargo's end, so that `publish` is possible.
fn table_now() -> jiff::Timestamp {
    embargo_end() + days(2)
}

/// One valid example of every action, with its name.
fn sample_actions() -> Vec<Action> {
    vec![
        Action::Acknowledge,
        Action::Accept { rustsec_id: RUSTSEC_ID.into() },
        Action::Reject(Rejection {
            reason: RejectReason::Duplicate,
            detail: "report 7 describes the same panic".into(),
            duplicate_of: Some(7),
        }),
        Action::StartFix { handler: HANDLER, affected_versions_confirmed: true, similar_code_audited: true },
        Action::SubmitDraft { text: ADVISORY.into() },
        Action::ReviseDraft,
        Action::Embargo { until: table_now() + days(7) },
        Action::CancelEmbargo,
        Action::Publish,
        Action::LiftEmbargoEarly { reason: "the issue was discussed publicly".into() },
        Action::Update { text: ADVISORY.replace("There is no workaround", "No workaround is known") },
        Action::Withdraw { reason: "the behaviour is documented".into() },
        Action::AddMessage { from_reporter: false, body: "We are working on a fix.".into() },
        Action::Assign { handler: 6 },
        Action::SetCve { cve: "CVE-2026-41234".into() },
        Action::EditDraft { text: ADVISORY.into() },
        Action::CheckItem { item: ChecklistItem::ReleasePublished },
        Action::UncheckItem { item: ChecklistItem::SemverChecked },
        Action::MarkPrenotified,
    ]
}

/// For each action: where it is possible (one column per state, in the order of `State::ALL`:
/// received, acknowledged, accepted, rejected, fix_in_progress, drafted, embargoed, published,
/// withdrawn) and where it leads (`None`: the state does not change).
const TABLE: &[(&str, &str, Option<&str>)] = &[
    ("acknowledge", "x........", Some("acknowledged")),
    ("accept", ".x.......", Some("accepted")),
    ("reject", ".x.......", Some("rejected")),
    ("start_fix", "..x......", Some("fix_in_progress")),
    ("submit_draft", "....x....", Some("drafted")),
    ("revise_draft", ".....x...", Some("fix_in_progress")),
    ("embargo", ".....x...", Some("embargoed")),
    ("cancel_embargo", "......x..", Some("drafted")),
    ("publish", "......x..", Some("published")),
    ("lift_embargo_early", "......x..", Some("published")),
    ("update", ".......x.", None),
    ("withdraw", ".......x.", Some("withdrawn")),
    ("add_message", "xxx.xxx..", None),
    ("assign", "xxx.xxx..", None),
    ("set_cve", "xxx.xxxx.", None),
    ("edit_draft", "....xx...", None),
    ("check_item", "..x.xxxx.", None),
    ("uncheck_item", "..x.xxxx.", None),
    ("mark_prenotified", "......x..", None),
];

#[test]
fn every_action_in_every_state() {
    let actions = sample_actions();
    assert_eq!(actions.len(), TABLE.len());
    for (action, (name, cells, target)) in actions.iter().zip(TABLE) {
        assert_eq!(action.name(), *name);
        let allowed: Vec<State> =
            State::ALL.iter().zip(cells.chars()).filter(|(_, c)| *c == 'x').map(|(s, _)| *s).collect();
        assert_eq!(action.allowed_in(), allowed, "{name}");
        for (state, cell) in State::ALL.iter().zip(cells.chars()) {
            let report = report_in(*state);
            let result = apply(&report, action, &admin(), table_now());
            if cell == 'x' {
                let outcome = result.unwrap_or_else(|e| panic!("{name} in {state}: {e}"));
                let expected = target.map_or(*state, |t| t.parse().unwrap());
                assert_eq!(outcome.report.state, expected, "{name} in {state}");
                assert_eq!(
                    (outcome.event.action, outcome.event.from_state, outcome.event.to_state),
                    (*name, *state, expected)
                );
            } else {
                let err = result.err().unwrap_or_else(|| panic!("{name} was allowed in {state}"));
                let message = err.to_string();
                match err {
                    TransitionError::WrongState { report, action, state: found, .. } => {
                        assert_eq!((report, action, found), (REPORT_ID, *name, *state), "{message}");
                    }
                    other => panic!("{name} in {state}: unexpected error {other:?}"),
                }
                assert!(
                    message.starts_with("cannot ") && message.contains(&format!("report 12: it is {state}, ")),
                    "{message}"
                );
            }
        }
    }
}

/// Error messages name the action, the report and its state, and what would have been needed.
#[test]
fn wrong_state_messages() {
    #[track_caller]
    fn check(state: State, action: Action, expected: &str) {
        let err = apply(&report_in(state), &action, &admin(), table_now()).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
    let accept = || Action::Accept { rustsec_id: RUSTSEC_ID.into() };
    check(State::Received, accept(), "cannot accept report 12: it is received, not acknowledged");
    check(State::FixInProgress, accept(), "cannot accept report 12: it is fix_in_progress, not acknowledged");
    check(State::Rejected, Action::Acknowledge, "cannot acknowledge report 12: it is rejected, which is final");
    check(
        State::Withdrawn,
        Action::AddMessage { from_reporter: false, body: "hello".into() },
        "cannot add a message to report 12: it is withdrawn, which is final",
    );
    check(
        State::Embargoed,
        Action::EditDraft { text: ADVISORY.into() },
        "cannot edit the draft of report 12: it is embargoed, not fix_in_progress or drafted",
    );
    check(
        State::Published,
        Action::Assign { handler: 6 },
        "cannot assign report 12: it is published, not received, acknowledged, accepted, fix_in_progress, \
         drafted or embargoed",
    );
    check(
        State::Published,
        Action::CancelEmbargo,
        "cannot cancel the embargo of report 12: it is published, not embargoed",
    );
    check(
        State::Drafted,
        Action::SubmitDraft { text: ADVISORY.into() },
        "cannot submit a draft for report 12: it is drafted, not fix_in_progress",
    );
}

/// Inputs that are wrong whatever the state.
#[test]
fn invalid_inputs() {
    #[track_caller]
    fn check(state: State, action: Action, now: jiff::Timestamp, expected: &str) {
        let err = apply(&report_in(state), &action, &admin(), now).unwrap_err();
        assert!(matches!(err, TransitionError::Invalid { .. }), "{err:?}");
        assert_eq!(err.to_string(), expected);
    }
    let now = table_now();
    let reject =
        |reason, detail: &str, duplicate_of| Action::Reject(Rejection { reason, detail: detail.into(), duplicate_of });
    check(
        State::Acknowledged,
        Action::Accept { rustsec_id: "RUSTSEC-26-1".into() },
        now,
        "cannot accept report 12: invalid RustSec id `RUSTSEC-26-1`: expected RUSTSEC-YYYY-NNNN",
    );
    check(
        State::Acknowledged,
        reject(RejectReason::Duplicate, "same", None),
        now,
        "cannot reject report 12: a duplicate must name the report it duplicates",
    );
    check(
        State::Acknowledged,
        reject(RejectReason::Duplicate, "same", Some(REPORT_ID)),
        now,
        "cannot reject report 12: a report cannot be a duplicate of itself",
    );
    check(
        State::Acknowledged,
        reject(RejectReason::OutOfScope, "not ours", Some(7)),
        now,
        "cannot reject report 12: only duplicates name another report, not `out_of_scope` rejections",
    );
    check(
        State::Acknowledged,
        reject(RejectReason::NotAVulnerability, "  ", None),
        now,
        "cannot reject report 12: the rejection's explanation to the reporter is empty",
    );
    check(
        State::Accepted,
        Action::StartFix { handler: HANDLER, affected_versions_confirmed: false, similar_code_audited: true },
        now,
        "cannot start the fix of report 12: the affected versions are not confirmed",
    );
    check(
        State::Accepted,
        Action::StartFix { handler: HANDLER, affected_versions_confirmed: true, similar_code_audited: false },
        now,
        "cannot start the fix of report 12: the code is not audited for similar problems",
    );
    check(
        State::Drafted,
        Action::Embargo { until: now },
        now,
        "cannot embargo report 12: the embargo end 2026-12-04T09:00:00Z is not in the future",
    );
    check(
        State::Embargoed,
        Action::Publish,
        embargo_end() - secs(1),
        "cannot publish report 12: the embargo lasts until 2026-12-02T09:00:00Z; a coordinator can lift it early",
    );
    check(
        State::Embargoed,
        Action::LiftEmbargoEarly { reason: "".into() },
        now,
        "cannot lift the embargo early on report 12: the reason is empty",
    );
    check(
        State::Published,
        Action::Withdraw { reason: " \n".into() },
        now,
        "cannot withdraw report 12: the reason is empty",
    );
    check(
        State::Received,
        Action::AddMessage { from_reporter: true, body: "".into() },
        now,
        "cannot add a message to report 12: the message is empty",
    );
    check(
        State::Accepted,
        Action::SetCve { cve: "CVE-2026-123".into() },
        now,
        "cannot set the CVE of report 12: invalid CVE id `CVE-2026-123`: expected CVE-YYYY-NNNN (four or more \
         digits after the year)",
    );
    check(
        State::Accepted,
        Action::CheckItem { item: ChecklistItem::SemverChecked },
        now,
        "cannot tick a checklist item of report 12: checklist item `semver_checked` is already ticked",
    );
    check(
        State::Accepted,
        Action::UncheckItem { item: ChecklistItem::FixReviewed },
        now,
        "cannot untick a checklist item of report 12: checklist item `fix_reviewed` is not ticked",
    );
    let prenotified = step(&report_in(State::Embargoed), Action::MarkPrenotified, &admin(), t0() + days(3)).report;
    let err = apply(&prenotified, &Action::MarkPrenotified, &admin(), now).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot record the pre-notification of report 12: the distributions were already pre-notified at \
         2026-11-25T09:00:00Z"
    );
}

/// A failed action changes nothing: `apply` is pure, so the caller's report is untouched either way.
#[test]
fn apply_does_not_touch_its_input() {
    let report = report_in(State::Acknowledged);
    let before = report.clone();
    let _ = apply(&report, &Action::Accept { rustsec_id: RUSTSEC_ID.into() }, &admin(), table_now()).unwrap();
    let _ = apply(&report, &Action::Acknowledge, &admin(), table_now()).unwrap_err();
    assert_eq!(report, before);
}

/// What each state-changing step records on the report.
#[test]
fn steps_record_their_data() {
    let acknowledged = report_in(State::Acknowledged);
    assert_eq!(acknowledged.acknowledged_at, Some(t0() + hours(1)));
    assert_eq!(acknowledged.responded_at, None);

    let accepted = report_in(State::Accepted);
    assert_eq!(accepted.rustsec_id.as_deref(), Some(RUSTSEC_ID));
    assert_eq!(accepted.responded_at, Some(t0() + hours(2)));
    assert_eq!(accepted.checklist.iter().copied().collect::<Vec<_>>(), [ChecklistItem::SemverChecked]);

    let rejected = report_in(State::Rejected);
    assert_eq!(rejected.reject.as_ref().map(|r| r.reason), Some(RejectReason::NotAVulnerability));
    assert_eq!(rejected.responded_at, Some(t0() + hours(2)));

    let fixing = report_in(State::FixInProgress);
    assert_eq!(fixing.handler, Some(HANDLER));
    assert!(fixing.affected_versions_confirmed && fixing.similar_code_audited);

    let drafted = report_in(State::Drafted);
    assert_eq!(drafted.draft.as_deref(), Some(ADVISORY));

    let embargoed = report_in(State::Embargoed);
    assert_eq!((embargoed.embargo_until, embargoed.prenotified_at), (Some(embargo_end()), None));

    let published = report_in(State::Published);
    assert_eq!(published.published_at, Some(embargo_end()));

    let withdrawn = report_in(State::Withdrawn);
    assert_eq!(withdrawn.withdrawn_at, Some(embargo_end() + days(1)));
    assert_eq!(withdrawn.published_at, Some(embargo_end()));
}

/// Going back: a revised draft keeps its text; a cancelled embargo forgets its date and its
/// pre-notification, so a new embargo needs a new one.
#[test]
fn the_two_ways_back() {
    let revised = step(&report_in(State::Drafted), Action::ReviseDraft, &handler(), table_now()).report;
    assert_eq!((revised.state, revised.draft.as_deref()), (State::FixInProgress, Some(ADVISORY)));

    let embargoed = report_in(State::Embargoed);
    let prenotified = step(&embargoed, Action::MarkPrenotified, &Actor::system(), t0() + days(3)).report;
    let cancelled = step(&prenotified, Action::CancelEmbargo, &handler(), t0() + days(4)).report;
    assert_eq!((cancelled.state, cancelled.embargo_until, cancelled.prenotified_at), (State::Drafted, None, None));
    let again = step(&cancelled, Action::Embargo { until: t0() + days(20) }, &handler(), t0() + days(4)).report;
    assert_eq!((again.embargo_until, again.prenotified_at), (Some(t0() + days(20)), None));
}

/// Publication: on the embargo's end exactly, or before it when a coordinator lifts the embargo.
#[test]
fn publication_boundaries() {
    let embargoed = report_in(State::Embargoed);
    assert!(apply(&embargoed, &Action::Publish, &coordinator(), embargo_end() - secs(1)).is_err());
    let published = step(&embargoed, Action::Publish, &coordinator(), embargo_end()).report;
    assert_eq!(published.published_at, Some(embargo_end()));

    let lift = Action::LiftEmbargoEarly { reason: "a blog post describes the bug".into() };
    let early = step(&embargoed, lift, &coordinator(), t0() + days(3));
    assert_eq!(early.report.state, State::Published);
    assert_eq!(early.report.published_at, Some(t0() + days(3)));
    assert_eq!(early.report.embargo_until, Some(embargo_end()), "the planned date stays on record");
    assert_eq!(
        early.event.summary,
        "lifted the embargo until 2026-12-02T09:00:00Z early and published: a blog post describes the bug"
    );
}

/// Drafts must stay valid once submitted; work in progress may be incomplete.
#[test]
fn editing_drafts() {
    let broken = ADVISORY.replace("cvss = \"CVSS:3.1/", "cvss = \"CVSS:3.9/");
    let fixing = report_in(State::FixInProgress);
    let saved = step(&fixing, Action::EditDraft { text: broken.clone() }, &handler(), table_now()).report;
    assert_eq!(saved.draft.as_deref(), Some(broken.as_str()));

    let err = apply(&saved, &Action::SubmitDraft { text: broken.clone() }, &handler(), table_now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot submit a draft for report 12: the draft advisory has 1 error: line 10: error[invalid-cvss]: \
         unsupported CVSS version `3.9` (expected 2.0, 3.0, 3.1 or 4.0)"
    );
    let TransitionError::InvalidDraft { diagnostics, .. } = err else { panic!("{err:?}") };
    assert_eq!(diagnostics.len(), 1);

    let drafted = report_in(State::Drafted);
    let err = apply(&drafted, &Action::EditDraft { text: broken.clone() }, &handler(), table_now()).unwrap_err();
    assert!(matches!(err, TransitionError::InvalidDraft { .. }), "{err:?}");
    let published = report_in(State::Published);
    let err = apply(&published, &Action::Update { text: broken }, &coordinator(), table_now()).unwrap_err();
    assert!(matches!(err, TransitionError::InvalidDraft { .. }), "{err:?}");
}

/// A draft must carry the id allocated to the report.
#[test]
fn drafts_carry_the_allocated_id() {
    let other = ADVISORY.replace(RUSTSEC_ID, "RUSTSEC-2026-0043");
    let err = apply(&report_in(State::FixInProgress), &Action::SubmitDraft { text: other }, &handler(), table_now())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot submit a draft for report 12: the draft advisory has 1 error: line 3: error[id-mismatch]: the \
         draft's id `RUSTSEC-2026-0043` is not the report's RustSec id `RUSTSEC-2026-0042`"
    );
}

/// A report from receipt to withdrawal, by the people who would do each step, as its audit log.
#[test]
fn a_whole_life() {
    let coordinator = coordinator();
    let handler = handler();
    let reporter = reporter();
    let system = Actor::system();
    let steps: Vec<(Action, &Actor, jiff::Timestamp)> = vec![
        (Action::AddMessage { from_reporter: true, body: "Here is a reproducer.".into() }, &reporter, t0() + secs(30)),
        (Action::Assign { handler: HANDLER }, &coordinator, t0() + hours(1)),
        (Action::Acknowledge, &handler, t0() + hours(2)),
        (Action::Accept { rustsec_id: RUSTSEC_ID.into() }, &handler, t0() + hours(20)),
        (
            Action::StartFix { handler: HANDLER, affected_versions_confirmed: true, similar_code_audited: true },
            &handler,
            t0() + hours(21),
        ),
        (Action::SetCve { cve: "CVE-2026-41234".into() }, &handler, t0() + days(1)),
        (Action::EditDraft { text: "work in progress".into() }, &handler, t0() + days(2)),
        (Action::SubmitDraft { text: ADVISORY.into() }, &handler, t0() + days(3)),
        (Action::CheckItem { item: ChecklistItem::FixReviewed }, &handler, t0() + days(3)),
        (Action::Embargo { until: embargo_end() }, &handler, t0() + days(4)),
        (
            Action::AddMessage { from_reporter: false, body: "The fix ships on December 2.".into() },
            &handler,
            t0() + days(4),
        ),
        (Action::MarkPrenotified, &system, embargo_end() - hours(72)),
        (Action::Publish, &coordinator, embargo_end()),
        (Action::CheckItem { item: ChecklistItem::AnnouncementSent }, &handler, embargo_end() + hours(1)),
        (
            Action::Withdraw { reason: "the behaviour turned out to be documented".into() },
            &coordinator,
            embargo_end() + days(30),
        ),
    ];
    let mut report = Report::received(REPORT_ID, "panic on truncated input", t0());
    let mut log = Vec::new();
    for (action, actor, at) in steps {
        let outcome = step(&report, action, actor, at);
        let e = &outcome.event;
        log.push(format!("{} {} {} {}->{}: {}", e.at, e.actor.name, e.action, e.from_state, e.to_state, e.summary));
        report = outcome.report;
    }
    let expected = [
        "2026-11-22T09:00:30Z rita add_message received->received: received a message from the reporter",
        "2026-11-22T10:00:00Z carol assign received->received: assigned the report to user 5",
        "2026-11-22T11:00:00Z rob acknowledge received->acknowledged: acknowledged the report",
        "2026-11-23T05:00:00Z rob accept acknowledged->accepted: accepted the report as RUSTSEC-2026-0042",
        "2026-11-23T06:00:00Z rob start_fix accepted->fix_in_progress: started the fix with user 5 as handler; \
         affected versions confirmed, similar code audited",
        "2026-11-23T09:00:00Z rob set_cve fix_in_progress->fix_in_progress: set the CVE id to CVE-2026-41234",
        "2026-11-24T09:00:00Z rob edit_draft fix_in_progress->fix_in_progress: edited the draft advisory",
        "2026-11-25T09:00:00Z rob submit_draft fix_in_progress->drafted: submitted the draft advisory",
        "2026-11-25T09:00:00Z rob check_item drafted->drafted: ticked \"The fix, its docs and its commit messages are \
         reviewed\"",
        "2026-11-26T09:00:00Z rob embargo drafted->embargoed: embargoed until 2026-12-02T09:00:00Z",
        "2026-11-26T09:00:00Z rob add_message embargoed->embargoed: sent a message to the reporter",
        "2026-11-29T09:00:00Z cratewatch mark_prenotified embargoed->embargoed: recorded the pre-notification of the \
         distributions",
        "2026-12-02T09:00:00Z carol publish embargoed->published: published RUSTSEC-2026-0042",
        "2026-12-02T10:00:00Z rob check_item published->published: ticked \"The announcements are sent\"",
        "2027-01-01T09:00:00Z carol withdraw published->withdrawn: withdrew the advisory: the behaviour turned out to \
         be documented",
    ];
    assert_eq!(log, expected);
    assert_eq!(report.cve.as_deref(), Some("CVE-2026-41234"));
    assert_eq!(report.last_reporter_update_at, Some(embargo_end()), "the publication news was the last update");
}

#[test]
fn a_responder_neither_reassigns_through_start_fix_nor_embargoes_for_less_than_72_hours() {
    // Naming someone else as handler is assigning, which only coordinators do.
    let mut accepted = report_in(State::Accepted);
    accepted.handler = Some(HANDLER);
    let other =
        Action::StartFix { handler: HANDLER + 1, affected_versions_confirmed: true, similar_code_audited: true };
    let refused = apply(&accepted, &other, &handler(), t0()).unwrap_err();
    assert!(refused.to_string().contains("only as its handler"), "{refused}");
    let outcome = apply(&accepted, &other, &coordinator(), t0()).unwrap();
    assert_eq!(outcome.report.handler, Some(HANDLER + 1));

    // An embargo must leave the 72 hours of pre-notification, unless a coordinator decides otherwise.
    let mut drafted = report_in(State::Drafted);
    drafted.handler = Some(HANDLER);
    let now = t0() + days(3);
    let short = Action::Embargo { until: now + hours(72) - secs(1) };
    let refused = apply(&drafted, &short, &handler(), now).unwrap_err();
    assert!(refused.to_string().contains("less than 72 hours"), "{refused}");
    assert!(apply(&drafted, &Action::Embargo { until: now + hours(72) }, &handler(), now).is_ok());
    assert!(apply(&drafted, &short, &coordinator(), now).is_ok());
}
