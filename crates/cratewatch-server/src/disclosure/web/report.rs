//! A report's page for the staff: everything about it, and one form for each step the viewer may take
//! now. The forms are only a convenience: every POST is checked again by [`Disclosure::act`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use cratewatch_disclosure::{
    Action, Actor, CHECKLIST, ChecklistItem, ChecklistPhase, DraftCheck, Operation, RejectReason, Rejection, Report,
    RustsecId, State as ReportState, authorize, check_draft, check_report_draft, draft_template,
};
use cratewatch_store::UserRecord;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, PreEscaped, html};

use super::staff::user_names;
use super::{
    Form, Reply, Stop, Viewer, check_origin, csrf_refused, enabled, error_page, layout, page, same_secret, see_other,
    signed_in, state_label, when, workflow_error,
};
use crate::disclosure::input::parse_action;
use crate::disclosure::{Disclosure, WorkflowError, millis};
use crate::state::AppState;
use cratewatch_workflow::ReportView;

/// `GET /disclosure/reports/{id}`.
pub(crate) async fn get_report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Reply {
    let disclosure = enabled(&state)?;
    let viewer = signed_in(disclosure, &headers).await?;
    let id = report_id(&id, &viewer)?;
    render(disclosure, &viewer, id, Input::default(), StatusCode::OK).await
}

/// `POST /disclosure/reports/{id}/actions`: one step, `action` and its fields, with the
/// `expected_version` the page showed. Success goes back to the report's page; a refusal shows the
/// page again with the reason (403, 409 or 422).
pub(crate) async fn post_action(State(state): State<Arc<AppState>>, Path(id): Path<String>, request: Request) -> Reply {
    let disclosure = enabled(&state)?;
    let (parts, body) = request.into_parts();
    let viewer = signed_in(disclosure, &parts.headers).await?;
    check_origin(&parts.headers, disclosure)?;
    let form = Form::read(body, state.max_body()).await?;
    check_csrf(&form, &viewer)?;
    let id = report_id(&id, &viewer)?;
    // What was typed is shown again if the step is refused.
    let mut input = Input {
        draft: form.get("text").map(str::to_owned),
        message: form.get("body").map(str::to_owned),
        ..Input::default()
    };
    let refuse = |input: Input, status: StatusCode, error: String| {
        let input = Input { error: Some(error), ..input };
        render(disclosure, &viewer, id, input, status)
    };
    let Some(name) = form.text("action") else {
        return refuse(input, StatusCode::UNPROCESSABLE_ENTITY, "The form named no action.".into()).await;
    };
    let expected = match form.text("expected_version").map(str::parse::<i64>) {
        None => None,
        Some(Ok(version)) => Some(version),
        Some(Err(_)) => {
            let error = "`expected_version` must be an integer.".to_owned();
            return refuse(input, StatusCode::UNPROCESSABLE_ENTITY, error).await;
        }
    };
    let field = |name: &str| match name {
        "until" => form.get(name).map(normalize_until),
        _ => form.get(name).map(str::to_owned),
    };
    let action = match parse_action(name, &field, false) {
        Ok(action) => action,
        Err(detail) => return refuse(input, StatusCode::UNPROCESSABLE_ENTITY, detail).await,
    };
    match disclosure.act(&viewer.principal, id, action, expected).await {
        Ok(record) => {
            if matches!(record.state.as_str(), "published" | "withdrawn") {
                state.refresh_published().await.map_err(|e| Stop::new(workflow_error(&e, Some(&viewer))))?;
            }
            Ok(see_other(&format!("/disclosure/reports/{id}")))
        }
        Err(e @ (WorkflowError::NotFound(_) | WorkflowError::Store(_))) => {
            Err(Stop::new(workflow_error(&e, Some(&viewer))))
        }
        Err(e) => {
            let status = match e {
                WorkflowError::Forbidden(_) => StatusCode::FORBIDDEN,
                WorkflowError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            if status == StatusCode::CONFLICT && input.draft.is_some() {
                input.notice = Some(
                    "The report changed since the page was loaded: your text is kept below. Review \
                                     the report and save again.",
                );
            }
            refuse(input, status, e.to_string()).await
        }
    }
}

/// `POST /disclosure/reports/{id}/preview`: the page again with the check of the submitted draft,
/// which is not saved.
pub(crate) async fn post_preview(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    request: Request,
) -> Reply {
    let disclosure = enabled(&state)?;
    let (parts, body) = request.into_parts();
    let viewer = signed_in(disclosure, &parts.headers).await?;
    check_origin(&parts.headers, disclosure)?;
    let form = Form::read(body, state.max_body()).await?;
    check_csrf(&form, &viewer)?;
    let id = report_id(&id, &viewer)?;
    let input = Input {
        draft: Some(form.get("text").unwrap_or_default().to_owned()),
        // Saving after a preview must still notice changes made since the page was first loaded.
        version: form.text("expected_version").and_then(|v| v.parse().ok()),
        notice: Some("Checked, not saved yet."),
        ..Input::default()
    };
    render(disclosure, &viewer, id, input, StatusCode::OK).await
}

fn check_csrf(form: &Form, viewer: &Viewer) -> Result<(), Stop> {
    match form.get("csrf") {
        Some(csrf) if same_secret(csrf, &viewer.csrf) => Ok(()),
        _ => Err(csrf_refused(Some(viewer))),
    }
}

fn report_id(text: &str, viewer: &Viewer) -> Result<i64, Stop> {
    text.parse().map_err(|_| {
        Stop::new(error_page(StatusCode::NOT_FOUND, "Not found", &format!("no report {text}"), Some(viewer)))
    })
}

/// What the page shows besides the stored report: typed text to keep, an error, a notice.
#[derive(Default)]
struct Input {
    /// Draft text to show and check instead of the stored draft.
    draft: Option<String>,
    /// The report version the draft form carries, when not the current one.
    version: Option<i64>,
    /// A message being written.
    message: Option<String>,
    /// Why the last step was refused.
    error: Option<String>,
    /// A note above the draft.
    notice: Option<&'static str>,
}

/// Everything the report page shows.
struct Context<'a> {
    viewer: &'a Viewer,
    view: &'a ReportView,
    report: &'a Report,
    actor: Actor,
    users: &'a HashMap<i64, String>,
    responders: &'a [UserRecord],
    now: Timestamp,
    input: Input,
}

