//! The outbox: claims, leases, failures and retries, several senders.

use std::collections::BTreeSet;

use cratewatch_store::{NewNotification, Store};

use crate::{T0, TestDb, new_report};

crate::cases! {
    store: failed_notifications_stay_and_come_back, unreported_claims_expire;
    db: concurrent_senders_never_claim_the_same_notification;
}

fn mail(subject: &str) -> NewNotification {
    NewNotification {
        kind: "update".into(),
        recipient: "rita@example.invalid".into(),
        subject: subject.into(),
        body: format!("{subject}\n"),
    }
}

const LEASE: i64 = 60_000;

async fn failed_notifications_stay_and_come_back(store: Store) {
    let (report, _) = store.create_report(new_report("mail"), T0).await.unwrap();
    let queued = store.enqueue_notification(Some(report.id), &mail("hello"), T0).await.unwrap();
    assert_eq!((queued.attempts, queued.next_attempt_at, queued.sent_at), (0, T0, None));
    assert!(store.claim_due_notifications(T0 - 1, LEASE, 10).await.unwrap().is_empty(), "not due yet");

    let claimed = store.claim_due_notifications(T0, LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].id, claimed[0].subject.as_str(), claimed[0].next_attempt_at),
        (queued.id, "hello", T0 + LEASE)
    );
    assert!(store.claim_due_notifications(T0, LEASE, 10).await.unwrap().is_empty(), "claimed once");

    assert!(store.mark_failed(queued.id, "smtp: connection refused", T0 + 5_000).await.unwrap());
    let stored = &store.notifications(report.id).await.unwrap()[0];
    assert_eq!((stored.attempts, stored.next_attempt_at, stored.sent_at), (1, T0 + 5_000, None));
    assert_eq!(stored.last_error.as_deref(), Some("smtp: connection refused"));

    assert!(store.claim_due_notifications(T0 + 4_999, LEASE, 10).await.unwrap().is_empty());
    let again = store.claim_due_notifications(T0 + 5_000, LEASE, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert!(store.mark_failed(queued.id, "smtp: timeout", T0 + 20_000).await.unwrap());
    let again = store.claim_due_notifications(T0 + 20_000, LEASE, 10).await.unwrap();
    assert_eq!((again[0].attempts, again[0].last_error.as_deref()), (2, Some("smtp: timeout")));

    assert!(store.mark_sent(queued.id, T0 + 21_000).await.unwrap());
    assert!(!store.mark_sent(queued.id, T0 + 22_000).await.unwrap());
    assert!(!store.mark_failed(queued.id, "late", T0).await.unwrap(), "a sent notification does not fail");
    assert!(store.claim_due_notifications(i64::MAX / 2, LEASE, 10).await.unwrap().is_empty());
    let stored = &store.notifications(report.id).await.unwrap()[0];
    assert_eq!((stored.attempts, stored.sent_at), (2, Some(T0 + 21_000)));

    // Notifications about no report.
    let other = store.enqueue_notification(None, &mail("welcome"), T0).await.unwrap();
    assert_eq!(other.report_id, None);
    let claimed = store.claim_due_notifications(T0, LEASE, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|n| n.id).collect::<Vec<_>>(), [other.id]);
}

async fn unreported_claims_expire(store: Store) {
    for i in 0..5 {
        store.enqueue_notification(None, &mail(&format!("n{i}")), T0 + i).await.unwrap();
    }
    let first = store.claim_due_notifications(T0 + 10, LEASE, 3).await.unwrap();
    assert_eq!(first.iter().map(|n| n.subject.as_str()).collect::<Vec<_>>(), ["n0", "n1", "n2"], "oldest first");
    let rest = store.claim_due_notifications(T0 + 10, LEASE, 3).await.unwrap();
    assert_eq!(rest.iter().map(|n| n.subject.as_str()).collect::<Vec<_>>(), ["n3", "n4"]);
    // The sender died without reporting: the lease ends and they are due again.
    assert!(store.claim_due_notifications(T0 + 10 + LEASE - 1, LEASE, 10).await.unwrap().is_empty());
    assert_eq!(store.claim_due_notifications(T0 + 10 + LEASE, LEASE, 10).await.unwrap().len(), 5);
}

/// Four senders on two replicas claim at once: every notification is claimed exactly once.
async fn concurrent_senders_never_claim_the_same_notification(db: TestDb) {
    let replicas = [db.open().await, db.open().await];
    for i in 0..40 {
        replicas[0].enqueue_notification(None, &mail(&format!("n{i}")), T0).await.unwrap();
    }
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let store = replicas[i % 2].clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                loop {
                    let claimed = store.claim_due_notifications(T0, LEASE, 3).await.unwrap();
                    if claimed.is_empty() {
                        return ids;
                    }
                    ids.extend(claimed.iter().map(|n| n.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let distinct: BTreeSet<_> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (40, 40));
    for store in replicas {
        store.close().await;
    }
}
