//! Reports, their audit log and their messages: the records and the reads.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::rows::get_bool;
use crate::{Error, Store, secret};

/// A new private vulnerability report, as the reporter submits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReport {
    /// A short title.
    pub title: String,
    /// The reporter's description of the problem.
    pub description: String,
    /// The crate the report is about.
    pub crate_name: String,
    /// The reporter's name, if given.
    pub reporter_name: Option<String>,
    /// The reporter's email address, if given.
    pub reporter_email: Option<String>,
    /// The state a new report starts in (the workflow's first state, such as `received`).
    pub state: String,
}

/// A stored report: every column of `reports` except the hash of the reporter's token.
///
/// States are the workflow's names, times are Unix milliseconds. [`Store::apply`] takes a whole new
/// record; `id`, `received_at`, `updated_at` and `row_version` are kept by the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRecord {
    /// The report's id, given by the database.
    pub id: i64,
    /// A short title.
    pub title: String,
    /// The reporter's description of the problem.
    pub description: String,
    /// The crate the report is about.
    pub crate_name: String,
    /// The reporter's name, if given.
    pub reporter_name: Option<String>,
    /// The reporter's email address, if given.
    pub reporter_email: Option<String>,
    /// Where the report is in the workflow.
    pub state: String,
    /// When the report was acknowledged.
    pub acknowledged_at: Option<i64>,
    /// When the detailed response (accept or reject) was sent.
    pub responded_at: Option<i64>,
    /// When the reporter was last sent a message or an update.
    pub last_reporter_update_at: Option<i64>,
    /// The user handling the report.
    pub handler_user_id: Option<i64>,
    /// Whether the handler confirmed which versions are affected.
    pub affected_versions_confirmed: bool,
    /// Whether the handler audited the code for similar problems.
    pub similar_code_audited: bool,
    /// Why the report was rejected (the reason's storage name).
    pub reject_reason: Option<String>,
    /// The rejection's explanation.
    pub reject_detail: Option<String>,
    /// The report this one duplicates.
    pub duplicate_of: Option<i64>,
    /// The RustSec id, once allocated; unique among reports.
    pub rustsec_id: Option<String>,
    /// The CVE id, once reserved.
    pub cve: Option<String>,
    /// The draft advisory.
    pub draft: Option<String>,
    /// When the embargo ends.
    pub embargo_until: Option<i64>,
    /// When the distributions were pre-notified.
    pub prenotified_at: Option<i64>,
    /// When the advisory was published.
    pub published_at: Option<i64>,
    /// When the advisory was withdrawn.
    pub withdrawn_at: Option<i64>,
    /// The checklist items done, by storage name (stored as a JSON array of strings).
    pub checklist: Vec<String>,
    /// When the report arrived.
    pub received_at: i64,
    /// When the report last changed (the time of its latest event).
    pub updated_at: i64,
    /// Starts at 1 and grows by 1 with every change, for optimistic checks
    /// ([`ApplyOptions::expect_version`](crate::ApplyOptions::expect_version)).
    pub row_version: i64,
}

/// An entry to append to a report's audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// The user who acted, if a user did (not the reporter, not the system).
    pub actor_user_id: Option<i64>,
    /// Who acted, as shown in the log (a user name, `reporter`, `system`).
    pub actor_label: String,
    /// When it happened. [`Store::apply`] also makes it the report's `updated_at`.
    pub at: i64,
    /// What happened, as a stable name (`acknowledge`, `accept`, ...).
    pub action: String,
    /// One line for people.
    pub summary: String,
    /// The state before, when the action changed it.
    pub from_state: Option<String>,
    /// The state after, when the action changed it.
    pub to_state: Option<String>,
    /// Anything else worth keeping, as JSON (`null` when there is nothing).
    pub detail: serde_json::Value,
}