impl Context<'_> {
    fn id(&self) -> i64 {
        self.report.id
    }

    /// Whether the viewer may take `action` now (its state and their role); the service decides again
    /// when the form is sent.
    fn can(&self, action: &Action) -> bool {
        action.allowed_in().contains(&self.report.state)
            && authorize(&self.actor, Some(self.report), Operation::Act(action)).is_ok()
    }

    fn user(&self, id: i64) -> String {
        self.users.get(&id).cloned().unwrap_or_else(|| format!("user {id}"))
    }

    /// The hidden fields of every form: the CSRF secret and the version the page shows.
    fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="csrf" value=(self.viewer.csrf);
            input type="hidden" name="expected_version" value=(self.view.record.row_version);
        }
    }

    fn actions_url(&self) -> String {
        format!("/disclosure/reports/{}/actions", self.id())
    }

    /// A form for one step.
    fn step(&self, action: &str, title: &str, help: &str, fields: Markup, button: &str) -> Markup {
        html! {
            form.step method="post" action=(self.actions_url()) {
                (self.hidden())
                input type="hidden" name="action" value=(action);
                h3 { (title) }
                @if !help.is_empty() { p.muted { (help) } }
                (fields)
                div { button type="submit" { (button) } }
            }
        }
    }
}

async fn render(disclosure: &Disclosure, viewer: &Viewer, id: i64, input: Input, status: StatusCode) -> Reply {
    let fail = |e: WorkflowError| Stop::new(workflow_error(&e, Some(viewer)));
    let view = disclosure.view(&viewer.principal, id).await.map_err(fail)?;
    let users = user_names(disclosure).await.map_err(fail)?;
    let responders = disclosure.responders().await.map_err(fail)?;
    let context = Context {
        viewer,
        actor: viewer.principal.actor_for(&view.record),
        view: &view,
        report: &view.report,
        users: &users,
        responders: &responders,
        now: disclosure.now(),
        input,
    };
    Ok(page(status, report_page(&context)))
}

