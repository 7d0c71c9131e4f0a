//! [`Disclosure`]: the domain's rules (`cratewatch-disclosure`) over the store (`cratewatch-store`),
//! with a clock and a mailer. Every caller (the HTTP layer, the scheduler, the CLI) goes through it.

use std::sync::Arc;

use cratewatch_disclosure::{
    Action, Actor, Clock, Deadline, Notification, Operation, Outcome, Recipient, Report, Role, State, SystemClock,
    TransitionError, authorize, deadlines, escalations, prenotification,
};
use cratewatch_store::{
    ApplyOptions, Change, EventRecord, MessageRecord, NewEvent, NewMessage, NewNotification, NewReport,
    NotificationRecord, ReportFilter, ReportRecord, Store, UserRecord,
};
use jiff::{SignedDuration, Timestamp};

use crate::mail::{Mail, Mailer};
use crate::map::{self, millis};
use crate::published::Published;

/// Who is asking: a signed-in user or API token holder, or a reporter holding their report's secret.
#[derive(Clone, Debug)]
pub enum Principal {
    /// A user, with their role and, for an API token, its scopes (`None` for a web session).
    User {
        /// The user.
        user: UserRecord,
        /// The user's role.
        role: Role,
        /// The token's scopes; `None` means every scope (a signed-in session).
        scopes: Option<Vec<String>>,
    },
    /// The reporter of one report.
    Reporter {
        /// Their report.
        report_id: i64,
    },
}

impl Principal {
    fn actor(&self) -> Actor {
        match self {
            Principal::User { user, role, .. } => Actor::user(user.id, *role, user.name.clone()),
            Principal::Reporter { .. } => Actor::reporter(None, "reporter"),
        }
    }

    /// The actor the workflow's rules see when this principal acts on `report` (a reporter is the
    /// reporter of their own report only). Pages use it to offer only the steps
    /// [`authorize`](cratewatch_disclosure::authorize) allows.
    pub fn actor_for(&self, report: &ReportRecord) -> Actor {
        match self {
            Principal::Reporter { report_id } if *report_id == report.id => Actor::reporter(None, "reporter"),
            Principal::Reporter { .. } => Actor { is_reporter: false, ..Actor::reporter(None, "reporter") },
            user => user.actor(),
        }
    }

    /// Whether the principal's token allows `scope` (`read` or `write`).
    fn allows(&self, scope: &str) -> bool {
        match self {
            Principal::User { scopes: Some(scopes), .. } => scopes.iter().any(|s| s == scope),
            _ => true,
        }
    }
}

/// Why a workflow call failed; each maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// The credentials given do not name an active user (a failed sign-in).
    #[error("{0}")]
    Unauthorized(String),
    /// No such report (or one the principal may not know exists).
    #[error("{0}")]
    NotFound(String),
    /// The principal may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The report is not in a state that allows this, or changed since the caller read it.
    #[error("{0}")]
    Conflict(String),
    /// The request itself is invalid (a draft with errors, a missing field).
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error("{0}")]
    Store(String),
}

impl From<cratewatch_store::Error> for WorkflowError {
    fn from(e: cratewatch_store::Error) -> Self {
        WorkflowError::Store(e.to_string())
    }
}

/// A step through `Store::apply`: the workflow's own refusal as it was, a report that is gone or
/// changed under the caller as a conflict, anything else as a store failure.
impl From<cratewatch_store::Error<WorkflowError>> for WorkflowError {
    fn from(e: cratewatch_store::Error<WorkflowError>) -> Self {
        match e {
            cratewatch_store::Error::Rejected(e) => e,
            e @ (cratewatch_store::Error::StaleVersion { .. } | cratewatch_store::Error::ReportNotFound { .. }) => {
                WorkflowError::Conflict(e.to_string())
            }
            e => WorkflowError::Store(e.to_string()),
        }
    }
}

impl From<map::Corrupt> for WorkflowError {
    fn from(e: map::Corrupt) -> Self {
        WorkflowError::Store(e.to_string())
    }
}

/// Where notifications go, besides the reporter's own address.
#[derive(Clone, Debug, Default)]
pub struct DisclosureConfig {
    /// The coordinators' addresses (escalations of overdue deadlines).
    pub coordinators: Vec<String>,
    /// The distributions' pre-notification list (and announcements).
    pub distribution: Vec<String>,
    /// The public URL of the site, for links in notifications.
    pub base_url: String,
}

