//! The transitions: one pure function from a report, an action, an actor and a time to the next report,
//! an audit-log event and the notifications to send.

use cratewatch_advisory::Diagnostic;
use jiff::Timestamp;

use crate::Role;
use crate::action::verb;
use crate::ids::check_cve;
use crate::notify::Recipient;
use crate::{
    Action, Actor, Forbidden, Notification, Operation, RejectReason, Rejection, Report, RustsecId, State, authorize,
    check_report_draft,
};

/// What an action did: the store saves the report, appends the event and enqueues the notifications,
/// all in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The report after the action.
    pub report: Report,
    /// The audit-log entry.
    pub event: Event,
    /// The notifications to enqueue, possibly none.
    pub notifications: Vec<Notification>,
}

/// One entry of a report's audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Who acted.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// The action's stable name (see [`Action::name`]).
    pub action: &'static str,
    /// What happened, in words, such as "accepted the report as RUSTSEC-2026-0042".
    pub summary: String,
    /// The state before.
    pub from_state: State,
    /// The state after; the same as `from_state` for actions that do not move the report.
    pub to_state: State,
}

/// Why an action cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The actor may not do this (see [`authorize`]).
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The action is not possible in the report's state.
    #[error("cannot {} report {report}: it is {state}, {}", verb(action), expected(*state, allowed))]
    WrongState {
        /// The report.
        report: i64,
        /// The action's name.
        action: &'static str,
        /// The report's state.
        state: State,
        /// The states in which the action is possible.
        allowed: &'static [State],
    },
    /// The action's input or the report's data does not allow it, such as an embargo date in the past.
    #[error("cannot {} report {report}: {reason}", verb(action))]
    Invalid {
        /// The report.
        report: i64,
        /// The action's name.
        action: &'static str,
        /// What is wrong, as a lowercase phrase.
        reason: String,
    },
    /// The draft advisory has errors.
    #[error("cannot {} report {report}: {}", verb(action), describe_errors(diagnostics))]
    InvalidDraft {
        /// The report.
        report: i64,
        /// The action's name.
        action: &'static str,
        /// The error diagnostics of the draft.
        diagnostics: Vec<Diagnostic>,
    },
}

fn expected(state: State, allowed: &[State]) -> String {
    if state.is_final() {
        return "which is final".to_owned();
    }
    let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    match names.split_last() {
        Some((last, [])) => format!("not {last}"),
        Some((last, rest)) => format!("not {} or {last}", rest.join(", ")),
        None => "in which it is never possible".to_owned(),
    }
}

fn describe_errors(diagnostics: &[Diagnostic]) -> String {
    let count = diagnostics.len();
    let list: Vec<String> = diagnostics
        .iter()
        .map(|d| match d.line {
            Some(line) => format!("line {line}: {}[{}]: {}", d.severity.as_str(), d.code, d.message),
            None => format!("{}[{}]: {}", d.severity.as_str(), d.code, d.message),
        })
        .collect();
    format!("the draft advisory has {count} error{}: {}", if count == 1 { "" } else { "s" }, list.join("; "))
}

