//! The transition primitive: read a report under lock, let the caller decide, write it all or nothing.

use sqlx::AnyConnection;

use crate::ids::{allocate_in, release_in};
use crate::outbox::insert_notification;
use crate::reports::{REPORT_COLUMNS, insert_event, insert_message, report_from_row};
use crate::{
    Backend, Error, EventRecord, MessageRecord, NewEvent, NewMessage, NewNotification, NotificationRecord,
    ReportRecord, RustsecId, Store,
};

/// The environment variable of the crash test hooks. When it is `before-commit`, [`Store::apply`]
/// aborts the process right before it commits, after all its writes, so that a test can check that a
/// crash leaves the report as it was. When it is `pause-before-commit`, it writes
/// `store: paused before commit` to standard error there and waits forever, so that a test can kill
/// the process (`kill -9`) at that point. Nothing else reads it; leave it unset outside tests.
pub const CRASH_POINT_ENV: &str = "CRATEWATCH_STORE_CRASH_POINT";

/// What a change to a report writes: the report's new fields, the event that records it, and the
/// messages and notifications it adds.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Change {
    /// The report as it should be. Its `id`, `received_at`, `updated_at` and `row_version` are
    /// ignored: the store keeps the first two, sets `updated_at` to the event's time and adds 1 to
    /// `row_version`.
    pub report: ReportRecord,
    /// The entry to append to the report's audit log. Every change has one.
    pub event: NewEvent,
    /// Messages to add to the report's conversation.
    pub messages: Vec<NewMessage>,
    /// Notifications to queue in the outbox, due at the event's time.
    pub notifications: Vec<NewNotification>,
}

impl Change {
    /// A change to `report`, recorded by `event`, with no messages or notifications.
    pub fn new(report: ReportRecord, event: NewEvent) -> Change {
        Change { report, event, messages: Vec::new(), notifications: Vec::new() }
    }

    /// Adds a message to the report's conversation.
    #[must_use]
    pub fn message(mut self, message: NewMessage) -> Change {
        self.messages.push(message);
        self
    }

    /// Queues a notification about the report.
    #[must_use]
    pub fn notify(mut self, notification: NewNotification) -> Change {
        self.notifications.push(notification);
        self
    }
}

/// How [`Store::apply_with`] runs a change. The default checks no version and allocates nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    expected_version: Option<i64>,
    rustsec_id: Option<(u16, u32)>,
}

impl ApplyOptions {
    /// The default options.
    pub fn new() -> ApplyOptions {
        ApplyOptions::default()
    }

    /// Refuses the change ([`Error::StaleVersion`]) unless the report is still at this `row_version`:
    /// for forms submitted from a page that showed that version.
    #[must_use]
    pub fn expect_version(mut self, row_version: i64) -> ApplyOptions {
        self.expected_version = Some(row_version);
        self
    }

    /// Allocates a RustSec id for `year` (above `floor`, as
    /// [`Store::allocate_rustsec_id`] does) in the change's transaction, after the report is locked
    /// and before the closure runs, which finds it in [`ApplyContext::rustsec_id`]. If the change does
    /// not store it as the report's `rustsec_id`, or the closure fails, the number is given back.
    #[must_use]
    pub fn allocate_rustsec_id(mut self, year: u16, floor: u32) -> ApplyOptions {
        self.rustsec_id = Some((year, floor));
        self
    }
}

/// What the closure of [`Store::apply_with`] gets besides the report.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplyContext {
    /// The RustSec id allocated for this change, if the options asked for one.
    pub rustsec_id: Option<RustsecId>,
}

/// What [`Store::apply`] wrote.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Applied {
    /// The report as stored now.
    pub report: ReportRecord,
    /// The event appended.
    pub event: EventRecord,
    /// The messages added.
    pub messages: Vec<MessageRecord>,
    /// The notifications queued.
    pub notifications: Vec<NotificationRecord>,
    /// The RustSec id allocated and used by the change, if any.
    pub rustsec_id: Option<RustsecId>,
}

impl Store {
    /// Changes a report: in one transaction, locks the report, calls `f` with it, and writes the
    /// [`Change`] that `f` returns (the report's new fields with `row_version` plus 1, the event, the
    /// messages, the notifications). If `f` returns an error, nothing is written and the error comes
    /// back as [`Error::Rejected`]. A crash at any point leaves the report before or after the change.
    ///
    /// `f` runs while the report is locked (PostgreSQL: `SELECT ... FOR UPDATE`; SQLite: the database
    /// write lock of `BEGIN IMMEDIATE`), so it must be quick and must not wait on the store.
    pub async fn apply<F, E>(&self, report_id: i64, f: F) -> Result<Applied, Error<E>>
    where
        F: FnOnce(&ReportRecord) -> Result<Change, E>,
    {
        self.apply_with(report_id, ApplyOptions::new(), |report, _| f(report)).await
    }

