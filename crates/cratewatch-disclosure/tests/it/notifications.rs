//! Who hears what, and when the reporter counts as updated.

use cratewatch_disclosure::{
    Action, Actor, ChecklistItem, Notification, NotificationKind, Recipient, RejectReason, Rejection, State,
    prenotification,
};

use crate::*;

/// The kind and recipient of each notification.
type Sent = Vec<(NotificationKind, Recipient)>;

/// The kinds and recipients of what `action` sends from `state`.
#[track_caller]
fn sent(state: State, action: Action, actor: &Actor, now: jiff::Timestamp) -> Sent {
    step(&report_in(state), action, actor, now).notifications.iter().map(|n| (n.kind, n.to)).collect()
}

#[test]
fn what_each_action_sends() {
    use NotificationKind::*;
    use Recipient::*;
    let now = embargo_end() + days(1);
    let a = admin();
    let reject = Rejection { reason: RejectReason::OutOfScope, detail: "not a crate".into(), duplicate_of: None };
    let cases: Vec<(State, Action, Sent)> = vec![
        (State::Received, Action::Acknowledge, vec![(Acknowledgement, Reporter)]),
        (State::Acknowledged, Action::Accept { rustsec_id: RUSTSEC_ID.into() }, vec![(Update, Reporter)]),
        (State::Acknowledged, Action::Reject(reject), vec![(Update, Reporter)]),
        (
            State::Accepted,
            Action::StartFix { handler: HANDLER, affected_versions_confirmed: true, similar_code_audited: true },
            vec![],
        ),
        (State::FixInProgress, Action::SubmitDraft { text: ADVISORY.into() }, vec![]),
        (State::Drafted, Action::ReviseDraft, vec![]),
        (State::Drafted, Action::Embargo { until: now + days(10) }, vec![]),
        (State::Embargoed, Action::CancelEmbargo, vec![]),
        (State::Embargoed, Action::MarkPrenotified, vec![]),
        (State::Embargoed, Action::Publish, vec![(Announcement, DistributionList), (Update, Reporter)]),
        (
            State::Embargoed,
            Action::LiftEmbargoEarly { reason: "public".into() },
            vec![(Announcement, DistributionList), (Update, Reporter)],
        ),
        (State::Published, Action::Update { text: ADVISORY.into() }, vec![]),
        (State::Published, Action::Withdraw { reason: "not a bug".into() }, vec![(Announcement, DistributionList)]),
        (State::Accepted, Action::AddMessage { from_reporter: false, body: "news".into() }, vec![(Update, Reporter)]),
        (State::Accepted, Action::AddMessage { from_reporter: true, body: "thanks".into() }, vec![]),
        (State::Accepted, Action::Assign { handler: 6 }, vec![]),
        (State::Accepted, Action::SetCve { cve: "CVE-2026-41234".into() }, vec![]),
        (State::FixInProgress, Action::EditDraft { text: "wip".into() }, vec![]),
        (State::Accepted, Action::CheckItem { item: ChecklistItem::TestsRun }, vec![]),
        (State::Accepted, Action::UncheckItem { item: ChecklistItem::SemverChecked }, vec![]),
    ];
    for (state, action, expected) in cases {
        let name = action.name();
        assert_eq!(sent(state, action, &a, now), expected, "{name} in {state}");
    }
}

/// Every message to the reporter resets the reporter-update clock; their own messages do not.
#[test]
fn messages_to_the_reporter_count_as_updates() {
    let accepted = report_in(State::Accepted);
    assert_eq!(accepted.last_reporter_update_at, Some(t0() + hours(2)));
    let at = t0() + days(2);
    let staff = step(&accepted, Action::AddMessage { from_reporter: false, body: "news".into() }, &coordinator(), at);
    assert_eq!(staff.report.last_reporter_update_at, Some(at));
    let theirs = step(&accepted, Action::AddMessage { from_reporter: true, body: "hi".into() }, &reporter(), at);
    assert_eq!(theirs.report.last_reporter_update_at, accepted.last_reporter_update_at);
    let quiet = step(&accepted, Action::Assign { handler: 6 }, &coordinator(), at);
    assert_eq!(quiet.report.last_reporter_update_at, accepted.last_reporter_update_at);
}