/// Applies `action` to `report` on behalf of `actor` at `now`. Pure: nothing is stored or sent.
///
/// It first [`authorize`]s the actor, then checks that the action is possible in the report's state
/// ([`Action::allowed_in`]) and that its input is valid. See the crate documentation for the whole
/// transition table.
pub fn apply(report: &Report, action: &Action, actor: &Actor, now: Timestamp) -> Result<Outcome, TransitionError> {
    authorize(actor, Some(report), Operation::Act(action))?;
    let name = action.name();
    let allowed = action.allowed_in();
    if !allowed.contains(&report.state) {
        return Err(TransitionError::WrongState { report: report.id, action: name, state: report.state, allowed });
    }
    let invalid = |reason: String| TransitionError::Invalid { report: report.id, action: name, reason };
    let require_text = |text: &str, what: &str| {
        if text.trim().is_empty() { Err(invalid(format!("the {what} is empty"))) } else { Ok(()) }
    };
    let valid_draft = |text: &str| {
        let Some(id) = report.rustsec_id.as_deref() else {
            return Err(invalid("the report has no RustSec id".to_owned()));
        };
        let check = check_report_draft(text, id);
        if check.has_errors() {
            let diagnostics = check.errors().cloned().collect();
            return Err(TransitionError::InvalidDraft { report: report.id, action: name, diagnostics });
        }
        Ok(())
    };

    let mut next = report.clone();
    next.state = action.target(report.state);
    let mut notifications = Vec::new();
    let summary = match action {
        Action::Acknowledge => {
            next.acknowledged_at = Some(now);
            notifications.push(Notification::acknowledgement(&next));
            "acknowledged the report".to_owned()
        }
        Action::Accept { rustsec_id } => {
            let id: RustsecId = rustsec_id.parse().map_err(|e: crate::ParseError| invalid(e.to_string()))?;
            next.rustsec_id = Some(id.to_string());
            next.responded_at = Some(now);
            notifications.push(Notification::update(
                &next,
                format!(
                    "We have confirmed the vulnerability you reported in \"{}\" and reserved the advisory id \
                     {id} for it. We will keep you informed of the fix and of the disclosure date at least \
                     every five days.\n",
                    report.title
                ),
            ));
            format!("accepted the report as {id}")
        }
        Action::Reject(rejection) => {
            check_rejection(report, rejection).map_err(invalid)?;
            next.reject = Some(rejection.clone());
            next.responded_at = Some(now);
            let what = match rejection.duplicate_of {
                Some(other) => format!("{} of report {other}", rejection.reason.describe()),
                None => rejection.reason.describe().to_owned(),
            };
            notifications.push(Notification::update(
                &next,
                format!(
                    "Thank you for your report \"{}\". After review, we will not handle it as a security \
                     vulnerability: it is {what}.\n\n{}\n",
                    report.title,
                    rejection.detail.trim()
                ),
            ));
            format!("rejected the report as {what}: {}", rejection.detail.trim())
        }
        Action::StartFix { handler, affected_versions_confirmed, similar_code_audited } => {
            if !affected_versions_confirmed {
                return Err(invalid("the affected versions are not confirmed".to_owned()));
            }
            if !similar_code_audited {
                return Err(invalid("the code is not audited for similar problems".to_owned()));
            }
            // Choosing someone else as handler is assigning: `authorize` refused it to responders.
            next.handler = Some(*handler);
            next.affected_versions_confirmed = true;
            next.similar_code_audited = true;
            format!("started the fix with user {handler} as handler; affected versions confirmed, similar code audited")
        }
        Action::SubmitDraft { text } => {
            valid_draft(text)?;
            next.draft = Some(text.clone());
            "submitted the draft advisory".to_owned()
        }
        Action::ReviseDraft => "reopened the draft advisory for revision".to_owned(),
        Action::Embargo { until } => {
            if *until <= now {
                return Err(invalid(format!("the embargo end {until} is not in the future")));
            }
            // The distributions are pre-notified 72 hours before the end; only a coordinator may leave
            // them less (the scheduler then pre-notifies at once, and publishes only after that).
            if *until < crate::deadline::plus(now, crate::deadline::PRENOTIFICATION)
                && !matches!(actor.role, Role::Coordinator | Role::Admin)
            {
                return Err(invalid(format!(
                    "the embargo end {until} is less than 72 hours away, too soon to pre-notify the \
                     distributions; a coordinator may set a shorter embargo"
                )));
            }
            next.embargo_until = Some(*until);
            next.prenotified_at = None;
            format!("embargoed until {until}")
        }
        Action::CancelEmbargo => {
            if report.prenotified_at.is_some() {
                notifications.push(Notification::embargo_cancelled(report));
            }
            next.embargo_until = None;
            next.prenotified_at = None;
            match report.embargo_until {
                Some(until) => format!("cancelled the embargo until {until}"),
                None => "cancelled the embargo".to_owned(),
            }
        }
        Action::Publish => {
            let Some(until) = report.embargo_until else {
                return Err(invalid("the report has no embargo date".to_owned()));
            };
            if now < until {
                return Err(invalid(format!("the embargo lasts until {until}; a coordinator can lift it early")));
            }
            next.published_at = Some(now);
            publication_notifications(&next, &mut notifications);
            format!("published {}", next.rustsec_id.as_deref().unwrap_or("the advisory"))
        }
        Action::LiftEmbargoEarly { reason } => {
            require_text(reason, "reason")?;
            next.published_at = Some(now);
            publication_notifications(&next, &mut notifications);
            match report.embargo_until {
                Some(until) => format!("lifted the embargo until {until} early and published: {}", reason.trim()),
                None => format!("lifted the embargo early and published: {}", reason.trim()),
            }
        }
        Action::Update { text } => {
            valid_draft(text)?;
            next.draft = Some(text.clone());
            "updated the published advisory".to_owned()
        }
        Action::Withdraw { reason } => {
            require_text(reason, "reason")?;
            next.withdrawn_at = Some(now);
            notifications.push(Notification::withdrawal(&next, reason.trim()));
            format!("withdrew the advisory: {}", reason.trim())
        }
        Action::AddMessage { from_reporter, body } => {
            require_text(body, "message")?;
            if *from_reporter {
                "received a message from the reporter".to_owned()
            } else {
                notifications.push(Notification::update(&next, body.clone()));
                "sent a message to the reporter".to_owned()
            }
        }
        Action::Assign { handler } => {
            next.handler = Some(*handler);
            match report.handler {
                Some(previous) => format!("assigned the report to user {handler} (was user {previous})"),
                None => format!("assigned the report to user {handler}"),
            }
        }
        Action::SetCve { cve } => {
            check_cve(cve).map_err(|e| invalid(e.to_string()))?;
            next.cve = Some(cve.clone());
            match &report.cve {
                Some(previous) => format!("set the CVE id to {cve} (was {previous})"),
                None => format!("set the CVE id to {cve}"),
            }
        }
        Action::EditDraft { text } => {
            // A drafted report stays one that passed the checks; work in progress may be incomplete.
            if report.state == State::Drafted {
                valid_draft(text)?;
            }
            next.draft = Some(text.clone());
            "edited the draft advisory".to_owned()
        }
        Action::CheckItem { item } => {
            if !next.checklist.insert(*item) {
                return Err(invalid(format!("checklist item `{item}` is already ticked")));
            }
            format!("ticked \"{}\"", item.label())
        }
        Action::UncheckItem { item } => {
            if !next.checklist.remove(item) {
                return Err(invalid(format!("checklist item `{item}` is not ticked")));
            }
            format!("unticked \"{}\"", item.label())
        }
        Action::MarkPrenotified => {
            if let Some(at) = report.prenotified_at {
                return Err(invalid(format!("the distributions were already pre-notified at {at}")));
            }
            next.prenotified_at = Some(now);
            "recorded the pre-notification of the distributions".to_owned()
        }
    };
    if notifications.iter().any(|n| n.to == Recipient::Reporter) {
        next.last_reporter_update_at = Some(now);
    }
    let event =
        Event { actor: actor.clone(), at: now, action: name, summary, from_state: report.state, to_state: next.state };
    Ok(Outcome { report: next, event, notifications })
}

fn check_rejection(report: &Report, rejection: &Rejection) -> Result<(), String> {
    if rejection.detail.trim().is_empty() {
        return Err("the rejection's explanation to the reporter is empty".to_owned());
    }
    match (rejection.reason, rejection.duplicate_of) {
        (RejectReason::Duplicate, None) => Err("a duplicate must name the report it duplicates".to_owned()),
        (RejectReason::Duplicate, Some(other)) if other == report.id => {
            Err("a report cannot be a duplicate of itself".to_owned())
        }
        (RejectReason::Duplicate, Some(_)) => Ok(()),
        (reason, Some(_)) => Err(format!("only duplicates name another report, not `{reason}` rejections")),
        (_, None) => Ok(()),
    }
}

/// The announcement to the distribution list and the news to the reporter.
fn publication_notifications(report: &Report, notifications: &mut Vec<Notification>) {
    notifications.push(Notification::announcement(report));
    let id = report.rustsec_id.as_deref().unwrap_or("The advisory");
    notifications.push(Notification::update(
        report,
        format!("{id} about your report \"{}\" is now public. Thank you for reporting it.\n", report.title),
    ));
}
