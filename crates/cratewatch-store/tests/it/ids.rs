//! RustSec id allocation: floors, years, concurrency, and allocation inside a change.

use cratewatch_store::{ApplyOptions, Change, RustsecId, Store};

use crate::{T0, TestDb, event, new_report};

crate::cases! {
    store: ids_follow_the_floor_and_the_year, ids_allocated_in_a_change_are_kept_only_if_used;
    db: fifty_concurrent_allocations_get_fifty_consecutive_ids, concurrent_acceptances_get_distinct_ids;
}

async fn ids_follow_the_floor_and_the_year(store: Store) {
    let id = store.allocate_rustsec_id(2026, 41).await.unwrap();
    assert_eq!(id, RustsecId { year: 2026, number: 42 });
    assert_eq!(id.to_string(), "RUSTSEC-2026-0042");
    assert_eq!(store.allocate_rustsec_id(2026, 41).await.unwrap().number, 43);
    assert_eq!(store.allocate_rustsec_id(2026, 0).await.unwrap().number, 44, "a lower floor changes nothing");
    assert_eq!(store.allocate_rustsec_id(2026, 100).await.unwrap().number, 101, "the public database moved on");
    assert_eq!(store.allocate_rustsec_id(2027, 0).await.unwrap().to_string(), "RUSTSEC-2027-0001");
    assert_eq!(store.allocate_rustsec_id(2026, 0).await.unwrap().number, 102);
    assert_eq!(RustsecId { year: 2026, number: 12345 }.to_string(), "RUSTSEC-2026-12345");
}

/// Fifty allocations at once, from two stores on the same database (two replicas): fifty distinct,
/// consecutive numbers.
async fn fifty_concurrent_allocations_get_fifty_consecutive_ids(db: TestDb) {
    let replicas = [db.open().await, db.open().await];
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = replicas[i % 2].clone();
            tokio::spawn(async move { store.allocate_rustsec_id(2026, 10).await.unwrap().number })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (11..=60).collect::<Vec<_>>());
    for store in replicas {
        store.close().await;
    }
}

fn accept(r: &cratewatch_store::ReportRecord, id: Option<RustsecId>) -> Result<Change, String> {
    let id = id.ok_or("no id was allocated")?;
    let mut new = r.clone();
    new.state = "accepted".into();
    new.rustsec_id = Some(id.to_string());
    let mut e = event("accept", T0 + 1);
    e.summary = format!("Accepted as {id}");
    Ok(Change::new(new, e))
}

async fn ids_allocated_in_a_change_are_kept_only_if_used(store: Store) {
    let (a, _) = store.create_report(new_report("a"), T0).await.unwrap();
    let (b, _) = store.create_report(new_report("b"), T0).await.unwrap();
    let options = ApplyOptions::new().allocate_rustsec_id(2026, 5);

    let applied = store.apply_with(a.id, options, |r, ctx| accept(r, ctx.rustsec_id)).await.unwrap();
    assert_eq!(applied.rustsec_id, Some(RustsecId { year: 2026, number: 6 }));
    assert_eq!(applied.report.rustsec_id.as_deref(), Some("RUSTSEC-2026-0006"));
    assert_eq!(applied.event.summary, "Accepted as RUSTSEC-2026-0006");

    // The closure refuses: the number is given back with the rest of the transaction.
    let refused = store.apply_with(b.id, options, |_, _| Err::<Change, _>("not yet")).await;
    assert!(refused.is_err());
    // The closure does not use the number (here: a change that is not an acceptance): given back too.
    let applied = store
        .apply_with(b.id, options, |r, ctx| {
            assert_eq!(ctx.rustsec_id, Some(RustsecId { year: 2026, number: 7 }));
            Ok::<_, String>(Change::new(r.clone(), event("add_message", T0 + 2)))
        })
        .await
        .unwrap();
    assert_eq!(applied.rustsec_id, None);
    assert_eq!(applied.report.rustsec_id, None);

    let applied = store.apply_with(b.id, options, |r, ctx| accept(r, ctx.rustsec_id)).await.unwrap();
    assert_eq!(applied.report.rustsec_id.as_deref(), Some("RUSTSEC-2026-0007"));
    assert_eq!(store.allocate_rustsec_id(2026, 5).await.unwrap().number, 8);
}

/// Ten reports accepted at once, each allocating its id inside its change.
async fn concurrent_acceptances_get_distinct_ids(db: TestDb) {
    let replicas = [db.open().await, db.open().await];
    let mut reports = Vec::new();
    for i in 0..10 {
        reports.push(replicas[0].create_report(new_report(&format!("r{i}")), T0).await.unwrap().0.id);
    }
    let tasks: Vec<_> = reports
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let store = replicas[i % 2].clone();
            tokio::spawn(async move {
                let options = ApplyOptions::new().allocate_rustsec_id(2026, 0);
                store
                    .apply_with(id, options, |r, ctx| accept(r, ctx.rustsec_id))
                    .await
                    .unwrap()
                    .rustsec_id
                    .unwrap()
                    .number
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    for store in replicas {
        store.close().await;
    }
}