#[test]
fn texts_for_the_reporter() {
    let ack = step(&report_in(State::Received), Action::Acknowledge, &admin(), t0() + hours(1));
    assert_eq!(
        ack.notifications,
        [Notification {
            kind: NotificationKind::Acknowledgement,
            to: Recipient::Reporter,
            subject: "Report 12 received: panic on truncated input".into(),
            body: "Thank you for your report \"panic on truncated input\", received at 2026-11-22T09:00:00Z.\n\n\
                   We will send you a detailed response with the next steps by 2026-11-24T09:00:00Z, and keep \
                   you informed of our progress at least every five days.\n"
                .into(),
        }]
    );

    let accept =
        step(&report_in(State::Acknowledged), Action::Accept { rustsec_id: RUSTSEC_ID.into() }, &admin(), t0());
    assert_eq!(accept.notifications[0].subject, "Update on report 12: panic on truncated input");
    assert!(accept.notifications[0].body.contains("reserved the advisory id RUSTSEC-2026-0042"));

    let duplicate =
        Rejection { reason: RejectReason::Duplicate, detail: "See the earlier report.".into(), duplicate_of: Some(7) };
    let reject = step(&report_in(State::Acknowledged), Action::Reject(duplicate), &admin(), t0());
    assert_eq!(
        reject.notifications[0].body,
        "Thank you for your report \"panic on truncated input\". After review, we will not handle it as a \
         security vulnerability: it is a duplicate of report 7.\n\nSee the earlier report.\n"
    );

    let body = "We have a fix and are preparing releases.";
    let message = step(
        &report_in(State::FixInProgress),
        Action::AddMessage { from_reporter: false, body: body.into() },
        &handler(),
        t0(),
    );
    assert_eq!(message.notifications[0].body, body);
}

#[test]
fn texts_for_the_distribution_list() {
    let embargoed = report_in(State::Embargoed);
    let pre = prenotification(&embargoed).expect("embargoed reports have a pre-notification");
    assert_eq!((pre.kind, pre.to), (NotificationKind::Prenotification, Recipient::DistributionList));
    assert_eq!(
        pre.subject,
        "[embargoed until 2026-12-02T09:00:00Z] RUSTSEC-2026-0042: Panic on truncated input in `demo_parser::parse`"
    );
    assert!(pre.body.starts_with("The following advisory is under embargo until 2026-12-02T09:00:00Z."));
    assert!(pre.body.ends_with(ADVISORY));
    for state in State::ALL.iter().filter(|s| **s != State::Embargoed) {
        assert_eq!(prenotification(&report_in(*state)), None, "{state}");
    }

    let published = step(&embargoed, Action::Publish, &coordinator(), embargo_end());
    let announcement = &published.notifications[0];
    assert_eq!(announcement.subject, "RUSTSEC-2026-0042: Panic on truncated input in `demo_parser::parse`");
    assert_eq!(announcement.body, ADVISORY);
    assert_eq!(
        published.notifications[1].body,
        "RUSTSEC-2026-0042 about your report \"panic on truncated input\" is now public. Thank you for reporting it.\n"
    );

    let withdrawn =
        step(&published.report, Action::Withdraw { reason: "not a bug".into() }, &coordinator(), embargo_end());
    assert_eq!(
        withdrawn.notifications[0].subject,
        "RUSTSEC-2026-0042 withdrawn: Panic on truncated input in `demo_parser::parse`"
    );
    assert_eq!(withdrawn.notifications[0].body, "The advisory RUSTSEC-2026-0042 has been withdrawn: not a bug\n");
}

/// Distributions that were told a date hear when it is cancelled; nobody else does.
#[test]
fn cancelling_a_notified_embargo_tells_the_distributions() {
    let embargoed = report_in(State::Embargoed);
    let quiet = step(&embargoed, Action::CancelEmbargo, &handler(), t0() + days(3));
    assert!(quiet.notifications.is_empty());

    let prenotified = step(&embargoed, Action::MarkPrenotified, &Actor::system(), t0() + days(7)).report;
    let cancelled = step(&prenotified, Action::CancelEmbargo, &handler(), t0() + days(8));
    assert_eq!(cancelled.notifications.len(), 1);
    let n = &cancelled.notifications[0];
    assert_eq!((n.kind, n.to), (NotificationKind::Prenotification, Recipient::DistributionList));
    assert!(n.subject.starts_with("[embargo cancelled] RUSTSEC-2026-0042: "), "{}", n.subject);
}