    /// [`Store::apply`] with options: an expected `row_version` (optimistic check against stale
    /// pages) and a RustSec id allocated in the same transaction.
    pub async fn apply_with<F, E>(&self, report_id: i64, options: ApplyOptions, f: F) -> Result<Applied, Error<E>>
    where
        F: FnOnce(&ReportRecord, &ApplyContext) -> Result<Change, E>,
    {
        let operation = format!("apply a change to report {report_id}");
        let mut tx = self.begin_write(&operation).await?;
        match self.apply_in(&mut tx, report_id, options, f, &operation).await {
            Ok(applied) => {
                match std::env::var(CRASH_POINT_ENV).as_deref() {
                    // The crash test hooks: every write is done, the commit is not.
                    Ok("before-commit") => std::process::abort(),
                    Ok("pause-before-commit") => {
                        eprintln!("store: paused before commit");
                        loop {
                            std::thread::sleep(std::time::Duration::from_secs(3600));
                        }
                    }
                    _ => {}
                }
                tx.commit().await.map_err(Error::sql(&operation))?;
                Ok(applied)
            }
            Err(error) => {
                // Dropping the transaction would roll it back too, but later, when the connection is
                // reused; PostgreSQL would hold the report's row lock until then.
                tx.rollback().await.ok();
                Err(error)
            }
        }
    }

    async fn apply_in<F, E>(
        &self,
        conn: &mut AnyConnection,
        report_id: i64,
        options: ApplyOptions,
        f: F,
        operation: &str,
    ) -> Result<Applied, Error<E>>
    where
        F: FnOnce(&ReportRecord, &ApplyContext) -> Result<Change, E>,
    {
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        };
        let row = sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1{lock}"))
            .bind(report_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(Error::sql(operation))?
            .ok_or(Error::ReportNotFound { id: report_id })?;
        let current = report_from_row(&row, operation)?;
        if let Some(expected) = options.expected_version
            && expected != current.row_version
        {
            return Err(Error::StaleVersion { id: report_id, expected, actual: current.row_version });
        }
        let allocated = match options.rustsec_id {
            Some((year, floor)) => Some(allocate_in(&mut *conn, self.backend, year, floor).await?),
            None => None,
        };
        let context = ApplyContext { rustsec_id: allocated };
        let change = f(&current, &context).map_err(Error::Rejected)?;
        let mut used = None;
        if let Some(id) = allocated {
            if change.report.rustsec_id.as_deref() == Some(id.to_string().as_str()) {
                used = Some(id);
            } else {
                release_in(&mut *conn, id).await?;
            }
        }

        let new = &change.report;
        let checklist = serde_json::to_string(&new.checklist).expect("a list of strings is JSON");
        let row = sqlx::query(&format!(
            "UPDATE reports SET title = $2, description = $3, crate_name = $4, reporter_name = $5, \
             reporter_email = $6, state = $7, acknowledged_at = $8, responded_at = $9, \
             last_reporter_update_at = $10, handler_user_id = $11, affected_versions_confirmed = $12, \
             similar_code_audited = $13, reject_reason = $14, reject_detail = $15, duplicate_of = $16, \
             rustsec_id = $17, cve = $18, draft = $19, embargo_until = $20, prenotified_at = $21, \
             published_at = $22, withdrawn_at = $23, checklist = $24, updated_at = $25, \
             row_version = row_version + 1 \
             WHERE id = $1 RETURNING {REPORT_COLUMNS}"
        ))
        .bind(report_id)
        .bind(&new.title)
        .bind(&new.description)
        .bind(&new.crate_name)
        .bind(&new.reporter_name)
        .bind(&new.reporter_email)
        .bind(&new.state)
        .bind(new.acknowledged_at)
        .bind(new.responded_at)
        .bind(new.last_reporter_update_at)
        .bind(new.handler_user_id)
        .bind(new.affected_versions_confirmed)
        .bind(new.similar_code_audited)
        .bind(&new.reject_reason)
        .bind(&new.reject_detail)
        .bind(new.duplicate_of)
        .bind(&new.rustsec_id)
        .bind(&new.cve)
        .bind(&new.draft)
        .bind(new.embargo_until)
        .bind(new.prenotified_at)
        .bind(new.published_at)
        .bind(new.withdrawn_at)
        .bind(checklist)
        .bind(change.event.at)
        .fetch_one(&mut *conn)
        .await
        .map_err(Error::sql(operation))?;
        let report = report_from_row(&row, operation)?;

        let event = insert_event(&mut *conn, report_id, &change.event, operation).await?;
        let mut messages = Vec::with_capacity(change.messages.len());
        for message in &change.messages {
            messages.push(insert_message(&mut *conn, report_id, message, operation).await?);
        }
        let mut notifications = Vec::with_capacity(change.notifications.len());
        for notification in &change.notifications {
            notifications.push(
                insert_notification(&mut *conn, Some(report_id), notification, change.event.at, operation).await?,
            );
        }
        Ok(Applied { report, event, messages, notifications, rustsec_id: used })
    }
}
