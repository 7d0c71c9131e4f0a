#![doc = include_str!("../README.md")]

mod action;
mod auth;
mod checklist;
mod clock;
mod deadline;
mod draft;
mod error;
mod ids;
mod notify;
mod report;
mod state;
mod workflow;

pub use crate::action::Action;
pub use crate::auth::{Actor, Forbidden, Operation, Role, authorize};
pub use crate::checklist::{CHECKLIST, ChecklistItem, ChecklistPhase};
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::deadline::{Deadline, DeadlineKind, deadlines, escalation, escalations};
pub use crate::draft::{DraftCheck, DraftCvss, check_draft, check_report_draft, draft_template};
pub use crate::error::ParseError;
pub use crate::ids::RustsecId;
pub use crate::notify::{Notification, NotificationKind, Recipient, prenotification};
pub use crate::report::{RejectReason, Rejection, Report};
pub use crate::state::State;
pub use crate::workflow::{Event, Outcome, TransitionError, apply};
