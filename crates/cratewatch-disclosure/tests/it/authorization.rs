//! Every role against every operation.

use cratewatch_disclosure::{
    Action, Actor, ChecklistItem, Operation, RejectReason, Rejection, Role, State, TransitionError, apply, authorize,
};

use crate::*;

/// The actors of the table, in column order.
fn actors() -> Vec<(&'static str, Actor)> {
    vec![
        ("reporter", reporter()),
        ("other reporter", Actor::user(101, Role::Reporter, "sam")),
        ("handler", handler()),
        ("other responder", Actor::user(6, Role::Responder, "olga")),
        ("coordinator", coordinator()),
        ("admin", admin()),
    ]
}

fn every_action() -> Vec<Action> {
    vec![
        Action::Acknowledge,
        Action::Accept { rustsec_id: RUSTSEC_ID.into() },
        Action::Reject(Rejection { reason: RejectReason::OutOfScope, detail: "no".into(), duplicate_of: None }),
        Action::StartFix { handler: HANDLER, affected_versions_confirmed: true, similar_code_audited: true },
        Action::SubmitDraft { text: ADVISORY.into() },
        Action::ReviseDraft,
        Action::Embargo { until: embargo_end() },
        Action::CancelEmbargo,
        Action::Publish,
        Action::LiftEmbargoEarly { reason: "public".into() },
        Action::Update { text: ADVISORY.into() },
        Action::Withdraw { reason: "wrong".into() },
        Action::AddMessage { from_reporter: false, body: "news".into() },
        Action::AddMessage { from_reporter: true, body: "thanks".into() },
        Action::Assign { handler: 6 },
        Action::SetCve { cve: "CVE-2026-41234".into() },
        Action::EditDraft { text: ADVISORY.into() },
        Action::CheckItem { item: ChecklistItem::TestsRun },
        Action::UncheckItem { item: ChecklistItem::TestsRun },
        Action::MarkPrenotified,
    ]
}

/// One row per operation, one column per actor of [`actors`]: reporter (of this report), another
/// reporter, the handler (responder assigned to the report), another responder, coordinator, admin.
const TABLE: &[(&str, &str)] = &[
    ("view", "x.x.xx"),
    ("acknowledge", "..x.xx"),
    ("accept", "..x.xx"),
    ("reject", "..x.xx"),
    ("start_fix", "..x.xx"),
    ("submit_draft", "..x.xx"),
    ("revise_draft", "..x.xx"),
    ("embargo", "..x.xx"),
    ("cancel_embargo", "..x.xx"),
    ("publish", "....xx"),
    ("lift_embargo_early", "....xx"),
    ("update", "..x.xx"),
    ("withdraw", "....xx"),
    ("add_message", "..x.xx"),
    ("add_message", "x.x.xx"), // from the reporter
    ("assign", "....xx"),
    ("set_cve", "..x.xx"),
    ("edit_draft", "..x.xx"),
    ("check_item", "..x.xx"),
    ("uncheck_item", "..x.xx"),
    ("mark_prenotified", "..x.xx"),
    ("list_reports", "....xx"),
    ("manage_users", ".....x"),
];

#[test]
fn every_role_and_operation() {
    let report = report_in(State::FixInProgress);
    assert_eq!(report.handler, Some(HANDLER));
    let actions = every_action();
    let mut operations = vec![Operation::ViewReport];
    operations.extend(actions.iter().map(Operation::Act));
    operations.extend([Operation::ListReports, Operation::ManageUsers]);
    assert_eq!(operations.len(), TABLE.len());

    let mut mismatches = Vec::new();
    for (op, (name, cells)) in operations.iter().zip(TABLE) {
        assert_eq!(op.name(), *name);
        for ((who, actor), cell) in actors().iter().zip(cells.chars()) {
            let about = matches!(op, Operation::ViewReport | Operation::Act(_)).then_some(&report);
            let got = authorize(actor, about, *op);
            if got.is_ok() != (cell == 'x') {
                mismatches.push(format!("{who} {name}: expected {cell}, got {got:?}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// `apply` authorizes before anything else, so a forbidden action fails the same way in any state.
#[test]
fn apply_checks_authorization_first() {
    let report = report_in(State::Received);
    let err = apply(&report, &Action::Publish, &handler(), embargo_end()).unwrap_err();
    assert!(matches!(err, TransitionError::Forbidden(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "rob (responder) may not publish report 12: only coordinators assign, publish, lift embargoes and withdraw"
    );

    let err = apply(&report, &Action::Acknowledge, &Actor::user(6, Role::Responder, "olga"), t0()).unwrap_err();
    assert_eq!(err.to_string(), "olga (responder) may not acknowledge report 12: the report is not assigned to them");

    let err = apply(&report, &Action::Acknowledge, &reporter(), t0()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rita (reporter) may not acknowledge report 12: reporters may only view their report and write messages as \
         the reporter"
    );
}

#[test]
fn forbidden_messages() {
    let report = report_in(State::Accepted);
    let check = |actor: &Actor, about, op, expected: &str| {
        assert_eq!(authorize(actor, about, op).unwrap_err().to_string(), expected);
    };
    let stranger = Actor::user(101, Role::Reporter, "sam");
    check(
        &stranger,
        Some(&report),
        Operation::ViewReport,
        "sam (reporter) may not view report 12: reporters may only reach their own reports",
    );
    check(
        &stranger,
        None,
        Operation::ListReports,
        "sam (reporter) may not list all reports: reporters see only their own reports",
    );
    check(
        &handler(),
        None,
        Operation::ListReports,
        "rob (responder) may not list all reports: responders see only the reports assigned to them",
    );
    check(
        &coordinator(),
        None,
        Operation::ManageUsers,
        "carol (coordinator) may not manage users: only admins manage users",
    );
    check(&admin(), None, Operation::ViewReport, "ada (admin) may not view: no report was given");
}

/// A staff member who reported the issue is its reporter too: they keep the reporter's rights even
/// when the report is not assigned to them, and nothing more.
#[test]
fn staff_reporters() {
    let report = report_in(State::Accepted);
    let staff_reporter = Actor { is_reporter: true, ..Actor::user(6, Role::Responder, "olga") };
    assert_eq!(authorize(&staff_reporter, Some(&report), Operation::ViewReport), Ok(()));
    let message = Action::AddMessage { from_reporter: true, body: "more details".into() };
    assert_eq!(authorize(&staff_reporter, Some(&report), Operation::Act(&message)), Ok(()));
    assert!(authorize(&staff_reporter, Some(&report), Operation::Act(&Action::ReviseDraft)).is_err());

    let anonymous = Actor::reporter(None, "anonymous");
    assert_eq!(authorize(&anonymous, Some(&report), Operation::ViewReport), Ok(()));
}

/// The scheduler acts as cratewatch itself.
#[test]
fn the_system_actor() {
    let system = Actor::system();
    assert_eq!((system.user, system.role, system.name.as_str()), (None, Role::Admin, "cratewatch"));
    let report = report_in(State::Embargoed);
    let outcome = step(&report, Action::MarkPrenotified, &system, embargo_end() - hours(72));
    assert_eq!(outcome.event.actor, system);
}
