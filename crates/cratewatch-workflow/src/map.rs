//! Between the store's rows (strings, Unix milliseconds) and the domain's types.

use std::collections::BTreeSet;

use cratewatch_disclosure::{ChecklistItem, RejectReason, Rejection, Report, State};
use cratewatch_store::ReportRecord;
use jiff::Timestamp;

/// A stored value the domain cannot read: the database was edited by hand or by a newer version.
#[derive(Debug, thiserror::Error)]
#[error("report {report}: stored {what} `{value}` is not valid")]
pub(crate) struct Corrupt {
    pub(crate) report: i64,
    pub(crate) what: &'static str,
    pub(crate) value: String,
}

pub(crate) fn time(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The UTC day of `t`, as advisories write dates (a withdrawal date, the audit's "today").
pub fn advisory_date(t: Timestamp) -> cratewatch_advisory::Date {
    let day = t.to_zoned(jiff::tz::TimeZone::UTC).date();
    // jiff's civil dates are within years -9999..=9999, months 1..=12 and valid days; advisory dates
    // take years 0..=65535, so only a negative year could fail, which no clock of ours gives.
    cratewatch_advisory::Date::new(day.year().max(0) as u16, day.month() as u8, day.day() as u8)
        .expect("a civil date is a valid advisory date")
}

pub(crate) fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// The domain's view of a stored report.
pub(crate) fn to_domain(r: &ReportRecord) -> Result<Report, Corrupt> {
    let corrupt = |what: &'static str, value: &str| Corrupt { report: r.id, what, value: value.to_owned() };
    let state: State = r.state.parse().map_err(|_| corrupt("state", &r.state))?;
    let reject = match &r.reject_reason {
        None => None,
        Some(reason) => Some(Rejection {
            reason: reason.parse::<RejectReason>().map_err(|_| corrupt("reject reason", reason))?,
            detail: r.reject_detail.clone().unwrap_or_default(),
            duplicate_of: r.duplicate_of,
        }),
    };
    let checklist = r
        .checklist
        .iter()
        .map(|item| item.parse::<ChecklistItem>().map_err(|_| corrupt("checklist item", item)))
        .collect::<Result<BTreeSet<_>, _>>()?;
    Ok(Report {
        id: r.id,
        title: r.title.clone(),
        state,
        received_at: time(r.received_at),
        acknowledged_at: r.acknowledged_at.map(time),
        responded_at: r.responded_at.map(time),
        last_reporter_update_at: r.last_reporter_update_at.map(time),
        handler: r.handler_user_id,
        affected_versions_confirmed: r.affected_versions_confirmed,
        similar_code_audited: r.similar_code_audited,
        reject,
        rustsec_id: r.rustsec_id.clone(),
        cve: r.cve.clone(),
        draft: r.draft.clone(),
        embargo_until: r.embargo_until.map(time),
        prenotified_at: r.prenotified_at.map(time),
        published_at: r.published_at.map(time),
        withdrawn_at: r.withdrawn_at.map(time),
        checklist,
    })
}

/// `record` with the domain's fields of `report` written over it (the reporter's details, the
/// description and the store's bookkeeping stay).
pub(crate) fn to_record(record: &ReportRecord, report: &Report, now: Timestamp) -> ReportRecord {
    ReportRecord {
        title: report.title.clone(),
        state: report.state.as_str().to_owned(),
        acknowledged_at: report.acknowledged_at.map(millis),
        responded_at: report.responded_at.map(millis),
        last_reporter_update_at: report.last_reporter_update_at.map(millis),
        handler_user_id: report.handler,
        affected_versions_confirmed: report.affected_versions_confirmed,
        similar_code_audited: report.similar_code_audited,
        reject_reason: report.reject.as_ref().map(|r| r.reason.as_str().to_owned()),
        reject_detail: report.reject.as_ref().map(|r| r.detail.clone()),
        duplicate_of: report.reject.as_ref().and_then(|r| r.duplicate_of),
        rustsec_id: report.rustsec_id.clone(),
        cve: report.cve.clone(),
        draft: report.draft.clone(),
        embargo_until: report.embargo_until.map(millis),
        prenotified_at: report.prenotified_at.map(millis),
        published_at: report.published_at.map(millis),
        withdrawn_at: report.withdrawn_at.map(millis),
        checklist: report.checklist.iter().map(|i| i.as_str().to_owned()).collect(),
        updated_at: millis(now),
        ..record.clone()
    }
}
