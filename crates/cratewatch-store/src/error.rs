//! The one error type of the store.

use std::convert::Infallible;

/// Why a store operation failed.
///
/// `E` is the error of the closure given to [`Store::apply`](crate::Store::apply), returned unchanged
/// as [`Error::Rejected`]; every other operation uses the default, [`Infallible`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E = Infallible> {
    /// The URL names no database the store can use.
    #[error("cannot open the store at {url}: {reason}")]
    Url {
        /// The URL, without its password.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The database could not be reached or created.
    #[error("cannot open the store at {url}: {source}")]
    Open {
        /// The URL, without its password.
        url: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The migrations failed; the transaction that ran them was rolled back.
    #[error("cannot migrate the store: {source}")]
    Migrate {
        /// sqlx's migrator's error.
        source: sqlx::migrate::MigrateError,
    },
    /// The database was migrated by a newer program: this one must not touch it.
    #[error(
        "cannot open the store: its schema is at version {found}, newer than version {supported}, the \
         latest this program knows; run a newer cratewatch"
    )]
    SchemaTooNew {
        /// The highest migration recorded in the database.
        found: i64,
        /// The highest migration this program has.
        supported: i64,
    },
    /// The database records a migration that this program's migrations do not match: it was migrated
    /// by an incompatible build, or a migration file was edited after it shipped.
    #[error("cannot open the store: migration {version} {reason}")]
    SchemaMismatch {
        /// The migration's version.
        version: i64,
        /// What does not match.
        reason: &'static str,
    },
    /// A query failed.
    #[error("cannot {operation}: {source}")]
    Sql {
        /// What the store was doing, with the id it was working on.
        operation: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// An argument was refused before anything was written.
    #[error("cannot {operation}: {reason}")]
    Invalid {
        /// What the store was asked to do.
        operation: String,
        /// What is wrong with the argument.
        reason: String,
    },
    /// A stored value could not be read back (for example a JSON column that is not JSON).
    #[error("cannot {operation}: {detail}")]
    Corrupt {
        /// What the store was doing.
        operation: String,
        /// What is wrong with the stored value.
        detail: String,
    },
    /// The operating system gave no random bytes for a new secret.
    #[error("cannot generate a new {what}: {source}")]
    Random {
        /// The kind of secret.
        what: &'static str,
        /// The operating system's error.
        source: getrandom::Error,
    },
    /// [`Store::apply`](crate::Store::apply) was given the id of no report.
    #[error("cannot apply a change to report {id}: there is no such report")]
    ReportNotFound {
        /// The id that was given.
        id: i64,
    },
    /// [`Store::apply_with`](crate::Store::apply_with) expected another version of the report: someone
    /// changed it since the caller read it (a form submitted from a stale page).
    #[error("cannot apply a change to report {id}: it is at version {actual}, not {expected}; reload it and try again")]
    StaleVersion {
        /// The report's id.
        id: i64,
        /// The version the caller expected.
        expected: i64,
        /// The version stored.
        actual: i64,
    },
    /// The closure given to [`Store::apply`](crate::Store::apply) refused the change; nothing was written.
    #[error("{0}")]
    Rejected(E),
}

impl<E> Error<E> {
    /// An [`Error::Sql`] for `operation`, for `map_err`.
    pub(crate) fn sql(operation: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Self {
        let operation = operation.into();
        move |source| Error::Sql { operation, source }
    }

    /// An [`Error::Corrupt`] for `operation`.
    pub(crate) fn corrupt(operation: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Corrupt { operation: operation.into(), detail: detail.into() }
    }
}
