//! The transition primitive: commit, rollback, optimistic versions, the append-only log, concurrency.

use cratewatch_store::{ApplyOptions, Change, Error, NewMessage, NewNotification, ReportRecord, Store};

use crate::{T0, TestDb, event, new_report};

crate::cases! {
    store: a_change_commits_everything,
        a_refused_change_writes_nothing,
        a_failed_write_writes_nothing,
        stale_versions_are_refused,
        unknown_reports_are_reported,
        concurrent_changes_are_serialized;
    db: the_audit_log_is_append_only;
}

fn acknowledge(r: &ReportRecord) -> Result<Change, String> {
    let mut new = r.clone();
    new.state = "acknowledged".to_owned();
    new.acknowledged_at = Some(T0 + 60_000);
    new.last_reporter_update_at = Some(T0 + 60_000);
    let mut e = event("acknowledge", T0 + 60_000);
    e.from_state = Some(r.state.clone());
    e.to_state = Some("acknowledged".to_owned());
    Ok(Change::new(new, e)
        .message(NewMessage {
            from_reporter: false,
            author_label: "carol".into(),
            body: "We got it.".into(),
            at: T0 + 60_000,
        })
        .notify(NewNotification {
            kind: "acknowledgement".into(),
            recipient: "rita@example.invalid".into(),
            subject: "Your report".into(),
            body: "We got it.".into(),
        }))
}

async fn counts(store: &Store, id: i64) -> (usize, usize, usize) {
    (
        store.events(id).await.unwrap().len(),
        store.messages(id).await.unwrap().len(),
        store.notifications(id).await.unwrap().len(),
    )
}

async fn a_change_commits_everything(store: Store) {
    let (user, _) = store.add_user("carol", "coordinator", &[], T0).await.unwrap();
    let (report, _) = store.create_report(new_report("ack"), T0).await.unwrap();
    let applied = store
        .apply(report.id, |r| {
            let mut change = acknowledge(r)?;
            change.event.actor_user_id = Some(user.id);
            change.report.id = 12345; // ignored
            change.report.received_at = 0; // ignored
            change.report.row_version = 99; // ignored
            Ok::<_, String>(change)
        })
        .await
        .unwrap();
    let stored = store.report(report.id).await.unwrap().unwrap();
    assert_eq!(applied.report, stored);
    assert_eq!(stored.id, report.id);
    assert_eq!(stored.state, "acknowledged");
    assert_eq!(stored.acknowledged_at, Some(T0 + 60_000));
    assert_eq!((stored.received_at, stored.updated_at, stored.row_version), (T0, T0 + 60_000, 2));

    assert_eq!(applied.event.seq, 2);
    assert_eq!(applied.event.actor_user_id, Some(user.id));
    assert_eq!(
        (applied.event.from_state.as_deref(), applied.event.to_state.as_deref()),
        (Some("received"), Some("acknowledged"))
    );
    assert_eq!(store.events(report.id).await.unwrap()[1], applied.event);
    assert_eq!(store.messages(report.id).await.unwrap(), applied.messages);
    let notifications = store.notifications(report.id).await.unwrap();
    assert_eq!(notifications, applied.notifications);
    assert_eq!(notifications[0].report_id, Some(report.id));
    assert_eq!((notifications[0].created_at, notifications[0].next_attempt_at), (T0 + 60_000, T0 + 60_000));
    assert_eq!((notifications[0].attempts, notifications[0].sent_at), (0, None));
    assert_eq!(counts(&store, report.id).await, (2, 1, 1));
}

async fn a_refused_change_writes_nothing(store: Store) {
    let (report, _) = store.create_report(new_report("refuse"), T0).await.unwrap();
    let error = store.apply(report.id, |_| Err::<Change, _>("cannot accept report: it is received")).await.unwrap_err();
    assert!(matches!(error, Error::Rejected("cannot accept report: it is received")), "{error:?}");
    assert_eq!(error.to_string(), "cannot accept report: it is received");
    assert_eq!(store.report(report.id).await.unwrap().unwrap(), report);
    assert_eq!(counts(&store, report.id).await, (1, 0, 0));
    // The report is not left locked.
    store.apply(report.id, acknowledge).await.unwrap();
}

