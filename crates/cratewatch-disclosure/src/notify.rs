//! Notifications: what the store enqueues for a mailer when a step is taken or a deadline passes.

use crate::error::storage_names;
use crate::{Report, check_draft};

/// A message to send. The workflow decides who hears what; a mailer outside this crate delivers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// What sort of message it is.
    pub kind: NotificationKind,
    /// Who receives it.
    pub to: Recipient,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

storage_names! {
    /// What sort of message a notification is.
    #[non_exhaustive]
    pub enum NotificationKind ("notification kind") {
        /// To the reporter: the report arrived.
        Acknowledgement => "acknowledgement",
        /// To the reporter: a decision or a message from the responders.
        Update => "update",
        /// To the distribution list: an embargoed advisory, or a change to its embargo.
        Prenotification => "prenotification",
        /// To the distribution list: an advisory is public, or was withdrawn.
        Announcement => "announcement",
        /// To the coordinators: a deadline has passed.
        Escalation => "escalation",
    }
}

storage_names! {
    /// Who receives a notification. The server maps each to addresses.
    #[non_exhaustive]
    pub enum Recipient ("recipient") {
        /// The reporter of the report.
        Reporter => "reporter",
        /// Every coordinator.
        Coordinators => "coordinators",
        /// The distributions' and announcement mailing list.
        DistributionList => "distribution_list",
    }
}

impl Notification {
    fn new(kind: NotificationKind, to: Recipient, subject: String, body: String) -> Notification {
        Notification { kind, to, subject, body }
    }

    pub(crate) fn acknowledgement(report: &Report) -> Notification {
        let respond_by = crate::deadline::plus(report.received_at, crate::deadline::DETAILED_RESPONSE);
        Notification::new(
            NotificationKind::Acknowledgement,
            Recipient::Reporter,
            format!("Report {} received: {}", report.id, report.title),
            format!(
                "Thank you for your report \"{}\", received at {}.\n\n\
                 We will send you a detailed response with the next steps by {respond_by}, and keep you \
                 informed of our progress at least every five days.\n",
                report.title, report.received_at
            ),
        )
    }

    pub(crate) fn update(report: &Report, body: String) -> Notification {
        Notification::new(
            NotificationKind::Update,
            Recipient::Reporter,
            format!("Update on report {}: {}", report.id, report.title),
            body,
        )
    }

    pub(crate) fn announcement(report: &Report) -> Notification {
        let draft = report.draft.as_deref().unwrap_or_default();
        Notification::new(
            NotificationKind::Announcement,
            Recipient::DistributionList,
            format!("{}: {}", advisory_id(report), advisory_title(report)),
            draft.to_owned(),
        )
    }

    pub(crate) fn withdrawal(report: &Report, reason: &str) -> Notification {
        Notification::new(
            NotificationKind::Announcement,
            Recipient::DistributionList,
            format!("{} withdrawn: {}", advisory_id(report), advisory_title(report)),
            format!("The advisory {} has been withdrawn: {reason}\n", advisory_id(report)),
        )
    }

    pub(crate) fn embargo_cancelled(report: &Report) -> Notification {
        Notification::new(
            NotificationKind::Prenotification,
            Recipient::DistributionList,
            format!("[embargo cancelled] {}: {}", advisory_id(report), advisory_title(report)),
            format!(
                "The embargo of {} is cancelled: it will not be published on the date we gave. A new \
                 date will follow. Everything we sent you about it is still confidential.\n",
                advisory_id(report)
            ),
        )
    }
}

/// The pre-notification of an embargoed report, for the distribution list: the draft advisory and the
/// date it becomes public. `None` unless the report is embargoed.
///
/// The scheduler sends it once the [`DeadlineKind::PreNotification`](crate::DeadlineKind) deadline is
/// reached (72 hours before the embargo ends), then applies [`Action::MarkPrenotified`](crate::Action)
/// with [`Actor::system`](crate::Actor::system). A coordinator who pre-notified by other means applies
/// the action alone.
pub fn prenotification(report: &Report) -> Option<Notification> {
    if report.state != crate::State::Embargoed {
        return None;
    }
    let until = report.embargo_until?;
    Some(Notification::new(
        NotificationKind::Prenotification,
        Recipient::DistributionList,
        format!("[embargoed until {until}] {}: {}", advisory_id(report), advisory_title(report)),
        format!(
            "The following advisory is under embargo until {until}. Do not share it or act on it publicly \
             before then.\n\n{}",
            report.draft.as_deref().unwrap_or_default()
        ),
    ))
}

fn advisory_id(report: &Report) -> String {
    report.rustsec_id.clone().unwrap_or_else(|| format!("report {}", report.id))
}

/// The draft's title when it has one, else the report's.
fn advisory_title(report: &Report) -> String {
    report.draft.as_deref().and_then(|d| check_draft(d).title).unwrap_or_else(|| report.title.clone())
}