fn report_page(c: &Context<'_>) -> Markup {
    let r = &c.view.record;
    let body = html! {
        p.crumbs { a href="/disclosure" { "Dashboard" } " › report #" (r.id) }
        h1 { (r.title) " " (state_label(&r.state)) }
        @if let Some(error) = &c.input.error {
            div.banner.bad role="alert" #error { strong { "Not done: " } (error) }
        }
        (facts(c))
        (steps(c))
        (deadlines(c))
        h2 { "Description" }
        div.description { (PreEscaped(crate::markdown::render(&r.description))) }
        (draft(c))
        (checklist(c))
        (messages(c))
        (timeline(c))
        (notifications(c))
    };
    layout(&format!("Report {}", r.id), Some(c.viewer), body)
}

fn facts(c: &Context<'_>) -> Markup {
    let r = &c.view.record;
    let public = matches!(c.report.state, ReportState::Published | ReportState::Withdrawn);
    html! {
        dl.facts {
            dt { "State" } dd { (state_label(&r.state)) }
            dt { "RUSTSEC id" }
            dd {
                @if let Some(id) = &r.rustsec_id {
                    span #rustsec-id { (id) }
                    @if public { " · " a href={ "/advisories/" (id) } { "public advisory" } }
                } @else { span.muted { "allocated on acceptance" } }
            }
            dt { "Crate" } dd { @if r.crate_name.is_empty() { span.muted { "not given" } } @else { code { (r.crate_name) } } }
            @if let Some(cve) = &r.cve { dt { "CVE" } dd { (cve) } }
            dt { "Handler" } dd { @match r.handler_user_id { Some(h) => (c.user(h)), None => span.muted { "nobody yet" } } }
            dt { "Reporter" }
            dd {
                (r.reporter_name.as_deref().unwrap_or("anonymous"))
                @if let Some(email) = &r.reporter_email { " <" (email) ">" } @else { span.muted { " (no address: updates reach them only through their link)" } }
            }
            dt { "Received" } dd { (when(r.received_at)) }
            @if let Some(at) = r.acknowledged_at { dt { "Acknowledged" } dd { (when(at)) } }
            @if let Some(at) = r.responded_at { dt { "Detailed response" } dd { (when(at)) } }
            @if let Some(at) = r.embargo_until { dt { "Embargo until" } dd { (when(at)) } }
            @if let Some(at) = r.prenotified_at { dt { "Distributions pre-notified" } dd { (when(at)) } }
            @if let Some(at) = r.published_at { dt { "Published" } dd { (when(at)) } }
            @if let Some(at) = r.withdrawn_at { dt { "Withdrawn" } dd { (when(at)) } }
            @if let Some(reject) = &c.report.reject {
                dt { "Rejected" }
                dd {
                    (reject.reason.describe())
                    @if let Some(other) = reject.duplicate_of { " of " a href={ "/disclosure/reports/" (other) } { "report #" (other) } }
                    ": " (reject.detail)
                }
            }
            dt { "Version" } dd { (r.row_version) " " span.muted { "(changes with every step)" } }
        }
    }
}

fn handler_options(c: &Context<'_>) -> Markup {
    html! {
        @for user in c.responders {
            option value=(user.id) selected[c.report.handler == Some(user.id)] { (user.name) }
        }
    }
}