/// An entry of a report's audit log, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    /// The event's id, unique in the store.
    pub id: i64,
    /// The report it belongs to.
    pub report_id: i64,
    /// Its position in the report's log: 1, 2, 3, ... without gaps.
    pub seq: i64,
    /// The user who acted, if a user did.
    pub actor_user_id: Option<i64>,
    /// Who acted, as shown in the log.
    pub actor_label: String,
    /// When it happened.
    pub at: i64,
    /// What happened, as a stable name.
    pub action: String,
    /// One line for people.
    pub summary: String,
    /// The state before, when the action changed it.
    pub from_state: Option<String>,
    /// The state after, when the action changed it.
    pub to_state: Option<String>,
    /// Anything else worth keeping.
    pub detail: serde_json::Value,
}

/// A message to add to a report's conversation between the reporter and the responders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// Whether the reporter wrote it (otherwise a responder did).
    pub from_reporter: bool,
    /// The author as shown.
    pub author_label: String,
    /// The text.
    pub body: String,
    /// When it was written.
    pub at: i64,
}

/// A message of a report's conversation, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    /// The message's id.
    pub id: i64,
    /// The report it belongs to.
    pub report_id: i64,
    /// Whether the reporter wrote it.
    pub from_reporter: bool,
    /// The author as shown.
    pub author_label: String,
    /// The text.
    pub body: String,
    /// When it was written.
    pub at: i64,
}

/// Which reports [`Store::list_reports`] returns. The default returns them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportFilter {
    /// Only reports in one of these states; every state when empty. The dashboard of open reports
    /// passes the workflow's open states.
    pub states: Vec<String>,
    /// Only reports handled by this user.
    pub handler_user_id: Option<i64>,
}

/// The columns of `reports` that make a [`ReportRecord`], in the order of [`report_from_row`].
pub(crate) const REPORT_COLUMNS: &str = "id, title, description, crate_name, reporter_name, reporter_email, \
     state, acknowledged_at, responded_at, last_reporter_update_at, handler_user_id, \
     affected_versions_confirmed, similar_code_audited, reject_reason, reject_detail, duplicate_of, \
     rustsec_id, cve, draft, embargo_until, prenotified_at, published_at, withdrawn_at, checklist, \
     received_at, updated_at, row_version";

pub(crate) const EVENT_COLUMNS: &str =
    "id, report_id, seq, actor_user_id, actor_label, at, action, summary, from_state, to_state, detail";

pub(crate) const MESSAGE_COLUMNS: &str = "id, report_id, from_reporter, author_label, body, at";

/// A [`ReportRecord`] from a row of [`REPORT_COLUMNS`].
pub(crate) fn report_from_row<E>(row: &AnyRow, operation: &str) -> Result<ReportRecord, Error<E>> {
    let read = || -> Result<ReportRecord, sqlx::Error> {
        let checklist: String = row.try_get("checklist")?;
        let checklist = serde_json::from_str(&checklist).map_err(|error| {
            sqlx::Error::Decode(format!("checklist is not a JSON array of strings: {error}").into())
        })?;
        Ok(ReportRecord {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            crate_name: row.try_get("crate_name")?,
            reporter_name: row.try_get("reporter_name")?,
            reporter_email: row.try_get("reporter_email")?,
            state: row.try_get("state")?,
            acknowledged_at: row.try_get("acknowledged_at")?,
            responded_at: row.try_get("responded_at")?,
            last_reporter_update_at: row.try_get("last_reporter_update_at")?,
            handler_user_id: row.try_get("handler_user_id")?,
            affected_versions_confirmed: get_bool(row, "affected_versions_confirmed")?,
            similar_code_audited: get_bool(row, "similar_code_audited")?,
            reject_reason: row.try_get("reject_reason")?,
            reject_detail: row.try_get("reject_detail")?,
            duplicate_of: row.try_get("duplicate_of")?,
            rustsec_id: row.try_get("rustsec_id")?,
            cve: row.try_get("cve")?,
            draft: row.try_get("draft")?,
            embargo_until: row.try_get("embargo_until")?,
            prenotified_at: row.try_get("prenotified_at")?,
            published_at: row.try_get("published_at")?,
            withdrawn_at: row.try_get("withdrawn_at")?,
            checklist,
            received_at: row.try_get("received_at")?,
            updated_at: row.try_get("updated_at")?,
            row_version: row.try_get("row_version")?,
        })
    };
    read().map_err(|error| Error::corrupt(operation, format!("cannot read a stored report: {error}")))
}

