//! Crash safety: a process killed right before `apply` commits leaves the report as it was.
//!
//! The test runs this test binary again, filtered to [`crash_child`], with
//! `CRATEWATCH_STORE_CRASH_POINT=before-commit`: the child's `apply` does all its writes and aborts
//! the process. The parent then reopens the database and checks that none of them is there.

use std::process::Command;

use cratewatch_store::{CRASH_POINT_ENV, Change, NewMessage, NewNotification, Store};

use crate::{T0, TestDb, event, new_report};

crate::cases! {
    db: a_crash_before_commit_changes_nothing;
}

const CHILD_URL_ENV: &str = "CRATEWATCH_STORE_TEST_CRASH_URL";
const CHILD_REPORT_ENV: &str = "CRATEWATCH_STORE_TEST_CRASH_REPORT";

/// Not a test of its own: the child process of [`a_crash_before_commit_changes_nothing`], which sets
/// the variables. Run without them (as in every ordinary test run), it does nothing.
#[tokio::test]
async fn crash_child() {
    let (Ok(url), Ok(report)) = (std::env::var(CHILD_URL_ENV), std::env::var(CHILD_REPORT_ENV)) else { return };
    let store = Store::open(&url).await.unwrap();
    let id: i64 = report.parse().unwrap();
    println!("crash child: applying to report {id}");
    let result = store
        .apply(id, |r| {
            let mut new = r.clone();
            new.state = "acknowledged".into();
            new.title = "changed by the crashed process".into();
            println!("crash child: change built");
            Ok::<_, String>(
                Change::new(new, event("acknowledge", T0 + 1))
                    .message(NewMessage {
                        from_reporter: false,
                        author_label: "carol".into(),
                        body: "never seen".into(),
                        at: T0 + 1,
                    })
                    .notify(NewNotification {
                        kind: "acknowledgement".into(),
                        recipient: "rita@example.invalid".into(),
                        subject: "never sent".into(),
                        body: String::new(),
                    }),
            )
        })
        .await;
    panic!("the crash hook did not abort the process: apply returned {result:?}");
}

async fn a_crash_before_commit_changes_nothing(db: TestDb) {
    let store = db.open().await;
    let (report, _) = store.create_report(new_report("crash"), T0).await.unwrap();
    store.close().await;

    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash::crash_child", "--nocapture", "--test-threads=1"])
        .env(CRASH_POINT_ENV, "before-commit")
        .env(CHILD_URL_ENV, &db.url)
        .env(CHILD_REPORT_ENV, report.id.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("crash child: change built"), "the child did not get to apply:\n{stdout}\n{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            output.status.signal(),
            Some(6),
            "the child was not aborted: {:?}\n{stdout}\n{stderr}",
            output.status
        );
    }
    assert!(!output.status.success());

    let store = db.open().await;
    assert_eq!(store.report(report.id).await.unwrap().unwrap(), report);
    assert_eq!(store.events(report.id).await.unwrap().len(), 1);
    assert!(store.messages(report.id).await.unwrap().is_empty());
    assert!(store.notifications(report.id).await.unwrap().is_empty());
    // Nothing is left locked: the same change goes through now.
    let applied = store
        .apply(report.id, |r| {
            let mut new = r.clone();
            new.state = "acknowledged".into();
            Ok::<_, String>(Change::new(new, event("acknowledge", T0 + 2)))
        })
        .await
        .unwrap();
    assert_eq!((applied.report.row_version, applied.event.seq), (2, 2));
    store.close().await;
}