/// A report as its viewer sees it: the record, its timeline, messages and deadlines.
#[derive(Clone, Debug)]
pub struct ReportView {
    /// The stored report.
    pub record: ReportRecord,
    /// The report as the workflow's rules see it (what the viewer may do next is decided on this).
    pub report: Report,
    /// The append-only audit log, oldest first.
    pub events: Vec<EventRecord>,
    /// The conversation with the reporter.
    pub messages: Vec<MessageRecord>,
    /// The policy's clocks that apply now.
    pub deadlines: Vec<Deadline>,
    /// Notifications queued for the report (staff only; empty for the reporter).
    pub notifications: Vec<NotificationRecord>,
}

/// A new report from the public form or API.
#[derive(Clone, Debug)]
pub struct Submission {
    /// A one-line title.
    pub title: String,
    /// What the reporter found, in Markdown.
    pub description: String,
    /// The affected crate, if known.
    pub crate_name: String,
    /// The reporter's name, if given.
    pub reporter_name: Option<String>,
    /// The reporter's address for acknowledgements and updates, if given.
    pub reporter_email: Option<String>,
}

/// What one scheduler tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// Embargoed reports published because their embargo ended.
    pub published: Vec<i64>,
    /// Reports whose distributions were pre-notified.
    pub prenotified: Vec<i64>,
    /// Overdue deadlines escalated to the coordinators.
    pub escalated: usize,
    /// Notifications delivered.
    pub sent: usize,
    /// Notification deliveries that failed (they stay queued).
    pub failed: usize,
}

/// The workflow service.
pub struct Disclosure {
    pub(crate) store: Store,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    config: DisclosureConfig,
    /// The highest RUSTSEC number of a year in the public database, so that allocated ids follow it.
    floor: Box<dyn Fn(u16) -> u32 + Send + Sync>,
}

const MAX_TITLE: usize = 200;
/// The longest crate name crates.io accepts.
const MAX_CRATE_NAME: usize = 64;
/// How long a claimed batch of notifications is reserved for its sender.
const LEASE_MS: i64 = 5 * 60 * 1000;
/// How many notifications one claim takes (10 × 20 s of SMTP timeout < the lease).
const CLAIM: u32 = 10;
const MAX_TEXT: usize = 64 * 1024;

