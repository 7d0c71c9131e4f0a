//! The snapshot of one private report: plain data that the store maps to and from its rows.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::error::storage_names;
use crate::{ChecklistItem, State};

/// One private vulnerability report, as the workflow sees it. Only [`apply`](crate::apply) should
/// change a stored report; the fields are public so that the store can read and write them.
///
/// Messages and the audit log are not part of the snapshot: they only grow, and the store keeps them
/// in their own tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The store's id.
    pub id: i64,
    /// A short private title, given by the reporter or the triager.
    pub title: String,
    /// Where the report is in the workflow.
    pub state: State,
    /// When the report arrived. The acknowledgement and detailed-response clocks start here.
    pub received_at: Timestamp,
    /// When the report was acknowledged.
    pub acknowledged_at: Option<Timestamp>,
    /// When the detailed response (the triage decision, accept or reject) was sent.
    pub responded_at: Option<Timestamp>,
    /// When the reporter was last sent a message or an update.
    pub last_reporter_update_at: Option<Timestamp>,
    /// The user id of the responder handling the report.
    pub handler: Option<i64>,
    /// Whether the handler confirmed which versions are affected.
    pub affected_versions_confirmed: bool,
    /// Whether the handler audited the code for similar problems.
    pub similar_code_audited: bool,
    /// Why the report was rejected, once it is.
    pub reject: Option<Rejection>,
    /// The RustSec id allocated when the report was accepted, in canonical form.
    pub rustsec_id: Option<String>,
    /// The CVE id, once one is reserved.
    pub cve: Option<String>,
    /// The draft advisory in RustSec format (TOML front matter plus Markdown).
    pub draft: Option<String>,
    /// When the embargo ends and the advisory may be published.
    pub embargo_until: Option<Timestamp>,
    /// When the distributions were pre-notified of the current embargo.
    pub prenotified_at: Option<Timestamp>,
    /// When the advisory was published.
    pub published_at: Option<Timestamp>,
    /// When the advisory was withdrawn.
    pub withdrawn_at: Option<Timestamp>,
    /// The checklist items done.
    pub checklist: BTreeSet<ChecklistItem>,
}

impl Report {
    /// A report that has just arrived.
    pub fn received(id: i64, title: impl Into<String>, received_at: Timestamp) -> Report {
        Report {
            id,
            title: title.into(),
            state: State::Received,
            received_at,
            acknowledged_at: None,
            responded_at: None,
            last_reporter_update_at: None,
            handler: None,
            affected_versions_confirmed: false,
            similar_code_audited: false,
            reject: None,
            rustsec_id: None,
            cve: None,
            draft: None,
            embargo_until: None,
            prenotified_at: None,
            published_at: None,
            withdrawn_at: None,
            checklist: BTreeSet::new(),
        }
    }
}

/// Why and how a report was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The kind of rejection.
    pub reason: RejectReason,
    /// The explanation sent to the reporter; must not be empty.
    pub detail: String,
    /// The report this one duplicates: set exactly when `reason` is [`RejectReason::Duplicate`].
    pub duplicate_of: Option<i64>,
}

storage_names! {
    /// The kind of a rejection.
    #[non_exhaustive]
    pub enum RejectReason ("reject reason") {
        /// The behaviour reported is not a vulnerability.
        NotAVulnerability => "not_a_vulnerability",
        /// A vulnerability, but not in something this registry's responders handle.
        OutOfScope => "out_of_scope",
        /// Another report already covers it.
        Duplicate => "duplicate",
    }
}

impl RejectReason {
    /// A phrase for messages, such as "not a vulnerability".
    pub fn describe(self) -> &'static str {
        match self {
            RejectReason::NotAVulnerability => "not a vulnerability",
            RejectReason::OutOfScope => "out of scope",
            RejectReason::Duplicate => "a duplicate",
        }
    }
}