async fn a_failed_write_writes_nothing(store: Store) {
    let (first, _) = store.create_report(new_report("first"), T0).await.unwrap();
    let (second, _) = store.create_report(new_report("second"), T0).await.unwrap();
    let take_id = |r: &ReportRecord| {
        let mut change = acknowledge(r)?;
        change.report.rustsec_id = Some("RUSTSEC-2026-0001".into());
        Ok::<_, String>(change)
    };
    store.apply(first.id, take_id).await.unwrap();
    // The same RustSec id on another report breaks a unique constraint.
    let error = store.apply(second.id, take_id).await.unwrap_err();
    assert!(matches!(error, Error::Sql { .. }), "{error:?}");
    assert!(error.to_string().starts_with(&format!("cannot apply a change to report {}: ", second.id)), "{error}");
    assert_eq!(store.report(second.id).await.unwrap().unwrap(), second);
    assert_eq!(counts(&store, second.id).await, (1, 0, 0));
    // So does a reference to a report that does not exist.
    let error = store
        .apply(second.id, |r| {
            let mut change = acknowledge(r)?;
            change.report.duplicate_of = Some(second.id + 1000);
            Ok::<_, String>(change)
        })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Sql { .. }), "{error:?}");
    assert_eq!(counts(&store, second.id).await, (1, 0, 0));
}

async fn stale_versions_are_refused(store: Store) {
    let (report, _) = store.create_report(new_report("stale"), T0).await.unwrap();
    let page_version = report.row_version;
    let applied = store
        .apply_with(report.id, ApplyOptions::new().expect_version(page_version), |r, _| acknowledge(r))
        .await
        .unwrap();
    assert_eq!(applied.report.row_version, page_version + 1);
    // A second form submitted from the same (now stale) page.
    let error = store
        .apply_with(report.id, ApplyOptions::new().expect_version(page_version), |r, _| {
            let mut new = r.clone();
            new.state = "rejected".to_owned();
            Ok::<_, String>(Change::new(new, event("reject", T0 + 2)))
        })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::StaleVersion { expected: 1, actual: 2, .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("cannot apply a change to report {}: it is at version 2, not 1; reload it and try again", report.id)
    );
    assert_eq!(store.report(report.id).await.unwrap().unwrap().state, "acknowledged");
    assert_eq!(counts(&store, report.id).await, (2, 1, 1));
}

async fn unknown_reports_are_reported(store: Store) {
    let error = store.apply(424_242, acknowledge).await.unwrap_err();
    assert!(matches!(error, Error::ReportNotFound { id: 424_242 }), "{error:?}");
    assert_eq!(error.to_string(), "cannot apply a change to report 424242: there is no such report");
}

/// Twenty changes to one report at once: none is lost, and the log has no gaps or duplicates.
async fn concurrent_changes_are_serialized(store: Store) {
    let (report, _) = store.create_report(new_report("busy"), T0).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .apply(report.id, move |r| {
                        let mut new = r.clone();
                        new.checklist.push(format!("item{i}"));
                        Ok::<_, String>(Change::new(new, event("check_item", T0 + i)))
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stored = store.report(report.id).await.unwrap().unwrap();
    assert_eq!(stored.row_version, 21);
    assert_eq!(stored.checklist.len(), 20, "a change was lost: {:?}", stored.checklist);
    let seqs: Vec<i64> = store.events(report.id).await.unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=21).collect::<Vec<_>>());
}

/// UPDATE and DELETE on `report_events` fail, whoever tries (here: plain SQL, not the store).
async fn the_audit_log_is_append_only(db: TestDb) {
    let store = db.open().await;
    let (report, _) = store.create_report(new_report("log"), T0).await.unwrap();
    store.apply(report.id, acknowledge).await.unwrap();
    let before = store.events(report.id).await.unwrap();
    let pool = db.raw().await;
    let mut statements = vec!["UPDATE report_events SET summary = 'rewritten'", "DELETE FROM report_events"];
    if db.backend == cratewatch_store::Backend::Postgres {
        statements.push("TRUNCATE report_events");
    }
    for statement in statements {
        let error = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(error.to_string().contains("report_events is append-only"), "{statement}: {error}");
    }
    pool.close().await;
    assert_eq!(store.events(report.id).await.unwrap(), before);
    // Appending still works.
    store.apply(report.id, acknowledge).await.unwrap();
    assert_eq!(store.events(report.id).await.unwrap().len(), 3);
    store.close().await;
}