impl Disclosure {
    /// The service over `store`.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        mailer: Arc<dyn Mailer>,
        config: DisclosureConfig,
        floor: Box<dyn Fn(u16) -> u32 + Send + Sync>,
    ) -> Disclosure {
        Disclosure { store, clock, mailer, config, floor }
    }

    /// The service for administration outside the server (`cratewatch user`): the system clock, no
    /// mailer (nothing it does notifies anyone), the default configuration, and no RUSTSEC id floor.
    pub fn administration(store: Store) -> Disclosure {
        let mailer = Arc::new(crate::NoMailer);
        Disclosure::new(store, Arc::new(SystemClock), mailer, DisclosureConfig::default(), Box::new(|_| 0))
    }

    /// Where notifications go, and the site's address.
    pub fn config(&self) -> &DisclosureConfig {
        &self.config
    }

    /// The current time of the service's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Records a new report and queues its receipt; returns it with the reporter's secret token (shown
    /// once).
    pub async fn submit(&self, submission: Submission) -> Result<(ReportRecord, String), WorkflowError> {
        let title = submission.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE {
            return Err(WorkflowError::Invalid(format!("`title` must be 1 to {MAX_TITLE} characters")));
        }
        one_line("title", title)?;
        let crate_name = submission.crate_name.trim();
        if crate_name.chars().count() > MAX_CRATE_NAME {
            return Err(WorkflowError::Invalid(format!("`crate` must be at most {MAX_CRATE_NAME} characters")));
        }
        one_line("crate", crate_name)?;
        if let Some(name) = &submission.reporter_name {
            if name.chars().count() > MAX_TITLE {
                return Err(WorkflowError::Invalid(format!("`reporter_name` must be at most {MAX_TITLE} characters")));
            }
            one_line("reporter_name", name)?;
        }
        if submission.description.trim().is_empty() || submission.description.len() > MAX_TEXT {
            return Err(WorkflowError::Invalid(format!("`description` must be 1 byte to {} KiB", MAX_TEXT / 1024)));
        }
        if let Some(email) = &submission.reporter_email
            && (email.parse::<lettre::message::Mailbox>().is_err())
        {
            return Err(WorkflowError::Invalid(format!("`reporter_email` `{email}` is not an email address")));
        }
        let new = NewReport {
            title: title.to_owned(),
            description: submission.description,
            crate_name: crate_name.to_owned(),
            reporter_name: submission.reporter_name.filter(|n| !n.trim().is_empty()),
            reporter_email: submission.reporter_email.filter(|e| !e.trim().is_empty()),
            state: State::Received.as_str().to_owned(),
        };
        Ok(self.store.create_report(new, millis(self.now())).await?)
    }

    /// One report, with its timeline, if the principal may see it. A report the principal may not see
    /// is "not found", so that ids do not leak.
    pub async fn view(&self, principal: &Principal, id: i64) -> Result<ReportView, WorkflowError> {
        let record = self.readable(principal, id).await?;
        let report = self.domain(&record)?;
        let staff = matches!(principal, Principal::User { .. });
        Ok(ReportView {
            events: self.store.events(id).await?,
            messages: self.store.messages(id).await?,
            deadlines: if report.state.is_open() { deadlines(&report, self.now()) } else { Vec::new() },
            notifications: if staff { self.store.notifications(id).await? } else { Vec::new() },
            record,
            report,
        })
    }

    /// The reports the principal may see: all for coordinators and admins, assigned ones for
    /// responders, their own for a reporter. Newest first.
    pub async fn list(&self, principal: &Principal) -> Result<Vec<ReportRecord>, WorkflowError> {
        if !principal.allows("read") {
            return Err(WorkflowError::Forbidden("this token lacks the `read` scope".into()));
        }
        let mut reports = match principal {
            Principal::Reporter { report_id } => self.store.report(*report_id).await?.into_iter().collect(),
            Principal::User { user, role, .. } => {
                let filter = match authorize(&principal.actor(), None, Operation::ListReports) {
                    Ok(()) => ReportFilter::default(),
                    Err(_) if *role == Role::Responder => {
                        ReportFilter { handler_user_id: Some(user.id), ..ReportFilter::default() }
                    }
                    Err(e) => return Err(WorkflowError::Forbidden(e.to_string())),
                };
                self.store.list_reports(&filter).await?
            }
        };
        reports.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
        Ok(reports)
    }

    /// What is due and overdue across the reports the principal may see, earliest first.
    pub async fn due(&self, principal: &Principal) -> Result<Vec<(ReportRecord, Deadline)>, WorkflowError> {
        let now = self.now();
        let mut due = Vec::new();
        for record in self.list(principal).await? {
            let report = self.domain(&record)?;
            if report.state.is_open() {
                for deadline in deadlines(&report, now) {
                    due.push((record.clone(), deadline));
                }
            }
        }
        due.sort_by_key(|(r, d)| (d.due_at, r.id));
        Ok(due)
    }

    /// Takes one step on a report. `expected_version` (the `row_version` the caller's page showed)
    /// refuses a step taken on a stale view. `Accept` gets its RUSTSEC id allocated here, in the same
    /// transaction.
    pub async fn act(
        &self,
        principal: &Principal,
        id: i64,
        action: Action,
        expected_version: Option<i64>,
    ) -> Result<ReportRecord, WorkflowError> {
        if !principal.allows("write") {
            return Err(WorkflowError::Forbidden("this token lacks the `write` scope".into()));
        }
        let record = self.readable(principal, id).await?;
        self.check_references(&action).await?;
        let actor = principal.actor_for(&record);
        let now = self.now();
        let mut options = ApplyOptions::new();
        if let Some(version) = expected_version {
            options = options.expect_version(version);
        }
        if matches!(action, Action::Accept { .. }) {
            let year = u16::try_from(now.to_zoned(jiff::tz::TimeZone::UTC).year()).unwrap_or(2026);
            options = options.allocate_rustsec_id(year, (self.floor)(year));
        }
        let changed = self.change(id, options, actor, action, now).await?;
        Ok(changed)
    }

    async fn change(
        &self,
        id: i64,
        options: ApplyOptions,
        actor: Actor,
        action: Action,
        now: Timestamp,
    ) -> Result<ReportRecord, WorkflowError> {
        let config = self.config.clone();
        let applied = self
            .store
            .apply_with(id, options, |record, context| {
                let report = map::to_domain(record)?;
                let action = match (action, context.rustsec_id) {
                    (Action::Accept { .. }, Some(allocated)) => Action::Accept { rustsec_id: allocated.to_string() },
                    (action, _) => action,
                };
                let outcome = cratewatch_disclosure::apply(&report, &action, &actor, now).map_err(transition_error)?;
                Ok::<_, WorkflowError>(change_for(record, &action, outcome, &config, now))
            })
            .await?;
        Ok(applied.report)
    }

    /// The users and reports an action names exist: a handler is an enabled responder, coordinator or
    /// admin, and a duplicate is another report.
    async fn check_references(&self, action: &Action) -> Result<(), WorkflowError> {
        let handler = match action {
            Action::Assign { handler } | Action::StartFix { handler, .. } => Some(*handler),
            _ => None,
        };
        if let Some(handler) = handler {
            let user = self.store.user(handler).await?;
            let fit = user.as_ref().is_some_and(|u| {
                !u.disabled && matches!(u.role.parse::<Role>(), Ok(Role::Responder | Role::Coordinator | Role::Admin))
            });
            if !fit {
                return Err(WorkflowError::Invalid(format!(
                    "user {handler} is not an enabled responder or coordinator"
                )));
            }
        }
        if let Action::Reject(rejection) = action
            && let Some(other) = rejection.duplicate_of
            && self.store.report(other).await?.is_none()
        {
            return Err(WorkflowError::Invalid(format!("there is no report {other} to be a duplicate of")));
        }
        Ok(())
    }

    /// The report if the principal may see it; "not found" otherwise.
    async fn readable(&self, principal: &Principal, id: i64) -> Result<ReportRecord, WorkflowError> {
        let not_found = || WorkflowError::NotFound(format!("no report {id}"));
        if !principal.allows("read") {
            return Err(WorkflowError::Forbidden("this token lacks the `read` scope".into()));
        }
        let record = self.store.report(id).await?.ok_or_else(not_found)?;
        let report = self.domain(&record)?;
        authorize(&principal.actor_for(&record), Some(&report), Operation::ViewReport).map_err(|_| not_found())?;
        Ok(record)
    }

    fn domain(&self, record: &ReportRecord) -> Result<Report, WorkflowError> {
        Ok(map::to_domain(record)?)
    }

    /// The advisories published through the workflow, withdrawn ones marked withdrawn: what the
    /// server adds to the knowledge base it serves.
    pub async fn published(&self) -> Result<Vec<Published>, WorkflowError> {
        let filter = ReportFilter {
            states: vec![State::Published.as_str().to_owned(), State::Withdrawn.as_str().to_owned()],
            ..ReportFilter::default()
        };
        Ok(self.store.list_reports(&filter).await?.iter().filter_map(Published::of_report).collect())
    }

    /// One pass of the scheduler: pre-notify and publish embargoed reports whose time has come,
    /// escalate overdue deadlines (once each), and deliver due notifications.
    pub async fn tick(&self) -> Result<Tick, WorkflowError> {
        let now = self.now();
        let mut tick = Tick::default();
        let open = ReportFilter {
            states: State::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str().to_owned()).collect(),
            ..ReportFilter::default()
        };
        for record in self.store.list_reports(&open).await? {
            let report = self.domain(&record)?;
            if report.state == State::Embargoed
                && let Some(until) = report.embargo_until
            {
                // Never published before the distributions were told: a short embargo (which only a
                // coordinator can set) is pre-notified at once, and published on the next tick.
                if now >= until && report.prenotified_at.is_some() {
                    match self.change(record.id, ApplyOptions::new(), Actor::system(), Action::Publish, now).await {
                        Ok(_) => tick.published.push(record.id),
                        Err(e) => {
                            tracing::error!(report = record.id, error = %e, "cannot publish at the embargo's end")
                        }
                    }
                    continue;
                }
                if report.prenotified_at.is_none() && now >= until - SignedDuration::from_hours(72) {
                    match self.prenotify(record.id, now).await {
                        Ok(()) => tick.prenotified.push(record.id),
                        Err(e) => tracing::error!(report = record.id, error = %e, "cannot pre-notify"),
                    }
                    // The snapshot is stale now (its pre-notification deadline is met): the next tick
                    // looks at the report again.
                    continue;
                }
            }
            tick.escalated += self.escalate(&record, &report, now).await?;
        }
        let (sent, failed) = self.deliver(now).await?;
        tick.sent = sent;
        tick.failed = failed;
        Ok(tick)
    }

    /// Marks a report pre-notified and queues the notice, both built from the report as it is in the
    /// transaction (a step taken since the tick read it, a new embargo say, is what the notice tells).
    async fn prenotify(&self, id: i64, now: Timestamp) -> Result<(), WorkflowError> {
        let config = self.config.clone();
        self.store
            .apply(id, |current| {
                let report = map::to_domain(current)?;
                let notice = prenotification(&report);
                let outcome = cratewatch_disclosure::apply(&report, &Action::MarkPrenotified, &Actor::system(), now)
                    .map_err(transition_error)?;
                let mut change = change_for(current, &Action::MarkPrenotified, outcome, &config, now);
                for n in notice.iter().flat_map(|notice| notification_rows(current, notice, &config)) {
                    change = change.notify(n);
                }
                Ok::<_, WorkflowError>(change)
            })
            .await?;
        Ok(())
    }

    /// Escalates each overdue deadline of a report once: the escalation is an event in the report's
    /// log, which is also how a later tick knows it was sent.
    async fn escalate(&self, record: &ReportRecord, report: &Report, now: Timestamp) -> Result<usize, WorkflowError> {
        let overdue: Vec<Deadline> = deadlines(report, now).into_iter().filter(|d| d.overdue).collect();
        if overdue.is_empty() {
            return Ok(0);
        }
        let events = self.store.events(record.id).await?;
        let mut count = 0;
        for (deadline, notice) in overdue.iter().zip(escalations(report, now)) {
            let key = format!("{}@{}", deadline.kind.as_str(), millis(deadline.due_at));
            if events.iter().any(|e| e.action == "escalate" && e.detail["deadline"] == key.as_str()) {
                continue;
            }
            let config = self.config.clone();
            // Only if nothing changed since the events were read: another replica's escalation (or any
            // step) bumps the version, and this one is then left to the next tick, which sees it.
            let unchanged = ApplyOptions::new().expect_version(record.row_version);
            let applied = self
                .store
                .apply_with(record.id, unchanged, |current, _| {
                    let event = NewEvent {
                        actor_user_id: None,
                        actor_label: Actor::system().name,
                        at: millis(now),
                        action: "escalate".to_owned(),
                        summary: format!(
                            "{} overdue since {}: escalated to the coordinators",
                            deadline.kind.describe(),
                            deadline.due_at
                        ),
                        from_state: Some(current.state.clone()),
                        to_state: Some(current.state.clone()),
                        detail: serde_json::json!({ "deadline": key }),
                    };
                    let mut change = Change::new(current.clone(), event);
                    for n in notification_rows(current, &notice, &config) {
                        change = change.notify(n);
                    }
                    Ok::<_, WorkflowError>(change)
                })
                .await;
            match applied {
                Ok(_) => count += 1,
                Err(cratewatch_store::Error::StaleVersion { .. }) => return Ok(count),
                Err(e) => return Err(WorkflowError::Store(e.to_string())),
            }
        }
        Ok(count)
    }

    /// Sends due notifications. A failure stays queued and is retried with growing delays (1 minute,
    /// doubling, at most 1 hour); the workflow never waits on mail.
    async fn deliver(&self, now: Timestamp) -> Result<(usize, usize), WorkflowError> {
        let now_ms = millis(now);
        let (mut sent, mut failed) = (0, 0);
        // Small claims: a claim's lease (5 minutes) must outlast sending all of it, at up to 20 s per
        // message to a slow relay, or another replica would claim the rest and send it twice.
        loop {
            let due = self.store.claim_due_notifications(now_ms, LEASE_MS, CLAIM).await?;
            let last = due.len() < CLAIM as usize;
            for notification in due {
                let mail = Mail {
                    to: notification
                        .recipient
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect(),
                    subject: notification.subject.clone(),
                    body: notification.body.clone(),
                };
                match self.mailer.send(&mail).await {
                    Ok(()) => {
                        self.store.mark_sent(notification.id, now_ms).await?;
                        sent += 1;
                    }
                    Err(e) => {
                        let delay = 60_000i64.saturating_mul(1 << notification.attempts.clamp(0, 6)).min(3_600_000);
                        self.store.mark_failed(notification.id, &e.to_string(), now_ms + delay).await?;
                        tracing::warn!(notification = notification.id, error = %e, "notification not delivered; will retry");
                        failed += 1;
                    }
                }
            }
            if last {
                return Ok((sent, failed));
            }
        }
    }
}

