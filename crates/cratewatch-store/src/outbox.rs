//! The outbox: notifications written in the same transaction as the change that causes them, and sent
//! later by a sender that claims them, marks them sent, or marks them failed and retries.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Backend, Error, Store};

/// A notification to send (an email, as the sender sees fit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    /// What kind it is, as the workflow names it (`acknowledgement`, `announcement`, ...).
    pub kind: String,
    /// Where it goes (an email address).
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// A notification in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRecord {
    /// The notification's id.
    pub id: i64,
    /// The report it is about, if any.
    pub report_id: Option<i64>,
    /// What kind it is.
    pub kind: String,
    /// Where it goes.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
    /// When it was queued.
    pub created_at: i64,
    /// How many attempts failed.
    pub attempts: i64,
    /// When it may be tried (again); a claim pushes it to the end of the claim's lease.
    pub next_attempt_at: i64,
    /// When it was sent; `None` while it is pending.
    pub sent_at: Option<i64>,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
}

pub(crate) const NOTIFICATION_COLUMNS: &str =
    "id, report_id, kind, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at, last_error";

pub(crate) fn notification_from_row<E>(row: &AnyRow, operation: &str) -> Result<NotificationRecord, Error<E>> {
    let read = || -> Result<NotificationRecord, sqlx::Error> {
        Ok(NotificationRecord {
            id: row.try_get("id")?,
            report_id: row.try_get("report_id")?,
            kind: row.try_get("kind")?,
            recipient: row.try_get("recipient")?,
            subject: row.try_get("subject")?,
            body: row.try_get("body")?,
            created_at: row.try_get("created_at")?,
            attempts: row.try_get("attempts")?,
            next_attempt_at: row.try_get("next_attempt_at")?,
            sent_at: row.try_get("sent_at")?,
            last_error: row.try_get("last_error")?,
        })
    };
    read().map_err(Error::sql(operation))
}

/// Queues a notification, due at once.
pub(crate) async fn insert_notification<E>(
    conn: &mut sqlx::AnyConnection,
    report_id: Option<i64>,
    notification: &NewNotification,
    now: i64,
    operation: &str,
) -> Result<NotificationRecord, Error<E>> {
    let sql = format!(
        "INSERT INTO outbox (report_id, kind, recipient, subject, body, created_at, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $6) RETURNING {NOTIFICATION_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(report_id)
        .bind(&notification.kind)
        .bind(&notification.recipient)
        .bind(&notification.subject)
        .bind(&notification.body)
        .bind(now)
        .fetch_one(conn)
        .await
        .map_err(Error::sql(operation))?;
    notification_from_row(&row, operation)
}

impl Store {
    /// Queues a notification that no report change causes (changes queue theirs through
    /// [`Change::notify`](crate::Change::notify)). It is due at once.
    pub async fn enqueue_notification(
        &self,
        report_id: Option<i64>,
        notification: &NewNotification,
        now: i64,
    ) -> Result<NotificationRecord, Error> {
        let operation = format!("queue a {} notification", notification.kind);
        let mut conn = self.pool.acquire().await.map_err(Error::sql(&operation))?;
        insert_notification(&mut conn, report_id, notification, now, &operation).await
    }

    /// Claims up to `limit` pending notifications due at `now` (oldest due first) for the caller to
    /// send: their `next_attempt_at` moves to `now + lease_ms`, so that no other sender (another
    /// replica) claims them meanwhile. The caller then calls [`Store::mark_sent`] or
    /// [`Store::mark_failed`] for each; one it never reports on (it crashed) is due again when the
    /// lease ends. On PostgreSQL, rows another sender is claiming are skipped, not waited for.
    pub async fn claim_due_notifications(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, Error> {
        let operation = "claim due notifications";
        let skip_locked = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE outbox SET next_attempt_at = $1 WHERE id IN (\
             SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $2 \
             ORDER BY next_attempt_at, id LIMIT $3{skip_locked}) \
             RETURNING {NOTIFICATION_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(now.saturating_add(lease_ms))
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(Error::sql(operation))?;
        let mut claimed =
            rows.iter().map(|row| notification_from_row(row, operation)).collect::<Result<Vec<_>, _>>()?;
        // RETURNING promises no order.
        claimed.sort_by_key(|n| (n.created_at, n.id));
        Ok(claimed)
    }

    /// The notifications about a report, sent or not, in the order they were queued.
    pub async fn notifications(&self, report_id: i64) -> Result<Vec<NotificationRecord>, Error> {
        let operation = format!("read the notifications of report {report_id}");
        let rows = sqlx::query(&format!("SELECT {NOTIFICATION_COLUMNS} FROM outbox WHERE report_id = $1 ORDER BY id"))
            .bind(report_id)
            .fetch_all(&self.pool)
            .await
            .map_err(Error::sql(&operation))?;
        rows.iter().map(|row| notification_from_row(row, &operation)).collect()
    }

    /// Records that a notification was sent. Returns whether it was pending.
    pub async fn mark_sent(&self, id: i64, now: i64) -> Result<bool, Error> {
        let done = sqlx::query("UPDATE outbox SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(Error::sql(format!("mark notification {id} sent")))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed attempt: one more attempt, the error, and when to try again. The notification
    /// stays in the outbox. Returns whether it was pending.
    pub async fn mark_failed(&self, id: i64, error: &str, next_attempt_at: i64) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 \
             WHERE id = $3 AND sent_at IS NULL",
        )
        .bind(error)
        .bind(next_attempt_at)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(Error::sql(format!("mark notification {id} failed")))?;
        Ok(done.rows_affected() == 1)
    }
}
