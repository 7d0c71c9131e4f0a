#![doc = include_str!("../README.md")]

mod apply;
mod error;
mod ids;
mod migrate;
mod outbox;
mod reports;
mod rows;
mod secret;
mod store;
mod users;

pub use crate::apply::{Applied, ApplyContext, ApplyOptions, CRASH_POINT_ENV, Change};
pub use crate::error::Error;
pub use crate::ids::RustsecId;
pub use crate::migrate::SCHEMA_VERSION;
pub use crate::outbox::{NewNotification, NotificationRecord};
pub use crate::reports::{EventRecord, MessageRecord, NewEvent, NewMessage, NewReport, ReportFilter, ReportRecord};
pub use crate::store::{Backend, Store};
pub use crate::users::{SessionRecord, TokenRecord, UserRecord};

/// The server spawns store calls on tokio's multi-threaded runtime, so every future of the public API
/// must be `Send + 'static` once it owns its arguments. Some sqlx calls make futures that are not (the
/// error is "implementation of `Executor` is not general enough"); this fails to compile if one creeps in.
#[cfg(test)]
mod futures_are_send {
    use std::future::Future;

    use crate::{ApplyOptions, Change, NewEvent, NewNotification, NewReport, ReportFilter, Store};

    /// Type-checks `f(store)` as a spawnable future; never runs it.
    fn spawnable<F, Fut>(store: &Store, f: F)
    where
        F: FnOnce(Store) -> Fut,
        Fut: Future + Send + 'static,
    {
        let _ = f;
        let _ = store;
    }

    fn event() -> NewEvent {
        NewEvent {
            actor_user_id: None,
            actor_label: String::new(),
            at: 0,
            action: String::new(),
            summary: String::new(),
            from_state: None,
            to_state: None,
            detail: serde_json::Value::Null,
        }
    }

    #[test]
    fn every_public_future_can_be_spawned() {
        fn check(s: &Store) {
            let notification = NewNotification {
                kind: String::new(),
                recipient: String::new(),
                subject: String::new(),
                body: String::new(),
            };
            let report = NewReport {
                title: String::new(),
                description: String::new(),
                crate_name: String::new(),
                reporter_name: None,
                reporter_email: None,
                state: String::new(),
            };
            spawnable(s, |_| async { Store::open("sqlite:x").await });
            spawnable(s, |s| async move { s.close().await });
            spawnable(s, |s| async move { s.add_user("a", "b", &["c"], 0).await });
            spawnable(s, |s| async move { s.user(1).await });
            spawnable(s, |s| async move { s.user_by_name("a").await });
            spawnable(s, |s| async move { s.list_users().await });
            spawnable(s, |s| async move { s.users_with_role("a").await });
            spawnable(s, |s| async move { s.set_user_disabled(1, true).await });
            spawnable(s, |s| async move { s.create_token(1, &["a"], 0).await });
            spawnable(s, |s| async move { s.tokens(1).await });
            spawnable(s, |s| async move { s.revoke_token(1, 0).await });
            spawnable(s, |s| async move { s.authenticate_token("a", 0).await });
            spawnable(s, |s| async move { s.create_session(1, 0, 1).await });
            spawnable(s, |s| async move { s.session("a", 0).await });
            spawnable(s, |s| async move { s.delete_session("a").await });
            spawnable(s, |s| async move { s.delete_expired_sessions(0).await });
            spawnable(s, |s| async move { s.create_report(report, 0).await });
            spawnable(s, |s| async move { s.report(1).await });
            spawnable(s, |s| async move { s.report_by_reporter_token("a").await });
            spawnable(s, |s| async move { s.list_reports(&ReportFilter::default()).await });
            spawnable(s, |s| async move { s.events(1).await });
            spawnable(s, |s| async move { s.messages(1).await });
            spawnable(s, |s| async move { s.apply(1, |r| Ok::<_, String>(Change::new(r.clone(), event()))).await });
            spawnable(s, |s| async move {
                let options = ApplyOptions::new().expect_version(1).allocate_rustsec_id(2026, 0);
                s.apply_with(1, options, |r, _| Ok::<_, String>(Change::new(r.clone(), event()))).await
            });
            spawnable(s, |s| async move { s.allocate_rustsec_id(2026, 0).await });
            spawnable(s, |s| async move { s.enqueue_notification(None, &notification, 0).await });
            spawnable(s, |s| async move { s.claim_due_notifications(0, 1, 1).await });
            spawnable(s, |s| async move { s.notifications(1).await });
            spawnable(s, |s| async move { s.mark_sent(1, 0).await });
            spawnable(s, |s| async move { s.mark_failed(1, "e", 0).await });
        }
        let _ = check;
    }
}