/// Refuses control characters (Unicode's `Cc`: U+0000 to U+001F and U+007F to U+009F) in a field that is
/// one line of text: a title, a crate name, a person's name. They are never part of one, and a line
/// break or an escape sequence would forge lines where the field is shown (pages, mail subjects, logs).
fn one_line(field: &str, value: &str) -> Result<(), WorkflowError> {
    match value.chars().enumerate().find(|(_, c)| c.is_control()) {
        None => Ok(()),
        Some((at, c)) => Err(WorkflowError::Invalid(format!(
            "`{field}` must not contain control characters (line breaks, tabs, NUL, escapes): U+{:04X} at \
             character {}",
            u32::from(c),
            at + 1
        ))),
    }
}

fn transition_error(e: TransitionError) -> WorkflowError {
    match e {
        TransitionError::Forbidden(f) => WorkflowError::Forbidden(f.to_string()),
        TransitionError::WrongState { .. } => WorkflowError::Conflict(e.to_string()),
        other => WorkflowError::Invalid(other.to_string()),
    }
}

/// The store change for a domain outcome: the new fields, the event, a message when the action was
/// one, and the notifications with their addresses.
fn change_for(
    record: &ReportRecord,
    action: &Action,
    outcome: Outcome,
    config: &DisclosureConfig,
    now: Timestamp,
) -> Change {
    let event = NewEvent {
        actor_user_id: outcome.event.actor.user,
        actor_label: outcome.event.actor.name.clone(),
        at: millis(outcome.event.at),
        action: outcome.event.action.to_owned(),
        summary: outcome.event.summary.clone(),
        from_state: Some(outcome.event.from_state.as_str().to_owned()),
        to_state: Some(outcome.event.to_state.as_str().to_owned()),
        detail: event_detail(action),
    };
    let mut change = Change::new(map::to_record(record, &outcome.report, now), event);
    if let Action::AddMessage { from_reporter, body } = action {
        change = change.message(NewMessage {
            from_reporter: *from_reporter,
            author_label: outcome.event.actor.name.clone(),
            body: body.clone(),
            at: millis(now),
        });
    }
    for notification in &outcome.notifications {
        for row in notification_rows(record, notification, config) {
            change = change.notify(row);
        }
    }
    change
}