/// One form per step the viewer may take now.
fn steps(c: &Context<'_>) -> Markup {
    let r = c.report;
    let sample_reject = Action::Reject(Rejection {
        reason: RejectReason::NotAVulnerability,
        detail: String::new(),
        duplicate_of: None,
    });
    let handler = r.handler.unwrap_or_default();
    let start_fix = Action::StartFix { handler, affected_versions_confirmed: true, similar_code_audited: true };
    let embargo_over = r.embargo_until.is_some_and(|until| c.now >= until);
    let default_until = (c.now + SignedDuration::from_hours(7 * 24)).strftime("%Y-%m-%dT%H:00:00Z").to_string();
    let no_responders = html! {
        p.muted { "No responder account exists yet: add one with " code { "cratewatch user add NAME --role responder" } "." }
    };
    let forms = [
        c.can(&Action::Acknowledge).then(|| {
            c.step(
                "acknowledge",
                "Acknowledge",
                "Tells the reporter that the report arrived (due 24 hours after receipt).",
                html! {},
                "Acknowledge",
            )
        }),
        c.can(&Action::Accept { rustsec_id: String::new() }).then(|| {
            c.step(
                "accept",
                "Accept as a vulnerability",
                "Allocates the next RUSTSEC id for the advisory and tells the reporter.",
                html! {},
                "Accept",
            )
        }),
        c.can(&sample_reject).then(|| {
            c.step(
                "reject",
                "Reject",
                "Closes the report for good; the explanation is sent to the reporter.",
                html! {
                    label for="reject-reason" { "Reason" }
                    select #reject-reason name="reason" {
                        @for reason in RejectReason::ALL { option value=(reason.as_str()) { (reason.describe()) } }
                    }
                    label for="reject-detail" { "Explanation to the reporter" }
                    textarea #reject-detail name="detail" rows="3" required {}
                    label for="reject-duplicate" { "Duplicate of report # (for duplicates only)" }
                    input #reject-duplicate type="number" name="duplicate_of" min="1";
                },
                "Reject",
            )
        }),
        c.can(&start_fix).then(|| {
            if c.responders.is_empty() {
                return html! { div.step { h3 { "Start the fix" } (no_responders) } };
            }
            c.step(
                "start_fix",
                "Start the fix",
                "Hands the report to a responder, once the affected versions are confirmed and similar code audited.",
                html! {
                    label for="fix-handler" { "Handler" }
                    select #fix-handler name="handler" required { (handler_options(c)) }
                    label.check {
                        input type="checkbox" name="affected_versions_confirmed" value="true" required;
                        " The affected versions are confirmed"
                    }
                    label.check {
                        input type="checkbox" name="similar_code_audited" value="true" required;
                        " The code was audited for similar problems"
                    }
                },
                "Start the fix",
            )
        }),
        c.can(&Action::ReviseDraft).then(|| {
            c.step(
                "revise_draft",
                "Reopen the draft",
                "Goes back to fix in progress, to change the draft freely.",
                html! {},
                "Reopen the draft",
            )
        }),
        c.can(&Action::Embargo { until: c.now }).then(|| {
            c.step(
                "embargo",
                "Set the disclosure date",
                "The advisory is published automatically when the embargo ends; distributions are pre-notified \
                 72 hours before.",
                html! {
                    label for="embargo-until" { "Embargo until (UTC, such as 2026-12-01T16:00:00Z)" }
                    input #embargo-until type="text" name="until" value=(default_until) required;
                },
                "Embargo",
            )
        }),
        c.can(&Action::CancelEmbargo).then(|| {
            c.step(
                "cancel_embargo",
                "Cancel the embargo",
                "Drops the disclosure date (pre-notified distributions are told).",
                html! {},
                "Cancel the embargo",
            )
        }),
        c.can(&Action::Publish).then(|| {
            if embargo_over {
                c.step("publish", "Publish", "The embargo has ended: publish the advisory now.", html! {}, "Publish")
            } else {
                html! {
                    div.step {
                        h3 { "Publish" }
                        p.muted {
                            "Possible from " (r.embargo_until.map(|t| when(millis(t))).unwrap_or_default())
                            "; the scheduler publishes at that time."
                        }
                    }
                }
            }
        }),
        (!embargo_over && c.can(&Action::LiftEmbargoEarly { reason: String::new() })).then(|| {
            c.step(
                "lift_embargo_early",
                "Lift the embargo early",
                "Publishes now, before the agreed date (for instance because the issue went public).",
                html! {
                    label for="lift-reason" { "Reason (for the audit log)" }
                    input #lift-reason type="text" name="reason" required;
                },
                "Publish now",
            )
        }),
        c.can(&Action::Assign { handler }).then(|| {
            if c.responders.is_empty() {
                return html! { div.step { h3 { "Assign" } (no_responders) } };
            }
            c.step(
                "assign",
                "Assign",
                "Makes a responder the report's handler.",
                html! {
                    label for="assign-handler" { "Responder" }
                    select #assign-handler name="handler" required { (handler_options(c)) }
                },
                "Assign",
            )
        }),
        c.can(&Action::SetCve { cve: String::new() }).then(|| {
            c.step(
                "set_cve",
                "Record the CVE id",
                "",
                html! {
                    label for="cve" { "CVE id" }
                    input #cve type="text" name="cve" value=[c.view.record.cve.as_deref()] placeholder="CVE-2026-12345" required;
                },
                "Save the CVE id",
            )
        }),
        c.can(&Action::Withdraw { reason: String::new() }).then(|| {
            c.step(
                "withdraw",
                "Withdraw the advisory",
                "Final: the advisory stays public, marked withdrawn.",
                html! {
                    label for="withdraw-reason" { "Reason (announced)" }
                    input #withdraw-reason type="text" name="reason" required;
                },
                "Withdraw",
            )
        }),
    ];
    let forms: Vec<Markup> = forms.into_iter().flatten().collect();
    html! {
        h2 #steps { "Next steps" }
        @if forms.is_empty() {
            p.muted {
                @if c.report.state.is_final() { "The report is closed: no step is possible." }
                @else { "Nothing for you to do in this state." }
            }
        } @else {
            div.steps { @for form in &forms { (form) } }
        }
    }
}

