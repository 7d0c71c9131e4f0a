//! Migrations: a fresh database, a second open, concurrent opens, and a schema from the future.

use cratewatch_store::{Error, SCHEMA_VERSION, Store};
use sqlx::Row;

use crate::TestDb;

crate::cases! {
    db: fresh_database_is_migrated,
        reopening_changes_nothing,
        concurrent_opens_migrate_once,
        newer_schema_is_refused,
        placeholders_bind_by_number;
}

async fn migrations(db: &TestDb) -> Vec<(i64, String, i64)> {
    let pool = db.raw().await;
    let rows = sqlx::query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter().map(|row| (row.get("version"), row.get("name"), row.get("applied_at"))).collect()
}

async fn fresh_database_is_migrated(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.backend(), db.backend);
    let applied = migrations(&db).await;
    assert_eq!(applied.iter().map(|(v, n, _)| (*v, n.as_str())).collect::<Vec<_>>(), [(1, "initial")]);
    assert_eq!(applied.last().unwrap().0, SCHEMA_VERSION);
    // The tables are there and empty.
    assert!(store.list_users().await.unwrap().is_empty());
    assert!(store.list_reports(&Default::default()).await.unwrap().is_empty());
    if db.backend == cratewatch_store::Backend::Sqlite {
        let pool = db.raw().await;
        let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(&pool).await.unwrap().get(0);
        assert_eq!(mode, "wal");
        pool.close().await;
    }
    store.close().await;
}

async fn reopening_changes_nothing(db: TestDb) {
    let store = db.open().await;
    store.add_user("alice", "coordinator", &[], crate::T0).await.unwrap();
    let before = migrations(&db).await;
    store.close().await;
    let store = db.open().await;
    assert_eq!(migrations(&db).await, before);
    assert_eq!(store.user_by_name("alice").await.unwrap().unwrap().role, "coordinator");
    store.close().await;
}

/// Four replicas starting at once on a database nobody has migrated yet.
async fn concurrent_opens_migrate_once(db: TestDb) {
    let url = db.url.clone();
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Store::open(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.unwrap().unwrap_or_else(|error| panic!("concurrent open failed: {error}")));
    }
    let applied = migrations(&db).await;
    assert_eq!(applied.len(), 1, "{applied:?}");
    for (i, store) in stores.iter().enumerate() {
        store.add_user(&format!("user{i}"), "responder", &[], crate::T0).await.unwrap();
    }
    assert_eq!(stores[0].list_users().await.unwrap().len(), 4);
    for store in stores {
        store.close().await;
    }
}

async fn newer_schema_is_refused(db: TestDb) {
    db.open().await.close().await;
    let pool = db.raw().await;
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
        .bind(SCHEMA_VERSION + 1000)
        .bind("from the future")
        .bind(crate::T0)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let error = Store::open(&db.url).await.unwrap_err();
    let newer = SCHEMA_VERSION + 1000;
    assert!(
        matches!(error, Error::SchemaTooNew { found, supported } if found == newer && supported == SCHEMA_VERSION),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "cannot open the store: its schema is at version {}, newer than version {SCHEMA_VERSION}, the latest \
             this program knows; run a newer cratewatch",
            SCHEMA_VERSION + 1000
        )
    );
}

/// The store writes `$1`-style placeholders for both backends. On SQLite, sqlx binds `$N` to the N-th
/// argument whatever the order the placeholders appear in, and a repeated `$N` to the same argument.
async fn placeholders_bind_by_number(db: TestDb) {
    db.open().await.close().await;
    let pool = db.raw().await;
    let row = sqlx::query("SELECT $2 AS second, $1 AS first, $2 AS again")
        .bind("a")
        .bind("b")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("second"), "b");
    assert_eq!(row.get::<String, _>("first"), "a");
    assert_eq!(row.get::<String, _>("again"), "b");
    pool.close().await;
}

/// URLs the store cannot use are refused at once, with the URL in the message. (An unreachable server
/// is retried for 30 seconds, sqlx's acquire timeout, so it is not tried here; `store::tests` checks
/// that messages hide passwords.)
#[tokio::test]
async fn bad_urls_are_refused() {
    let message = |url: &'static str| async move { Store::open(url).await.unwrap_err().to_string() };
    assert_eq!(
        message("mysql://root@localhost/cw").await,
        "cannot open the store at mysql://root@localhost/cw: expected sqlite:PATH or postgres://..."
    );
    assert!(message("sqlite::memory:").await.contains("in-memory SQLite databases are not supported"));
}

/// A SQLite file is created with its directory.
#[tokio::test]
async fn sqlite_files_are_created_with_their_directory() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cratewatch-store-tests")
        .join(format!("new-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("deeper").join("cw.db");
    let store = Store::open(&format!("sqlite:{}", path.display())).await.unwrap();
    store.add_user("alice", "coordinator", &[], crate::T0).await.unwrap();
    store.close().await;
    assert!(path.is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}
