//! The store's one test suite. Every case is written once and runs against both backends: SQLite (a
//! fresh file per test) and PostgreSQL (a fresh database per test on the server named by
//! `CRATEWATCH_TEST_POSTGRES_URL`; start one with `scripts/postgres.sh start`). Without that variable
//! the PostgreSQL cases fail and say how to start the server.

mod apply;
mod crash;
mod ids;
mod migrations;
mod outbox;
mod reports;
mod users;

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cratewatch_store::{Backend, NewEvent, NewReport, Store};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row};

/// The variable naming the PostgreSQL server the tests create their databases on.
const POSTGRES_URL_ENV: &str = "CRATEWATCH_TEST_POSTGRES_URL";

/// A fresh, empty database for one test, not opened yet.
pub(crate) struct TestDb {
    pub(crate) url: String,
    pub(crate) backend: Backend,
}

impl TestDb {
    /// Opens the store on it (migrating it the first time).
    pub(crate) async fn open(&self) -> Store {
        Store::open(&self.url).await.unwrap_or_else(|error| panic!("cannot open {}: {error}", self.url))
    }

    /// A plain connection pool, to look at and tamper with the tables as the store would not.
    pub(crate) async fn raw(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.url).await.expect("raw connection to the test database")
    }

    /// Every non-null text value of every table (the column values that could hold a secret).
    pub(crate) async fn all_text(&self) -> Vec<String> {
        let pool = self.raw().await;
        let list = match self.backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
            _ => "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public'",
        };
        let tables: Vec<String> =
            sqlx::query(list).fetch_all(&pool).await.unwrap().iter().map(|row| row.get("name")).collect();
        assert!(tables.iter().any(|t| t == "api_tokens"), "{tables:?}");
        let mut text = Vec::new();
        // Not sqlx's bookkeeping (versions and checksums of the migrations), whose timestamp column the
        // Any driver cannot read.
        for table in tables.into_iter().filter(|t| t != "_sqlx_migrations") {
            for row in sqlx::query(&format!("SELECT * FROM {table}")).fetch_all(&pool).await.unwrap() {
                for i in 0..row.len() {
                    if let Ok(Some(value)) = row.try_get::<Option<String>, _>(i) {
                        text.push(value);
                    }
                }
            }
        }
        pool.close().await;
        text
    }
}

/// Runs one case against a fresh database of `backend`, then deletes the database.
pub(crate) async fn run_db<F, Fut>(backend: Backend, name: &str, case: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    match backend {
        Backend::Sqlite => {
            let path = fresh_sqlite_path(name);
            case(TestDb { url: format!("sqlite://{}", path.display()), backend }).await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        _ => {
            let (admin, database) = fresh_postgres_database(name).await;
            case(TestDb { url: with_database(&admin, &database), backend }).await;
            let mut conn = AnyConnection::connect(&admin).await.expect("connect to the PostgreSQL test server");
            conn.execute(&*format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).await.expect("drop database");
        }
    }
}

/// Runs one case against a store opened on a fresh database of `backend`.
pub(crate) async fn run_store<F, Fut>(backend: Backend, name: &str, case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    run_db(backend, name, |db| async move {
        let store = db.open().await;
        case(store.clone()).await;
        store.close().await;
    })
    .await;
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A name no other test of this run or of an earlier one uses.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let short: String = name.chars().take(30).collect();
    format!("{short}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn fresh_sqlite_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cratewatch-store-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}.db", unique(name)))
}

/// Creates an empty database on the test server; returns the server's URL and the database's name.
async fn fresh_postgres_database(name: &str) -> (String, String) {
    let Ok(admin) = std::env::var(POSTGRES_URL_ENV) else {
        panic!(
            "{POSTGRES_URL_ENV} is not set, so the PostgreSQL half of the store tests cannot run. Start the \
             throwaway test server and point the tests at it:\n\n    \
             export {POSTGRES_URL_ENV}=\"$(scripts/postgres.sh start)\"\n\n\
             (scripts/postgres.sh installs PostgreSQL if needed; `scripts/postgres.sh stop` stops it.)"
        )
    };
    sqlx::any::install_default_drivers();
    let database = format!("cw_{}", unique(name)).to_lowercase();
    let mut conn = AnyConnection::connect(&admin).await.unwrap_or_else(|error| {
        panic!(
            "cannot connect to the PostgreSQL test server at {admin} ({POSTGRES_URL_ENV}): {error}; \
             is it running? (scripts/postgres.sh start)"
        )
    });
    conn.execute(&*format!("CREATE DATABASE {database}")).await.expect("create the test database");
    conn.close().await.unwrap();
    (admin, database)
}

/// The URL of another database on the same server.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").expect("a postgres:// URL");
    let authority = rest.split('/').next().unwrap();
    format!("{scheme}://{authority}/{database}{query}")
}

/// Declares cases that take a [`Store`] (`store: a, b;`) or a [`TestDb`] (`db: c, d;`), each run as
/// one test per backend: `<module>::sqlite::<case>` and `<module>::postgres::<case>`.
macro_rules! cases {
    ($($kind:ident: $($name:ident),+ $(,)?);+ $(;)?) => {
        mod sqlite {
            $($(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::cases!(@run $kind, cratewatch_store::Backend::Sqlite, $name);
                }
            )+)+
        }
        mod postgres {
            $($(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::cases!(@run $kind, cratewatch_store::Backend::Postgres, $name);
                }
            )+)+
        }
    };
    (@run store, $backend:expr, $name:ident) => {
        crate::run_store($backend, stringify!($name), super::$name).await
    };
    (@run db, $backend:expr, $name:ident) => {
        crate::run_db($backend, stringify!($name), super::$name).await
    };
}
pub(crate) use cases;

/// 2026-11-22T09:00:00Z in Unix milliseconds: "now" in the tests.
pub(crate) const T0: i64 = 1_795_338_000_000;

/// A report as a reporter would submit it.
pub(crate) fn new_report(title: &str) -> NewReport {
    NewReport {
        title: title.to_owned(),
        description: format!("{title}: details"),
        crate_name: "smallvec".to_owned(),
        reporter_name: Some("Rita Reporter".to_owned()),
        reporter_email: Some("rita@example.invalid".to_owned()),
        state: "received".to_owned(),
    }
}

/// An event by a staff member who has no user row (so no foreign key to satisfy).
pub(crate) fn event(action: &str, at: i64) -> NewEvent {
    NewEvent {
        actor_user_id: None,
        actor_label: "carol".to_owned(),
        at,
        action: action.to_owned(),
        summary: format!("{action} done"),
        from_state: None,
        to_state: None,
        detail: serde_json::json!({ "action": action }),
    }
}