fn deadlines(c: &Context<'_>) -> Markup {
    html! {
        @if !c.view.deadlines.is_empty() {
            h2 { "Deadlines" }
            ul.plain.deadlines {
                @for d in &c.view.deadlines {
                    li class=[d.overdue.then_some("overdue")] {
                        (when(millis(d.due_at))) ": " (d.kind.describe())
                        @if d.overdue { " " span.label.overdue { "overdue" } }
                    }
                }
            }
        }
    }
}

/// The text in the draft form: what was typed, the stored draft, or a template to fill in.
fn draft_text(c: &Context<'_>) -> Option<String> {
    if let Some(text) = &c.input.draft {
        return Some(text.clone());
    }
    if let Some(text) = &c.view.record.draft {
        return Some(text.clone());
    }
    let id: RustsecId = c.report.rustsec_id.as_deref()?.parse().ok()?;
    let today = c.now.to_zoned(TimeZone::UTC).date();
    Some(draft_template(id, &c.view.record.crate_name, &c.view.record.title, today))
}

fn draft(c: &Context<'_>) -> Markup {
    let text = String::new();
    let edit = c.can(&Action::EditDraft { text: text.clone() });
    let submit = c.can(&Action::SubmitDraft { text: text.clone() });
    let update = c.can(&Action::Update { text });
    let editable = edit || submit || update;
    let Some(text) = draft_text(c).filter(|_| editable || c.view.record.draft.is_some()) else {
        return html! {};
    };
    let check = match &c.report.rustsec_id {
        Some(id) => check_report_draft(&text, id),
        None => check_draft(&text),
    };
    let version = c.input.version.unwrap_or(c.view.record.row_version);
    html! {
        h2 #draft { "Draft advisory" }
        @if let Some(notice) = c.input.notice { div.banner.warn role="status" { (notice) } }
        div.draft {
            (check_panel(&check))
            @if editable {
                form.draft method="post" action=(c.actions_url()) {
                    input type="hidden" name="csrf" value=(c.viewer.csrf);
                    input type="hidden" name="expected_version" value=(version);
                    label for="draft-text" { "The advisory in RustSec format (TOML front matter, then Markdown)" }
                    textarea #draft-text name="text" rows="28" spellcheck="false" { (text) }
                    div.buttons {
                        button type="submit" formaction={ "/disclosure/reports/" (c.id()) "/preview" } name="action" value="preview" { "Check" }
                        @if edit { button type="submit" name="action" value="edit_draft" { "Save draft" } }
                        @if submit { button type="submit" name="action" value="submit_draft" { "Submit draft" } }
                        @if update { button type="submit" name="action" value="update" { "Update the published advisory" } }
                    }
                    @if submit { p.muted { "Submitting needs a draft without errors whose id is the report's RUSTSEC id." } }
                }
            } @else {
                pre.draft-text { (text) }
            }
        }
    }
}

