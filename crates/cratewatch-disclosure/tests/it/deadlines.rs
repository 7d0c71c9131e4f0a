//! The policy's clocks, one second either side of every boundary, driven by a manual clock.

use cratewatch_disclosure::{
    Action, Clock, Deadline, DeadlineKind, ManualClock, NotificationKind, Recipient, Report, State, deadlines,
    escalations,
};
use jiff::Timestamp;

use crate::*;

/// The deadline of `kind` of `report` at the clock's time, if it is running.
fn deadline(report: &Report, kind: DeadlineKind, clock: &ManualClock) -> Option<Deadline> {
    deadlines(report, clock.now()).into_iter().find(|d| d.kind == kind)
}

/// Checks that the deadline of `kind` is due at `due`: on time one second before, at the instant
/// itself, overdue one second after, with an escalation to the coordinators only then.
#[track_caller]
fn check_boundary(report: &Report, kind: DeadlineKind, due: Timestamp) {
    let clock = ManualClock::new(due - secs(1));
    let escalated = |clock: &ManualClock| {
        escalations(report, clock.now()).iter().any(|n| n.subject.ends_with(&kind.as_str().replace('_', " ")))
    };
    assert_eq!(deadline(report, kind, &clock), Some(Deadline { kind, due_at: due, overdue: false }), "{kind} before");
    assert!(!escalated(&clock), "{kind} escalated before");
    clock.advance(secs(1));
    assert_eq!(deadline(report, kind, &clock).map(|d| d.overdue), Some(false), "{kind} at the instant");
    assert!(!escalated(&clock), "{kind} escalated at the instant");
    clock.advance(secs(1));
    assert_eq!(deadline(report, kind, &clock), Some(Deadline { kind, due_at: due, overdue: true }), "{kind} after");
    assert!(escalated(&clock), "{kind} not escalated after");
}

#[test]
fn acknowledge_within_24_hours() {
    let received = report_in(State::Received);
    check_boundary(&received, DeadlineKind::Acknowledge, t0() + hours(24));
    let clock = ManualClock::new(t0() + days(3));
    assert_eq!(deadline(&report_in(State::Acknowledged), DeadlineKind::Acknowledge, &clock), None);
}

#[test]
fn respond_in_detail_within_48_hours() {
    check_boundary(&report_in(State::Received), DeadlineKind::DetailedResponse, t0() + hours(48));
    check_boundary(&report_in(State::Acknowledged), DeadlineKind::DetailedResponse, t0() + hours(48));
    let clock = ManualClock::new(t0() + days(3));
    for state in [State::Accepted, State::Rejected] {
        assert_eq!(deadline(&report_in(state), DeadlineKind::DetailedResponse, &clock), None, "{state}");
    }
}

#[test]
fn update_the_reporter_every_5_days() {
    let clock = ManualClock::new(t0());
    assert_eq!(
        deadline(&report_in(State::Received), DeadlineKind::ReporterUpdate, &clock),
        None,
        "before acknowledgement"
    );

    // The acknowledgement at t0+1h starts the clock; acceptance at t0+2h was an update.
    check_boundary(&report_in(State::Acknowledged), DeadlineKind::ReporterUpdate, t0() + hours(1) + days(5));
    let accepted = report_in(State::Accepted);
    check_boundary(&accepted, DeadlineKind::ReporterUpdate, t0() + hours(2) + days(5));

    // A message from the reporter does not restart it; one to the reporter does.
    let theirs = step(
        &accepted,
        Action::AddMessage { from_reporter: true, body: "any news?".into() },
        &reporter(),
        t0() + days(4),
    );
    check_boundary(&theirs.report, DeadlineKind::ReporterUpdate, t0() + hours(2) + days(5));
    let ours = step(
        &theirs.report,
        Action::AddMessage { from_reporter: false, body: "soon".into() },
        &coordinator(),
        t0() + days(4),
    );
    check_boundary(&ours.report, DeadlineKind::ReporterUpdate, t0() + days(9));

    // The clock runs while the report is open, embargo included, and stops at publication.
    check_boundary(&report_in(State::Embargoed), DeadlineKind::ReporterUpdate, t0() + hours(2) + days(5));
    clock.set(t0() + days(60));
    for state in [State::Rejected, State::Published, State::Withdrawn] {
        assert_eq!(deadline(&report_in(state), DeadlineKind::ReporterUpdate, &clock), None, "{state}");
    }
}

#[test]
fn prenotify_72_hours_before_the_embargo_ends() {
    let embargoed = report_in(State::Embargoed);
    check_boundary(&embargoed, DeadlineKind::PreNotification, embargo_end() - hours(72));

    let notified = step(&embargoed, Action::MarkPrenotified, &Actor::system(), embargo_end() - hours(72)).report;
    let clock = ManualClock::new(embargo_end() - hours(1));
    assert_eq!(deadline(&notified, DeadlineKind::PreNotification, &clock), None);
    assert_eq!(deadline(&report_in(State::Drafted), DeadlineKind::PreNotification, &clock), None);
}

#[test]
fn publish_when_the_embargo_ends() {
    let embargoed = report_in(State::Embargoed);
    check_boundary(&embargoed, DeadlineKind::Publication, embargo_end());
    let clock = ManualClock::new(embargo_end() + days(1));
    assert_eq!(deadline(&report_in(State::Published), DeadlineKind::Publication, &clock), None);
}

/// A late scheduler finds everything at once, earliest first, with one escalation for each.
#[test]
fn everything_overdue_at_once() {
    let received = report_in(State::Received);
    let clock = ManualClock::new(t0() + hours(49));
    let kinds: Vec<(DeadlineKind, bool)> =
        deadlines(&received, clock.now()).iter().map(|d| (d.kind, d.overdue)).collect();
    assert_eq!(kinds, [(DeadlineKind::Acknowledge, true), (DeadlineKind::DetailedResponse, true)]);
    let sent = escalations(&received, clock.now());
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|n| n.kind == NotificationKind::Escalation && n.to == Recipient::Coordinators));
    assert_eq!(sent[0].subject, "Report 12 is overdue: acknowledge");
    assert_eq!(
        sent[0].body,
        "Report 12 \"panic on truncated input\" (received) is overdue: the acknowledgement (24 hours after receipt) \
         was due at 2026-11-23T09:00:00Z.\n"
    );

    let embargoed = report_in(State::Embargoed);
    let kinds: Vec<DeadlineKind> = deadlines(&embargoed, t0() + days(3)).iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [DeadlineKind::ReporterUpdate, DeadlineKind::PreNotification, DeadlineKind::Publication]);
}

/// A report received and never touched walks through the first two escalations as time passes.
#[test]
fn a_neglected_report() {
    let report = report_in(State::Received);
    let clock = ManualClock::new(t0());
    let overdue = |clock: &ManualClock| -> Vec<DeadlineKind> {
        deadlines(&report, clock.now()).iter().filter(|d| d.overdue).map(|d| d.kind).collect()
    };
    assert_eq!(overdue(&clock), []);
    clock.advance(hours(24) + secs(1));
    assert_eq!(overdue(&clock), [DeadlineKind::Acknowledge]);
    clock.advance(hours(24));
    assert_eq!(overdue(&clock), [DeadlineKind::Acknowledge, DeadlineKind::DetailedResponse]);
}
