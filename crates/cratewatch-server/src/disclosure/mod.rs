//! The coordinated-disclosure workflow over HTTP: the JSON API (`api.rs`), the web pages (`web/`),
//! request parsing and the report form's rate limiter (`input.rs`). The workflow itself is
//! [`cratewatch_workflow::Disclosure`]; nothing here decides what a step does, who may take it or
//! what is stored.

pub(crate) mod api;
pub(crate) mod input;
pub(crate) mod web;

pub(crate) use cratewatch_workflow::{Disclosure, DisclosureConfig, Tick, WorkflowError, advisory_date};
pub(crate) use input::RateLimiter;

use std::sync::Arc;

use cratewatch_store::ReportRecord;
use cratewatch_workflow::Published;
use jiff::Timestamp;

use crate::knowledge::Entry;

/// The advisories published through the workflow, as entries of the served knowledge base.
pub(crate) async fn published_entries(disclosure: &Disclosure) -> Result<Vec<Arc<Entry>>, WorkflowError> {
    Ok(disclosure.published().await?.into_iter().map(|p| Arc::new(entry(p))).collect())
}

/// A report's draft as a served entry (its OSV record included), if the draft is a valid advisory.
pub(crate) fn draft_entry(record: &ReportRecord) -> Option<Entry> {
    Published::of_report(record).map(entry)
}

fn entry(published: Published) -> Entry {
    Entry::published(published.advisory, published.published_at.as_second(), published.modified_at.as_second())
}

/// A stored time (Unix milliseconds).
pub(crate) fn time(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A time as the store keeps it (Unix milliseconds).
pub(crate) fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}