/// The live check of a draft: the diagnostics of `cratewatch db check` and the CVSS score.
fn check_panel(check: &DraftCheck) -> Markup {
    let errors = check.errors().count();
    let warnings = check.diagnostics.len() - errors;
    html! {
        section.check aria-labelledby="check-heading" {
            h3 #check-heading { "Check" }
            @if check.diagnostics.is_empty() {
                p.banner.ok role="status" { "No problems found." }
            } @else {
                p.banner.bad[errors > 0].warn[errors == 0] role="status" {
                    (errors) @if errors == 1 { " error" } @else { " errors" } ", "
                    (warnings) @if warnings == 1 { " warning" } @else { " warnings" }
                    @if errors > 0 { ": the draft cannot be submitted or published as it is." }
                }
                ul.diagnostics {
                    @for d in &check.diagnostics {
                        li class=(d.severity.as_str()) {
                            @if let Some(line) = d.line { "line " (line) ": " }
                            strong { (d.severity.as_str()) "[" (d.code.to_string()) "]" } ": " (d.message)
                        }
                    }
                }
            }
            dl.facts {
                @if let Some(id) = &check.id { dt { "Id" } dd { (id) } }
                @if let Some(package) = &check.package { dt { "Crate" } dd { code { (package) } } }
                @if let Some(title) = &check.title { dt { "Title" } dd { (title) } }
                dt { "CVSS" }
                dd {
                    @match &check.cvss {
                        Some(cvss) => {
                            span.cvss { "CVSS " (cvss_version(cvss.version)) " base score " strong { (format!("{:.1}", cvss.score)) } " (" (cvss.severity.as_str()) ")" }
                            br; code { (cvss.vector) }
                        }
                        None => span.muted { "no vector" },
                    }
                }
            }
        }
    }
}

fn cvss_version(version: cratewatch_advisory::CvssVersion) -> &'static str {
    match version {
        cratewatch_advisory::CvssVersion::V2 => "2.0",
        cratewatch_advisory::CvssVersion::V30 => "3.0",
        cratewatch_advisory::CvssVersion::V31 => "3.1",
        _ => "4.0",
    }
}

