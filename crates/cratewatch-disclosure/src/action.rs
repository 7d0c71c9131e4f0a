//! What people (and the scheduler) do to a report.

use jiff::Timestamp;

use crate::{ChecklistItem, Rejection, State};

/// One step of the workflow, as requested. [`apply`](crate::apply) checks it against the report and
/// the actor and says what it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Tell the reporter the report arrived: `received` → `acknowledged`.
    Acknowledge,
    /// Triage found a vulnerability: `acknowledged` → `accepted`. The store allocates the RustSec id.
    Accept {
        /// The allocated id, `RUSTSEC-YYYY-NNNN`.
        rustsec_id: String,
    },
    /// Triage found nothing to handle: `acknowledged` → `rejected` (final).
    Reject(Rejection),
    /// A handler takes the report: `accepted` → `fix_in_progress`. Both checks must be done.
    StartFix {
        /// The user id of the handler.
        handler: i64,
        /// The affected versions are confirmed.
        affected_versions_confirmed: bool,
        /// The code was audited for similar problems.
        similar_code_audited: bool,
    },
    /// Submit the draft advisory: `fix_in_progress` → `drafted`. The draft must pass
    /// [`check_report_draft`](crate::check_report_draft) without errors.
    SubmitDraft {
        /// The advisory in RustSec format.
        text: String,
    },
    /// Go back to work on the draft: `drafted` → `fix_in_progress`.
    ReviseDraft,
    /// Set the publication date: `drafted` → `embargoed`. The date must be in the future.
    Embargo {
        /// When the embargo ends.
        until: Timestamp,
    },
    /// Drop the publication date: `embargoed` → `drafted`.
    CancelEmbargo,
    /// Publish on or after the embargo date: `embargoed` → `published`.
    Publish,
    /// Publish before the embargo date, for instance because the issue went public:
    /// `embargoed` → `published`. Coordinators only.
    LiftEmbargoEarly {
        /// Why, for the audit log.
        reason: String,
    },
    /// Replace the published advisory's text: `published` → `published`.
    Update {
        /// The new advisory text, checked like a submitted draft.
        text: String,
    },
    /// Withdraw the published advisory: `published` → `withdrawn` (final).
    Withdraw {
        /// Why, for the audit log and the announcement.
        reason: String,
    },
    /// Add a message to the conversation with the reporter (open reports). A message from staff is
    /// sent to the reporter and counts as an update.
    AddMessage {
        /// Whether the reporter wrote it.
        from_reporter: bool,
        /// The text.
        body: String,
    },
    /// Make a responder the handler (open reports). Coordinators only.
    Assign {
        /// The user id of the responder.
        handler: i64,
    },
    /// Record the reserved CVE id (open or published reports).
    SetCve {
        /// `CVE-YYYY-NNNN`, four or more digits after the year.
        cve: String,
    },
    /// Save the draft without submitting it (`fix_in_progress`, or `drafted` if it still passes the
    /// checks).
    EditDraft {
        /// The advisory in RustSec format.
        text: String,
    },
    /// Tick a checklist item (from `accepted` on, publication included).
    CheckItem {
        /// The item.
        item: ChecklistItem,
    },
    /// Untick a checklist item (from `accepted` on, publication included).
    UncheckItem {
        /// The item.
        item: ChecklistItem,
    },
    /// Record that the distributions were pre-notified of the embargo (`embargoed`).
    MarkPrenotified,
}

impl Action {
    /// The stable snake_case name, as written to the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledge",
            Action::Accept { .. } => "accept",
            Action::Reject(_) => "reject",
            Action::StartFix { .. } => "start_fix",
            Action::SubmitDraft { .. } => "submit_draft",
            Action::ReviseDraft => "revise_draft",
            Action::Embargo { .. } => "embargo",
            Action::CancelEmbargo => "cancel_embargo",
            Action::Publish => "publish",
            Action::LiftEmbargoEarly { .. } => "lift_embargo_early",
            Action::Update { .. } => "update",
            Action::Withdraw { .. } => "withdraw",
            Action::AddMessage { .. } => "add_message",
            Action::Assign { .. } => "assign",
            Action::SetCve { .. } => "set_cve",
            Action::EditDraft { .. } => "edit_draft",
            Action::CheckItem { .. } => "check_item",
            Action::UncheckItem { .. } => "uncheck_item",
            Action::MarkPrenotified => "mark_prenotified",
        }
    }

    /// The states in which the action is possible.
    pub fn allowed_in(&self) -> &'static [State] {
        use State::*;
        const OPEN: &[State] = &[Received, Acknowledged, Accepted, FixInProgress, Drafted, Embargoed];
        match self {
            Action::Acknowledge => &[Received],
            Action::Accept { .. } | Action::Reject(_) => &[Acknowledged],
            Action::StartFix { .. } => &[Accepted],
            Action::SubmitDraft { .. } => &[FixInProgress],
            Action::ReviseDraft | Action::Embargo { .. } => &[Drafted],
            Action::CancelEmbargo | Action::Publish | Action::LiftEmbargoEarly { .. } | Action::MarkPrenotified => {
                &[Embargoed]
            }
            Action::Update { .. } | Action::Withdraw { .. } => &[Published],
            Action::AddMessage { .. } | Action::Assign { .. } => OPEN,
            Action::SetCve { .. } => &[Received, Acknowledged, Accepted, FixInProgress, Drafted, Embargoed, Published],
            Action::EditDraft { .. } => &[FixInProgress, Drafted],
            Action::CheckItem { .. } | Action::UncheckItem { .. } => {
                &[Accepted, FixInProgress, Drafted, Embargoed, Published]
            }
        }
    }

    /// The state the action leads to from `from`, assuming it is allowed there.
    pub(crate) fn target(&self, from: State) -> State {
        match self {
            Action::Acknowledge => State::Acknowledged,
            Action::Accept { .. } => State::Accepted,
            Action::Reject(_) => State::Rejected,
            Action::StartFix { .. } | Action::ReviseDraft => State::FixInProgress,
            Action::SubmitDraft { .. } | Action::CancelEmbargo => State::Drafted,
            Action::Embargo { .. } => State::Embargoed,
            Action::Publish | Action::LiftEmbargoEarly { .. } => State::Published,
            Action::Withdraw { .. } => State::Withdrawn,
            Action::Update { .. }
            | Action::AddMessage { .. }
            | Action::Assign { .. }
            | Action::SetCve { .. }
            | Action::EditDraft { .. }
            | Action::CheckItem { .. }
            | Action::UncheckItem { .. }
            | Action::MarkPrenotified => from,
        }
    }
}

/// The verb phrase of an operation for messages, so that they read "cannot <verb> report 12".
pub(crate) fn verb(name: &str) -> &'static str {
    match name {
        "acknowledge" => "acknowledge",
        "accept" => "accept",
        "reject" => "reject",
        "start_fix" => "start the fix of",
        "submit_draft" => "submit a draft for",
        "revise_draft" => "reopen the draft of",
        "embargo" => "embargo",
        "cancel_embargo" => "cancel the embargo of",
        "publish" => "publish",
        "lift_embargo_early" => "lift the embargo early on",
        "update" => "update",
        "withdraw" => "withdraw",
        "add_message" => "add a message to",
        "assign" => "assign",
        "set_cve" => "set the CVE of",
        "edit_draft" => "edit the draft of",
        "check_item" => "tick a checklist item of",
        "uncheck_item" => "untick a checklist item of",
        "mark_prenotified" => "record the pre-notification of",
        "view" => "view",
        "list_reports" => "list all reports",
        "manage_users" => "manage users",
        _ => "act on",
    }
}