/// An [`EventRecord`] from a row of [`EVENT_COLUMNS`].
pub(crate) fn event_from_row<E>(row: &AnyRow, operation: &str) -> Result<EventRecord, Error<E>> {
    let read = || -> Result<EventRecord, sqlx::Error> {
        let detail: String = row.try_get("detail")?;
        let detail = serde_json::from_str(&detail)
            .map_err(|error| sqlx::Error::Decode(format!("detail is not JSON: {error}").into()))?;
        Ok(EventRecord {
            id: row.try_get("id")?,
            report_id: row.try_get("report_id")?,
            seq: row.try_get("seq")?,
            actor_user_id: row.try_get("actor_user_id")?,
            actor_label: row.try_get("actor_label")?,
            at: row.try_get("at")?,
            action: row.try_get("action")?,
            summary: row.try_get("summary")?,
            from_state: row.try_get("from_state")?,
            to_state: row.try_get("to_state")?,
            detail,
        })
    };
    read().map_err(|error| Error::corrupt(operation, format!("cannot read a stored event: {error}")))
}

/// A [`MessageRecord`] from a row of [`MESSAGE_COLUMNS`].
pub(crate) fn message_from_row<E>(row: &AnyRow, operation: &str) -> Result<MessageRecord, Error<E>> {
    let read = || -> Result<MessageRecord, sqlx::Error> {
        Ok(MessageRecord {
            id: row.try_get("id")?,
            report_id: row.try_get("report_id")?,
            from_reporter: get_bool(row, "from_reporter")?,
            author_label: row.try_get("author_label")?,
            body: row.try_get("body")?,
            at: row.try_get("at")?,
        })
    };
    read().map_err(|error| Error::corrupt(operation, format!("cannot read a stored message: {error}")))
}