fn checklist(c: &Context<'_>) -> Markup {
    let sample = ChecklistItem::SemverChecked;
    let can_tick = c.can(&Action::CheckItem { item: sample });
    let can_untick = c.can(&Action::UncheckItem { item: sample });
    if !can_tick && !can_untick && c.report.checklist.is_empty() {
        return html! {};
    }
    let phases = [ChecklistPhase::PreRelease, ChecklistPhase::Release, ChecklistPhase::PostRelease];
    let done = c.report.checklist.len();
    html! {
        h2 #checklist { "Checklist (" (done) " of " (CHECKLIST.len()) ")" }
        @for phase in phases {
            h3 { (phase.label()) }
            ul.plain.checklist {
                @for item in CHECKLIST.iter().filter(|i| i.phase() == phase) {
                    @let ticked = c.report.checklist.contains(item);
                    li.ticked[ticked] {
                        span.box aria-hidden="true" { @if ticked { "☑" } @else { "☐" } }
                        " " (item.label())
                        @if ticked { span.visually-hidden { " (done)" } }
                        @if (ticked && can_untick) || (!ticked && can_tick) {
                            form.inline method="post" action=(c.actions_url()) {
                                (c.hidden())
                                input type="hidden" name="action" value=(if ticked { "uncheck_item" } else { "check_item" });
                                input type="hidden" name="item" value=(item.as_str());
                                button.small type="submit" { @if ticked { "Untick" } @else { "Tick" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn messages(c: &Context<'_>) -> Markup {
    let can_write = c.can(&Action::AddMessage { from_reporter: false, body: String::new() });
    html! {
        h2 #messages { "Messages with the reporter (" (c.view.messages.len()) ")" }
        @if c.view.messages.is_empty() { p.muted { "No messages yet." } }
        ol.messages {
            @for m in &c.view.messages {
                li.from-reporter[m.from_reporter] {
                    p.meta {
                        @if m.from_reporter {
                            strong { (c.view.record.reporter_name.as_deref().unwrap_or("The reporter")) } " (reporter)"
                        } @else {
                            strong { (m.author_label) }
                        }
                        " · " (when(m.at))
                    }
                    div.body { (m.body) }
                }
            }
        }
        @if can_write {
            form.stack method="post" action=(c.actions_url()) {
                (c.hidden())
                input type="hidden" name="action" value="add_message";
                label for="message-body" { "Message to the reporter (emailed if they gave an address, and shown on their page)" }
                textarea #message-body name="body" rows="4" required { (c.input.message.as_deref().unwrap_or_default()) }
                div { button type="submit" { "Send" } }
            }
        }
    }
}

fn timeline(c: &Context<'_>) -> Markup {
    html! {
        h2 #timeline { "Timeline" }
        ol.timeline {
            @for e in &c.view.events {
                li {
                    span.at { (when(e.at)) } " "
                    strong { (e.actor_label) } " " (e.summary)
                    @if let (Some(from), Some(to)) = (&e.from_state, &e.to_state) {
                        @if from != to { " " span.muted { "(" (from.replace('_', " ")) " → " (to.replace('_', " ")) ")" } }
                    }
                    (event_detail(&e.detail))
                }
            }
        }
    }
}

/// What the audit log kept of an action's input, in words: each field a term (`rustsec_id` → "RUSTSEC
/// id"), texts as written (a draft as preformatted text), flags as yes or no, times as the pages show
/// them. Empty fields are left out, and so is an event without any.
fn event_detail(detail: &serde_json::Value) -> Markup {
    use serde_json::Value;
    let Some(fields) = detail.as_object() else { return html! {} };
    let fields: Vec<(&String, &Value)> =
        fields.iter().filter(|(_, v)| !v.is_null() && v.as_str().is_none_or(|t| !t.is_empty())).collect();
    if fields.is_empty() {
        return html! {};
    }
    let term = |key: &str| match key {
        "rustsec_id" => "RUSTSEC id".to_owned(),
        "cve" => "CVE".to_owned(),
        "until" => "Until".to_owned(),
        other => {
            let words = other.replace('_', " ");
            let mut chars = words.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        }
    };
    html! {
        details {
            summary { "Details" }
            dl.facts {
                @for (key, value) in &fields {
                    dt { (term(key)) }
                    dd {
                        @match value {
                            Value::Bool(b) => { (if *b { "yes" } else { "no" }) }
                            Value::String(t) if key.as_str() == "draft" => { pre { (t) } }
                            Value::String(t) if key.as_str() == "until" => { (t.parse::<jiff::Timestamp>().map(|at| when(at.as_millisecond())).unwrap_or_else(|_| t.clone())) }
                            Value::String(t) => { (t.replace('_', " ")) }
                            other => { (other.to_string()) }
                        }
                    }
                }
            }
        }
    }
}

fn notifications(c: &Context<'_>) -> Markup {
    html! {
        @if !c.view.notifications.is_empty() {
            h2 #notifications { "Notifications" }
            table.notifications {
                thead { tr { th scope="col" { "Kind" } th scope="col" { "To" } th scope="col" { "Subject" } th scope="col" { "Status" } } }
                tbody {
                    @for n in &c.view.notifications {
                        tr {
                            td { (n.kind.replace('_', " ")) }
                            td { (n.recipient) }
                            td { (n.subject) }
                            td {
                                @match (n.sent_at, &n.last_error) {
                                    (Some(at), _) => { "sent " (when(at)) }
                                    (None, Some(error)) => { "queued, " (n.attempts) " failed attempt(s): " (error) }
                                    (None, None) => { "queued" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The embargo end as typed: RFC 3339, or a date and time without a zone (`2026-12-01 16:00`), read
/// as UTC.
fn normalize_until(text: &str) -> String {
    let text = text.trim();
    if text.parse::<Timestamp>().is_ok() {
        return text.to_owned();
    }
    text.replacen(' ', "T", 1)
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|civil| civil.to_zoned(TimeZone::UTC).ok())
        .map_or_else(|| text.to_owned(), |zoned| zoned.timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::normalize_until;

    #[test]
    fn embargo_ends_are_read_as_utc() {
        assert_eq!(normalize_until(" 2026-12-01T16:00:00Z "), "2026-12-01T16:00:00Z");
        assert_eq!(normalize_until("2026-12-01 16:00"), "2026-12-01T16:00:00Z");
        assert_eq!(normalize_until("2026-12-01T16:00"), "2026-12-01T16:00:00Z");
        assert_eq!(normalize_until("tomorrow"), "tomorrow");
    }
}
