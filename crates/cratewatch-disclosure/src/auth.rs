//! Who may do what: roles, actors and the one authorization rule.

use std::fmt;

use crate::action::verb;
use crate::error::storage_names;
use crate::{Action, Report};

storage_names! {
    /// A user's role. The storage names never change.
    #[non_exhaustive]
    pub enum Role ("role") {
        /// Someone who reported a vulnerability: sees their own reports and writes messages.
        Reporter => "reporter",
        /// Handles the reports assigned to them.
        Responder => "responder",
        /// Runs the process: assigns, publishes, lifts embargoes, withdraws, sees every report.
        Coordinator => "coordinator",
        /// Everything, including user management.
        Admin => "admin",
    }
}

/// Who is acting, as far as the workflow needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The user id; `None` for a reporter without an account and for the scheduler.
    pub user: Option<i64>,
    /// Whether the actor is the reporter of the report at hand. The caller decides (for instance by
    /// comparing the report's reporter with the session, or by a reporter's access token).
    pub is_reporter: bool,
    /// The actor's role.
    pub role: Role,
    /// The name recorded in the audit log.
    pub name: String,
}

impl Actor {
    /// A signed-in user acting on a report they did not report.
    pub fn user(id: i64, role: Role, name: impl Into<String>) -> Actor {
        Actor { user: Some(id), is_reporter: false, role, name: name.into() }
    }

    /// The reporter of the report at hand, with or without an account.
    pub fn reporter(user: Option<i64>, name: impl Into<String>) -> Actor {
        Actor { user, is_reporter: true, role: Role::Reporter, name: name.into() }
    }

    /// cratewatch itself, for what the scheduler records (such as [`Action::MarkPrenotified`]). It
    /// has the admin role.
    pub fn system() -> Actor {
        Actor { user: None, is_reporter: false, role: Role::Admin, name: "cratewatch".to_owned() }
    }
}

/// Something an actor wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation<'a> {
    /// See a report, its messages and its history.
    ViewReport,
    /// Apply an action to a report.
    Act(&'a Action),
    /// List every report, not only one's own or one's assigned ones.
    ListReports,
    /// Create users and change roles.
    ManageUsers,
}

impl Operation<'_> {
    /// The stable snake_case name: `view`, an action's name, `list_reports` or `manage_users`.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::ViewReport => "view",
            Operation::Act(action) => action.name(),
            Operation::ListReports => "list_reports",
            Operation::ManageUsers => "manage_users",
        }
    }

    fn needs_report(&self) -> bool {
        matches!(self, Operation::ViewReport | Operation::Act(_))
    }
}

impl<'a> From<&'a Action> for Operation<'a> {
    fn from(action: &'a Action) -> Self {
        Operation::Act(action)
    }
}

/// The actor may not do the operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Forbidden {
    /// The actor's name.
    pub actor: String,
    /// The actor's role.
    pub role: Role,
    /// The operation's name (see [`Operation::name`]).
    pub operation: &'static str,
    /// The report, for operations on one.
    pub report: Option<i64>,
    /// Why not.
    pub reason: &'static str,
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}) may not {}", self.actor, self.role, verb(self.operation))?;
        if let Some(report) = self.report {
            write!(f, " report {report}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Decides whether `actor` may do `op`, on `report` for the operations about one report (viewing it
/// and applying actions; `None` there is refused).
///
/// - The reporter of a report (any role) may view it and add messages as the reporter.
/// - A reporter may do nothing else.
/// - A responder may view and act on the reports whose handler they are, except [`Action::Assign`],
///   [`Action::Publish`], [`Action::LiftEmbargoEarly`] and [`Action::Withdraw`], and except
///   [`Action::StartFix`] naming someone else as the handler (which is assigning); listing every
///   report is not for them either. Those are for coordinators.
/// - A coordinator may do everything but manage users; an admin may do everything.
///
/// [`apply`](crate::apply) calls this itself; call it directly for the operations that are not
/// actions.
pub fn authorize(actor: &Actor, report: Option<&Report>, op: Operation<'_>) -> Result<(), Forbidden> {
    let deny = |reason| Forbidden {
        actor: actor.name.clone(),
        role: actor.role,
        operation: op.name(),
        report: report.map(|r| r.id),
        reason,
    };
    if op.needs_report() && report.is_none() {
        return Err(deny("no report was given"));
    }
    let reporter_operation =
        matches!(op, Operation::ViewReport | Operation::Act(Action::AddMessage { from_reporter: true, .. }));
    if actor.is_reporter && reporter_operation {
        return Ok(());
    }
    match actor.role {
        Role::Admin => Ok(()),
        Role::Coordinator if matches!(op, Operation::ManageUsers) => Err(deny("only admins manage users")),
        Role::Coordinator => Ok(()),
        Role::Responder => match op {
            Operation::ManageUsers => Err(deny("only admins manage users")),
            Operation::ListReports => Err(deny("responders see only the reports assigned to them")),
            Operation::Act(
                Action::Assign { .. } | Action::Publish | Action::LiftEmbargoEarly { .. } | Action::Withdraw { .. },
            ) => Err(deny("only coordinators assign, publish, lift embargoes and withdraw")),
            // Naming someone else as the handler is assigning.
            Operation::Act(Action::StartFix { handler, .. }) if actor.user != Some(*handler) => {
                Err(deny("a responder can start the fix only as its handler; a coordinator assigns others"))
            }
            _ => {
                let assigned = report.and_then(|r| r.handler).is_some_and(|h| actor.user == Some(h));
                if assigned { Ok(()) } else { Err(deny("the report is not assigned to them")) }
            }
        },
        Role::Reporter => Err(if actor.is_reporter {
            deny("reporters may only view their report and write messages as the reporter")
        } else if op.needs_report() {
            deny("reporters may only reach their own reports")
        } else if matches!(op, Operation::ManageUsers) {
            deny("only admins manage users")
        } else {
            deny("reporters see only their own reports")
        }),
    }
}
