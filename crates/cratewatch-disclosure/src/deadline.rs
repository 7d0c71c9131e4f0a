//! The clocks of the Rust security policy: acknowledge within 24 hours, respond in detail within 48
//! hours, update the reporter at least every 5 days, pre-notify distributions 72 hours before the
//! embargo ends, publish on the embargo date.

use jiff::{SignedDuration, Timestamp};

use crate::error::storage_names;
use crate::notify::{NotificationKind, Recipient};
use crate::{Notification, Report, State};

pub(crate) const ACKNOWLEDGE: SignedDuration = SignedDuration::from_hours(24);
pub(crate) const DETAILED_RESPONSE: SignedDuration = SignedDuration::from_hours(48);
pub(crate) const REPORTER_UPDATE: SignedDuration = SignedDuration::from_hours(5 * 24);
pub(crate) const PRENOTIFICATION: SignedDuration = SignedDuration::from_hours(72);

storage_names! {
    /// Which of the policy's clocks a deadline belongs to.
    #[non_exhaustive]
    pub enum DeadlineKind ("deadline kind") {
        /// Acknowledge the report: 24 hours after it arrived, until it is acknowledged.
        Acknowledge => "acknowledge",
        /// Send the detailed response (accept or reject): 48 hours after it arrived.
        DetailedResponse => "detailed_response",
        /// Update the reporter: 5 days after the last update (or the acknowledgement), while open.
        ReporterUpdate => "reporter_update",
        /// Pre-notify the distributions: 72 hours before the embargo ends.
        PreNotification => "prenotification",
        /// Publish: when the embargo ends.
        Publication => "publication",
    }
}

impl DeadlineKind {
    /// What is due, for messages: "the acknowledgement", "the detailed response", ...
    pub fn describe(self) -> &'static str {
        match self {
            DeadlineKind::Acknowledge => "the acknowledgement (24 hours after receipt)",
            DeadlineKind::DetailedResponse => "the detailed response (48 hours after receipt)",
            DeadlineKind::ReporterUpdate => "an update to the reporter (at least every 5 days)",
            DeadlineKind::PreNotification => "the pre-notification of distributions (72 hours before the embargo ends)",
            DeadlineKind::Publication => "the publication (the embargo has ended)",
        }
    }
}

/// One running clock of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// Which clock.
    pub kind: DeadlineKind,
    /// When the step is due. It is on time up to and including this instant.
    pub due_at: Timestamp,
    /// Whether `now` is past `due_at`.
    pub overdue: bool,
}

/// The deadlines that are running for `report` at `now`, earliest first. A deadline stops running
/// when its step is done, so an overdue one stays listed until then.
pub fn deadlines(report: &Report, now: Timestamp) -> Vec<Deadline> {
    let mut out = Vec::new();
    let mut add = |kind, due_at: Timestamp| out.push(Deadline { kind, due_at, overdue: now > due_at });
    if report.state.is_open() {
        match report.acknowledged_at {
            None => add(DeadlineKind::Acknowledge, plus(report.received_at, ACKNOWLEDGE)),
            Some(acknowledged_at) => {
                let last = [Some(report.received_at), Some(acknowledged_at), report.last_reporter_update_at]
                    .into_iter()
                    .flatten()
                    .max()
                    .unwrap_or(acknowledged_at);
                add(DeadlineKind::ReporterUpdate, plus(last, REPORTER_UPDATE));
            }
        }
        if report.responded_at.is_none() {
            add(DeadlineKind::DetailedResponse, plus(report.received_at, DETAILED_RESPONSE));
        }
    }
    if report.state == State::Embargoed
        && let Some(until) = report.embargo_until
    {
        if report.prenotified_at.is_none() {
            add(DeadlineKind::PreNotification, plus(until, -PRENOTIFICATION));
        }
        add(DeadlineKind::Publication, until);
    }
    out.sort_by_key(|d| (d.due_at, d.kind));
    out
}

/// `at + by`, clamped to the range of timestamps rather than panicking on absurd stored data.
pub(crate) fn plus(at: Timestamp, by: SignedDuration) -> Timestamp {
    at.checked_add(by).unwrap_or(if by.is_negative() { Timestamp::MIN } else { Timestamp::MAX })
}

/// The escalations to send to the coordinators for `report` at `now`: one per overdue deadline.
///
/// The answer depends only on the report and `now`, so the scheduler must remember what it sent: an
/// escalation is new when its `(report, kind, due_at)` was not escalated before.
pub fn escalations(report: &Report, now: Timestamp) -> Vec<Notification> {
    deadlines(report, now).iter().filter(|d| d.overdue).map(|d| escalation(report, d)).collect()
}

/// The escalation for one deadline of `report`.
pub fn escalation(report: &Report, deadline: &Deadline) -> Notification {
    Notification {
        kind: NotificationKind::Escalation,
        to: Recipient::Coordinators,
        subject: format!("Report {} is overdue: {}", report.id, deadline.kind.as_str().replace('_', " ")),
        body: format!(
            "Report {} \"{}\" ({}) is overdue: {} was due at {}.\n",
            report.id,
            report.title,
            report.state,
            deadline.kind.describe(),
            deadline.due_at
        ),
    }
}
