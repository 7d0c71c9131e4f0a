//! The schema migrations, run when the store opens, with sqlx's migrator.
//!
//! `migrations/sqlite` and `migrations/postgres` are embedded in the program by `sqlx::migrate!`.
//! sqlx records each applied migration in `_sqlx_migrations` with a checksum of its file, so a store
//! migrated from a different file (an edited migration, an incompatible build) is refused, as is one
//! that records a migration this program does not have (a newer program migrated it).
//!
//! Several replicas may start at once. All pending migrations run in one transaction that first
//! takes the database's migration lock (PostgreSQL: a transaction-scoped advisory lock; SQLite: the
//! write lock of `BEGIN IMMEDIATE`, which sqlx's SQLite migrator does not take itself), and only then
//! reads what is applied; sqlx's own per-migration transactions become savepoints inside it. So each
//! migration is applied exactly once, and a crash leaves all of them applied or none.
//!
//! Stores created before sqlx's migrator kept their history in `schema_migrations`; the first open
//! adopts it into `_sqlx_migrations` and leaves a marker row there that older programs read as "a newer
//! schema", so that they refuse the store instead of failing halfway.

use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::{AnyConnection, Row};

use crate::{Backend, Error, Store};

/// The schema version this program brings a database to: the version of its last migration (a test
/// checks that both backends' last migration has this version).
pub const SCHEMA_VERSION: i64 = 1;

/// The key of the PostgreSQL advisory lock held while migrating (the ASCII of "cwstore" and a 1).
const POSTGRES_LOCK_KEY: i64 = 0x6377_7374_6f72_6531;

/// The version of the row left in a legacy `schema_migrations` table once it is adopted. Programs that
/// still read that table refuse a store whose version there is newer than theirs.
const LEGACY_MARKER_VERSION: i64 = 1_000_000;

const OPERATION: &str = "migrate the store";

/// The embedded migrations of `backend`, for a caller that holds the migration lock already: sqlx's
/// PostgreSQL lock is session-wide, which a pooled connection must not keep, and its SQLite lock does
/// nothing.
fn migrator(backend: Backend) -> Migrator {
    let mut migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    migrator.set_locking(false);
    migrator
}

/// Applies the pending migrations, in one transaction that holds the migration lock.
pub(crate) async fn run(store: &Store) -> Result<(), Error> {
    let mut tx = store.begin_write(OPERATION).await?;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(POSTGRES_LOCK_KEY)
            .execute(&mut *tx)
            .await
            .map_err(Error::sql(OPERATION))?;
    }
    let conn: &mut AnyConnection = &mut tx;
    let migrator = migrator(store.backend);
    adopt_legacy_history(conn, store.backend, &migrator).await?;
    conn.ensure_migrations_table().await.map_err(migrate_error)?;
    check_applied(conn, &migrator).await?;
    // `run_direct` is `run` on a connection already at hand; `run` itself, generic over `Acquire`,
    // makes a future that is not `Send` for every lifetime ("not general enough"), which `Store::open`
    // must be.
    migrator.run_direct(conn).await.map_err(migrate_error)?;
    tx.commit().await.map_err(Error::sql(OPERATION))?;
    Ok(())
}

/// Refuses a store that records a migration this program does not have: a newer one
/// ([`Error::SchemaTooNew`]) or an unknown older one ([`Error::SchemaMismatch`]). sqlx would refuse
/// both too, but as one error that does not tell them apart.
async fn check_applied(conn: &mut AnyConnection, migrator: &Migrator) -> Result<(), Error> {
    let applied = conn.list_applied_migrations().await.map_err(migrate_error)?;
    if let Some(newest) = applied.iter().map(|m| m.version).max()
        && newest > SCHEMA_VERSION
    {
        return Err(Error::SchemaTooNew { found: newest, supported: SCHEMA_VERSION });
    }
    match applied.iter().find(|a| !migrator.iter().any(|m| m.version == a.version)) {
        Some(unknown) => Err(Error::SchemaMismatch {
            version: unknown.version,
            reason: "is recorded in the store but unknown to this program",
        }),
        None => Ok(()),
    }
}

/// sqlx's error as the store's: a migration whose file changed since it was applied is a schema
/// mismatch, anything else a failed migration.
fn migrate_error(error: MigrateError) -> Error {
    match error {
        MigrateError::VersionMismatch(version) => Error::SchemaMismatch {
            version,
            reason: "was applied from a different file than this program's (its checksum differs)",
        },
        other => Error::Migrate { source: other },
    }
}

/// Whether the table exists (in the current schema, on PostgreSQL).
async fn table_exists(conn: &mut AnyConnection, backend: Backend, table: &str) -> Result<bool, Error> {
    let sql = match backend {
        Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $1",
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name = $1"
        }
    };
    let row = sqlx::query(sql).bind(table).fetch_one(&mut *conn).await.map_err(Error::sql(OPERATION))?;
    Ok(row.try_get::<i64, _>("n").map_err(Error::sql(OPERATION))? > 0)
}

/// Moves the history of a store migrated by the runner before sqlx's (`schema_migrations`: version,
/// name) into `_sqlx_migrations`, with the checksums of this program's files for the migrations it
/// names, and leaves the marker row. Does nothing once `_sqlx_migrations` exists.
async fn adopt_legacy_history(conn: &mut AnyConnection, backend: Backend, migrator: &Migrator) -> Result<(), Error> {
    if !table_exists(conn, backend, "schema_migrations").await?
        || table_exists(conn, backend, "_sqlx_migrations").await?
    {
        return Ok(());
    }
    let rows = sqlx::query("SELECT version, name FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await
        .map_err(Error::sql(OPERATION))?;
    let mut adopted = Vec::new();
    for row in rows {
        let version: i64 = row.try_get("version").map_err(Error::sql(OPERATION))?;
        let name: String = row.try_get("name").map_err(Error::sql(OPERATION))?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew { found: version, supported: SCHEMA_VERSION });
        }
        match migrator.iter().find(|m| m.version == version) {
            Some(migration) if migration.description == name => adopted.push(migration),
            _ => {
                return Err(Error::SchemaMismatch {
                    version,
                    reason: "is recorded in the store under another name than this program's",
                });
            }
        }
    }
    conn.ensure_migrations_table().await.map_err(migrate_error)?;
    for migration in adopted {
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, $2, TRUE, $3, -1)",
        )
        .bind(migration.version)
        .bind(migration.description.to_string())
        .bind(migration.checksum.to_vec())
        .execute(&mut *conn)
        .await
        .map_err(Error::sql(OPERATION))?;
    }
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
        .bind(LEGACY_MARKER_VERSION)
        .bind("moved to _sqlx_migrations: run a newer cratewatch")
        .bind(0_i64)
        .execute(&mut *conn)
        .await
        .map_err(Error::sql(OPERATION))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migrations_up_to_the_schema_version() {
        let listed =
            |backend| migrator(backend).iter().map(|m| (m.version, m.description.to_string())).collect::<Vec<_>>();
        assert_eq!(listed(Backend::Sqlite), listed(Backend::Postgres));
        assert_eq!(listed(Backend::Sqlite).last().map(|m| m.0), Some(SCHEMA_VERSION));
        assert_eq!(listed(Backend::Sqlite)[0], (1, "initial".to_owned()));
    }
}