/// What the audit log keeps of an action's input, beyond its name (texts are kept whole: the log is
/// the record of what was decided).
fn event_detail(action: &Action) -> serde_json::Value {
    use serde_json::json;
    match action {
        Action::Accept { rustsec_id } => json!({ "rustsec_id": rustsec_id }),
        Action::Reject(r) => json!({ "reason": r.reason.as_str(), "detail": r.detail, "duplicate_of": r.duplicate_of }),
        Action::StartFix { handler, affected_versions_confirmed, similar_code_audited } => json!({
            "handler": handler,
            "affected_versions_confirmed": affected_versions_confirmed,
            "similar_code_audited": similar_code_audited,
        }),
        Action::SubmitDraft { text } | Action::EditDraft { text } | Action::Update { text } => json!({ "draft": text }),
        Action::Embargo { until } => json!({ "until": until.to_string() }),
        Action::LiftEmbargoEarly { reason } | Action::Withdraw { reason } => json!({ "reason": reason }),
        Action::Assign { handler } => json!({ "handler": handler }),
        Action::SetCve { cve } => json!({ "cve": cve }),
        Action::CheckItem { item } | Action::UncheckItem { item } => json!({ "item": item.as_str() }),
        _ => json!({}),
    }
}

/// A domain notification as outbox rows: one row addressed to the recipient's addresses, or none when
/// there is nobody to send to (a reporter who left no address; no list configured).
fn notification_rows(record: &ReportRecord, n: &Notification, config: &DisclosureConfig) -> Vec<NewNotification> {
    let to: Vec<String> = match n.to {
        Recipient::Reporter => record.reporter_email.iter().cloned().collect(),
        Recipient::Coordinators => config.coordinators.clone(),
        Recipient::DistributionList => config.distribution.clone(),
        _ => Vec::new(),
    };
    if to.is_empty() {
        return Vec::new();
    }
    vec![NewNotification {
        kind: n.kind.as_str().to_owned(),
        recipient: to.join(", "),
        subject: n.subject.clone(),
        body: n.body.clone(),
    }]
}
