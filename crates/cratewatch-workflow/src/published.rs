//! What the workflow publishes: a report's draft read as an advisory, with the times the OSV record
//! carries. The server wraps these into the knowledge base it serves.

use cratewatch_advisory::{Advisory, Collection, parse_advisory};
use cratewatch_store::ReportRecord;
use jiff::Timestamp;

use crate::map::{advisory_date, time};

/// An advisory published through the workflow (or about to be: see [`Published::of_report`]).
#[derive(Clone, Debug)]
pub struct Published {
    /// The advisory: the report's draft, parsed as the database's files are, with the report's CVE id
    /// among its aliases and, once withdrawn, its withdrawal date.
    pub advisory: Advisory,
    /// When the report was published (its last change, for a report not published yet): OSV's
    /// `published` for records that have no date of their own.
    pub published_at: Timestamp,
    /// The report's last change: OSV's `modified`.
    pub modified_at: Timestamp,
}

impl Published {
    /// The advisory a report publishes, or would publish now: its draft, if it has one that parses
    /// without errors. A withdrawn report's advisory carries its withdrawal date.
    pub fn of_report(record: &ReportRecord) -> Option<Published> {
        let draft = record.draft.as_deref()?;
        let mut advisory = parse_advisory(draft, Collection::Crates).advisory?;
        // A CVE id recorded on the report is an alias of the advisory, whether or not the draft lists it.
        if let Some(cve) = &record.cve
            && !advisory.aliases.iter().any(|a| a.eq_ignore_ascii_case(cve))
        {
            advisory.aliases.push(cve.clone());
        }
        if let Some(at) = record.withdrawn_at {
            advisory.withdrawn = Some(advisory_date(time(at)));
        }
        Some(Published {
            advisory,
            published_at: time(record.published_at.unwrap_or(record.updated_at)),
            modified_at: time(record.updated_at),
        })
    }
}
