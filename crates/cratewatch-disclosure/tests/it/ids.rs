//! RustSec ids and the storage names, which must never change.

use cratewatch_disclosure::{
    CHECKLIST, ChecklistItem, ChecklistPhase, DeadlineKind, NotificationKind, Recipient, RejectReason, Role, RustsecId,
    State,
};

#[test]
fn rustsec_ids() {
    for (text, year, number) in
        [("RUSTSEC-2026-0042", 2026, 42), ("RUSTSEC-2019-0000", 2019, 0), ("RUSTSEC-2026-12345", 2026, 12345)]
    {
        let id: RustsecId = text.parse().unwrap();
        assert_eq!((id.year(), id.number()), (year, number), "{text}");
        assert_eq!(id.to_string(), text);
        assert_eq!(RustsecId::new(year, number).unwrap(), id);
    }
    for bad in [
        "",
        "RUSTSEC-2026-042",
        "RUSTSEC-2026-00042",
        "RUSTSEC-26-0042",
        "RUSTSEC-0999-0001",
        "rustsec-2026-0042",
        "RUSTSEC-2026-0042-1",
        "RUSTSEC-2026-+042",
        "RUSTSEC-2026-99999999999",
        "GHSA-xxxx-xxxx-xxxx",
    ] {
        let err = bad.parse::<RustsecId>().unwrap_err();
        assert_eq!(err.to_string(), format!("invalid RustSec id `{bad}`: expected RUSTSEC-YYYY-NNNN"));
    }
    assert!(RustsecId::new(999, 1).is_err());
    assert!(RustsecId::new(10_000, 1).is_err());
    let mut ids: Vec<RustsecId> =
        ["RUSTSEC-2026-0002", "RUSTSEC-2025-9999", "RUSTSEC-2026-10000"].map(|s| s.parse().unwrap()).to_vec();
    ids.sort();
    assert_eq!(
        ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["RUSTSEC-2025-9999", "RUSTSEC-2026-0002", "RUSTSEC-2026-10000"]
    );
}

/// Every storage name, spelled out: changing one breaks stored data.
#[test]
fn storage_names_are_stable() {
    fn names<
        T: Copy + ToString + std::str::FromStr<Err = cratewatch_disclosure::ParseError> + PartialEq + std::fmt::Debug,
    >(
        all: &[T],
    ) -> Vec<String> {
        for value in all {
            assert_eq!(value.to_string().parse::<T>().unwrap(), *value);
        }
        all.iter().map(ToString::to_string).collect()
    }
    assert_eq!(
        names(State::ALL),
        [
            "received",
            "acknowledged",
            "accepted",
            "rejected",
            "fix_in_progress",
            "drafted",
            "embargoed",
            "published",
            "withdrawn"
        ]
    );
    assert_eq!(names(Role::ALL), ["reporter", "responder", "coordinator", "admin"]);
    assert_eq!(names(RejectReason::ALL), ["not_a_vulnerability", "out_of_scope", "duplicate"]);
    assert_eq!(
        names(NotificationKind::ALL),
        ["acknowledgement", "update", "prenotification", "announcement", "escalation"]
    );
    assert_eq!(names(Recipient::ALL), ["reporter", "coordinators", "distribution_list"]);
    assert_eq!(
        names(DeadlineKind::ALL),
        ["acknowledge", "detailed_response", "reporter_update", "prenotification", "publication"]
    );
    assert_eq!(
        names(CHECKLIST),
        [
            "semver_checked",
            "tests_run",
            "fix_exercised",
            "fix_reviewed",
            "backports_prepared",
            "versions_bumped",
            "temporary_changes_removed",
            "release_published",
            "advisory_submitted",
            "announcement_sent",
            "post_release_checked",
            "follow_ups_filed"
        ]
    );
    assert_eq!(
        "owner".parse::<Role>().unwrap_err().to_string(),
        "invalid role `owner`: expected one of reporter, responder, coordinator, admin"
    );
}

#[test]
fn the_checklist_by_phase() {
    let phase = |p| CHECKLIST.iter().filter(move |i| i.phase() == p).count();
    assert_eq!(
        (phase(ChecklistPhase::PreRelease), phase(ChecklistPhase::Release), phase(ChecklistPhase::PostRelease)),
        (7, 3, 2)
    );
    assert_eq!(ChecklistItem::AdvisorySubmitted.label(), "The advisory is submitted to RustSec");
    assert_eq!(ChecklistPhase::PostRelease.label(), "Post-release");
}
