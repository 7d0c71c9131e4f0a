//! The schema migrations, run when the store opens.
//!
//! Each migration is a SQL file per backend, embedded in the program. `schema_migrations` records the
//! ones applied. Each pending migration is applied in a transaction of its own, together with its row
//! in `schema_migrations`, so a crash leaves it applied or not, never half. The transaction first takes
//! the database's migration lock (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock
//! of `BEGIN IMMEDIATE`) and then reads which migrations are applied, so that several replicas starting
//! at once apply each migration exactly once.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{AnyConnection, Executor, Row};

use crate::{Backend, Error, Store};

/// One migration: its version (the number its files start with), its name, and its SQL per backend.
struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Every migration, in order. Add new ones at the end; never edit one that has shipped.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "initial",
    sqlite: include_str!("../migrations/sqlite/0001_initial.sql"),
    postgres: include_str!("../migrations/postgres/0001_initial.sql"),
}];

/// The schema version this program brings a database to: the version of its last migration.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// The key of the PostgreSQL advisory lock held while migrating (the ASCII of "cwstore" and a 1).
const POSTGRES_LOCK_KEY: i64 = 0x6377_7374_6f72_6531;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// Applies the pending migrations, one transaction each.
pub(crate) async fn run(store: &Store) -> Result<(), Error> {
    loop {
        let operation = "read the schema version of the store";
        let mut tx = store.begin_write(operation).await?;
        if store.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(POSTGRES_LOCK_KEY)
                .execute(&mut *tx)
                .await
                .map_err(Error::sql(operation))?;
        }
        tx.execute(CREATE_TABLE).await.map_err(Error::sql(operation))?;
        let Some(migration) = pending(&mut tx).await? else {
            tx.commit().await.map_err(Error::sql(operation))?;
            return Ok(());
        };
        let failed = |source| Error::Migrate { version: migration.version, name: migration.name, source };
        let sql = match store.backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        tx.execute(sql).await.map_err(failed)?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(migration.version)
            .bind(migration.name)
            .bind(unix_millis_now())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
    }
}

/// The first migration not applied yet, after checking that the applied ones are this program's.
async fn pending(conn: &mut AnyConnection) -> Result<Option<&'static Migration>, Error> {
    let rows = sqlx::query("SELECT version, name FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await
        .map_err(Error::sql("read the schema version of the store"))?;
    let mut applied = 0;
    for row in rows {
        let version: i64 = row.try_get("version").map_err(Error::sql("read the schema version of the store"))?;
        let name: String = row.try_get("name").map_err(Error::sql("read the schema version of the store"))?;
        match MIGRATIONS.iter().find(|m| m.version == version) {
            Some(known) if known.name == name => applied = applied.max(version),
            Some(known) => return Err(Error::SchemaMismatch { version, recorded: name, expected: known.name }),
            None if version > SCHEMA_VERSION => {
                return Err(Error::SchemaTooNew { found: version, supported: SCHEMA_VERSION });
            }
            None => return Err(Error::SchemaMismatch { version, recorded: name, expected: "(none)" }),
        }
    }
    Ok(MIGRATIONS.iter().find(|m| m.version > applied))
}

/// The wall clock, for `schema_migrations.applied_at` only: everything else gets its time from the
/// caller.
fn unix_millis_now() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
