//! Migrations: a fresh database, a second open, concurrent opens, a schema from the future, a changed
//! migration, and a store migrated by the runner that came before sqlx's.

use cratewatch_store::{Error, SCHEMA_VERSION, Store};
use sqlx::Row;

use crate::TestDb;

crate::cases! {
    db: fresh_database_is_migrated,
        reopening_changes_nothing,
        concurrent_opens_migrate_once,
        newer_schema_is_refused,
        a_changed_migration_is_refused,
        a_store_of_the_earlier_runner_is_adopted,
        a_store_of_the_earlier_runner_with_a_newer_schema_is_refused,
        placeholders_bind_by_number;
}

/// The migrations recorded in the store: version, description, checksum.
async fn migrations(db: &TestDb) -> Vec<(i64, String, Vec<u8>)> {
    let pool = db.raw().await;
    let rows = sqlx::query("SELECT version, description, checksum FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter().map(|row| (row.get("version"), row.get("description"), row.get("checksum"))).collect()
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

/// Eight replicas starting at once on a database nobody has migrated yet.
async fn concurrent_opens_migrate_once(db: TestDb) {
    let url = db.url.clone();
    let opens: Vec<_> = (0..8)
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
    assert_eq!(stores[0].list_users().await.unwrap().len(), 8);
    for store in stores {
        store.close().await;
    }
}

async fn newer_schema_is_refused(db: TestDb) {
    db.open().await.close().await;
    let pool = db.raw().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, $2, TRUE, $3, 0)",
    )
    .bind(SCHEMA_VERSION + 1000)
    .bind("from the future")
    .bind(vec![0u8; 48])
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

/// A migration file edited after it was applied to a store (its checksum differs) is refused, naming
/// the migration, and nothing is changed.
async fn a_changed_migration_is_refused(db: TestDb) {
    db.open().await.close().await;
    let pool = db.raw().await;
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 1")
        .bind(vec![7u8; 48])
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let error = Store::open(&db.url).await.unwrap_err();
    assert!(matches!(error, Error::SchemaMismatch { version: 1, .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "cannot open the store: migration 1 was applied from a different file than this program's (its checksum \
         differs)"
    );
    assert_eq!(migrations(&db).await[0].2, vec![7u8; 48]);
}

/// The store's first migration, applied by hand as the runner before sqlx's did, with its
/// `schema_migrations` table recording `rows`.
async fn earlier_runner_store(db: &TestDb, rows: &[(i64, &str)]) {
    let sql = match db.backend {
        cratewatch_store::Backend::Sqlite => include_str!("../../migrations/sqlite/0001_initial.sql"),
        _ => include_str!("../../migrations/postgres/0001_initial.sql"),
    };
    // A SQLite file that does not exist yet is created (`mode=rwc`), as the runner did.
    let url = match db.backend {
        cratewatch_store::Backend::Sqlite => format!("{}?mode=rwc", db.url),
        _ => db.url.clone(),
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::Executor::execute(&mut *tx, sql).await.unwrap();
    sqlx::Executor::execute(
        &mut *tx,
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await
    .unwrap();
    for (version, name) in rows {
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(*name)
            .bind(crate::T0)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO users (name, role, created_at) VALUES ('alice', 'coordinator', $1)")
        .bind(crate::T0)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    pool.close().await;
}

/// A store migrated before sqlx's migrator opens with its data; its history moves to
/// `_sqlx_migrations` with this program's checksums, and a marker tells older programs to refuse it.
async fn a_store_of_the_earlier_runner_is_adopted(db: TestDb) {
    earlier_runner_store(&db, &[(1, "initial")]).await;
    let store = db.open().await;
    assert_eq!(store.user_by_name("alice").await.unwrap().unwrap().role, "coordinator");
    store.close().await;
    let mut reference = Vec::new();
    let reference_out = &mut reference;
    crate::run_db(db.backend, "adopted_reference", |fresh| async move {
        fresh.open().await.close().await;
        *reference_out = migrations(&fresh).await;
    })
    .await;
    let adopted = migrations(&db).await;
    assert_eq!(adopted, reference, "the same history as a store sqlx migrated itself");
    let pool = db.raw().await;
    let legacy: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("version"))
        .collect();
    pool.close().await;
    assert_eq!(legacy, [1, 1_000_000], "the marker an older program reads as a newer schema");
    // Opening again changes nothing.
    db.open().await.close().await;
    assert_eq!(migrations(&db).await, adopted);
}

async fn a_store_of_the_earlier_runner_with_a_newer_schema_is_refused(db: TestDb) {
    earlier_runner_store(&db, &[(1, "initial"), (2, "from the future")]).await;
    let error = Store::open(&db.url).await.unwrap_err();
    assert!(matches!(error, Error::SchemaTooNew { found: 2, supported: SCHEMA_VERSION }), "{error:?}");
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

/// The store holds embargoed reports and reporters' addresses: on Unix its directory, when the store
/// creates it, is the owner's alone (0700), and so are the database and its `-wal` and `-shm` files
/// (0600), whatever the umask.
#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cratewatch-store-tests")
        .join(format!("owner-only-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("private").join("cw.db");
    let store = Store::open(&format!("sqlite:{}", path.display())).await.unwrap();
    // A write, so that the write-ahead log and its index exist.
    store.add_user("alice", "coordinator", &[], crate::T0).await.unwrap();
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.join("private")), 0o700, "the directory");
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        assert!(file.exists(), "{} was not created", file.display());
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A store that others may read (one created by an earlier cratewatch, with mode 644) is tightened to
/// the owner's bits when it opens, and the log says so, naming the file.
#[cfg(unix)]
#[test]
fn an_existing_store_readable_by_others_is_tightened_with_a_warning() {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);
    impl Write for Log {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cratewatch-store-tests")
        .join(format!("tightened-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cw.db");
    let url = format!("sqlite:{}", path.display());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = Store::open(&url).await.unwrap();
        store.add_user("alice", "coordinator", &[], crate::T0).await.unwrap();
        store.close().await;
    });
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let log = Log::default();
    let writer = log.clone();
    let subscriber =
        tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).without_time().finish();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let store = Store::open(&url).await.unwrap();
            assert_eq!(store.user_by_name("alice").await.unwrap().unwrap().role, "coordinator");
            store.close().await;
        })
    });
    assert_eq!(mode(&path), 0o600);
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("WARN"), "{log}");
    assert!(log.contains("readable by other users (mode 644); its mode is now 600"), "{log}");
    assert!(log.contains(&path.display().to_string()), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
}