/// Appends an event to a report's log, numbered after the report's last one. The caller holds the
/// report's lock, so the numbers have no gaps and no duplicates.
pub(crate) async fn insert_event<E>(
    conn: &mut sqlx::AnyConnection,
    report_id: i64,
    event: &NewEvent,
    operation: &str,
) -> Result<EventRecord, Error<E>> {
    let detail = event.detail.to_string();
    let sql = format!(
        "INSERT INTO report_events \
         (report_id, seq, actor_user_id, actor_label, at, action, summary, from_state, to_state, detail) \
         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM report_events WHERE report_id = $1), \
         $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {EVENT_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(report_id)
        .bind(event.actor_user_id)
        .bind(&event.actor_label)
        .bind(event.at)
        .bind(&event.action)
        .bind(&event.summary)
        .bind(&event.from_state)
        .bind(&event.to_state)
        .bind(detail)
        .fetch_one(conn)
        .await
        .map_err(Error::sql(operation))?;
    event_from_row(&row, operation)
}

/// Adds a message to a report's conversation.
pub(crate) async fn insert_message<E>(
    conn: &mut sqlx::AnyConnection,
    report_id: i64,
    message: &NewMessage,
    operation: &str,
) -> Result<MessageRecord, Error<E>> {
    let sql = format!(
        "INSERT INTO messages (report_id, from_reporter, author_label, body, at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {MESSAGE_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(report_id)
        .bind(message.from_reporter)
        .bind(&message.author_label)
        .bind(&message.body)
        .bind(message.at)
        .fetch_one(conn)
        .await
        .map_err(Error::sql(operation))?;
    message_from_row(&row, operation)
}

impl Store {
    /// Stores a new report and appends its first event (`received`, by the reporter) in the same
    /// transaction. Returns the report and the reporter's token: the secret of the reporter's link,
    /// given out once (only its hash is stored).
    pub async fn create_report(&self, report: NewReport, now: i64) -> Result<(ReportRecord, String), Error> {
        let operation = format!("create a report on crate {}", report.crate_name);
        let token = secret::new_token("reporter token")?;
        let mut tx = self.begin_write(&operation).await?;
        let sql = format!(
            "INSERT INTO reports (title, description, crate_name, reporter_name, reporter_email, \
             reporter_token_hash, state, checklist, received_at, updated_at, row_version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, '[]', $8, $8, 1) RETURNING {REPORT_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(&report.title)
            .bind(&report.description)
            .bind(&report.crate_name)
            .bind(&report.reporter_name)
            .bind(&report.reporter_email)
            .bind(secret::hash(&token))
            .bind(&report.state)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::sql(&operation))?;
        let record = report_from_row(&row, &operation)?;
        let event = NewEvent {
            actor_user_id: None,
            actor_label: report.reporter_name.clone().unwrap_or_else(|| "reporter".to_owned()),
            at: now,
            action: "received".to_owned(),
            summary: "Report received".to_owned(),
            from_state: None,
            to_state: Some(report.state.clone()),
            detail: serde_json::Value::Null,
        };
        insert_event(&mut tx, record.id, &event, &operation).await?;
        tx.commit().await.map_err(Error::sql(&operation))?;
        Ok((record, token))
    }

    /// The report with this id, if there is one.
    pub async fn report(&self, id: i64) -> Result<Option<ReportRecord>, Error> {
        let operation = format!("read report {id}");
        let row = sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(Error::sql(&operation))?;
        row.map(|row| report_from_row(&row, &operation)).transpose()
    }

    /// The report whose reporter holds this token (the secret of the reporter's link), if any.
    pub async fn report_by_reporter_token(&self, token: &str) -> Result<Option<ReportRecord>, Error> {
        let operation = "find a report by its reporter token";
        let row = sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE reporter_token_hash = $1"))
            .bind(secret::hash(token))
            .fetch_optional(&self.pool)
            .await
            .map_err(Error::sql(operation))?;
        row.map(|row| report_from_row(&row, operation)).transpose()
    }

    /// The reports that pass the filter, oldest first.
    pub async fn list_reports(&self, filter: &ReportFilter) -> Result<Vec<ReportRecord>, Error> {
        let operation = "list reports";
        let mut conditions = Vec::new();
        let mut next = 1;
        if !filter.states.is_empty() {
            let placeholders: Vec<String> = (next..next + filter.states.len()).map(|i| format!("${i}")).collect();
            next += filter.states.len();
            conditions.push(format!("state IN ({})", placeholders.join(", ")));
        }
        if filter.handler_user_id.is_some() {
            conditions.push(format!("handler_user_id = ${next}"));
        }
        let mut sql = format!("SELECT {REPORT_COLUMNS} FROM reports");
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY received_at, id");
        let mut query = sqlx::query(&sql);
        for state in &filter.states {
            query = query.bind(state);
        }
        if let Some(handler) = filter.handler_user_id {
            query = query.bind(handler);
        }
        let rows = query.fetch_all(&self.pool).await.map_err(Error::sql(operation))?;
        rows.iter().map(|row| report_from_row(row, operation)).collect()
    }

    /// The audit log of a report, in order.
    pub async fn events(&self, report_id: i64) -> Result<Vec<EventRecord>, Error> {
        let operation = format!("read the events of report {report_id}");
        let rows = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM report_events WHERE report_id = $1 ORDER BY seq"))
            .bind(report_id)
            .fetch_all(&self.pool)
            .await
            .map_err(Error::sql(&operation))?;
        rows.iter().map(|row| event_from_row(row, &operation)).collect()
    }

    /// The conversation of a report, in order.
    pub async fn messages(&self, report_id: i64) -> Result<Vec<MessageRecord>, Error> {
        let operation = format!("read the messages of report {report_id}");
        let rows = sqlx::query(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE report_id = $1 ORDER BY id"))
            .bind(report_id)
            .fetch_all(&self.pool)
            .await
            .map_err(Error::sql(&operation))?;
        rows.iter().map(|row| message_from_row(row, &operation)).collect()
    }
}
