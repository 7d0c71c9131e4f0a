//! Opening the store: the URL, the pool, the SQLite settings, and the transactions every write uses.

use std::path::Path;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};

use crate::{Error, migrate};

/// Which database the store is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// An embedded SQLite file: the default, for a single server.
    Sqlite,
    /// A PostgreSQL server: for several server replicas sharing one store.
    Postgres,
}

impl Backend {
    /// The backend a URL names, if any.
    fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Set on every SQLite connection: wait up to 30 seconds for another writer before giving up, and
/// enforce foreign keys (sqlx does by default; this says so).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;";
/// The size of the connection pool. SQLite has one writer at a time anyway; its readers run beside it.
const SQLITE_MAX_CONNECTIONS: u32 = 8;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;

/// The disclosure workflow's database: a pool of connections, cheap to clone (clones share the pool).
///
/// Every method is one transaction or one statement, so that a crash leaves each change either done
/// or not done.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
}

impl Store {
    /// Opens the store at `url`, creating the database file (SQLite) and bringing the schema up to date.
    ///
    /// `url` is `sqlite:PATH` or `sqlite://PATH` (the file and its directory are created if missing,
    /// unless the URL sets its own `mode=`), or `postgres://USER@HOST:PORT/DATABASE` (the database
    /// must exist; an unreachable server is retried for 30 seconds, for replicas that start before
    /// it). SQLite files are put in WAL mode, with foreign keys enforced and a 30-second busy timeout.
    /// In-memory SQLite databases are refused: each pooled connection would see a database of its own.
    ///
    /// Several processes may open the same database at once: the migrations run one at a time. A
    /// database whose schema is newer than this program's is refused ([`Error::SchemaTooNew`]).
    pub async fn open(url: &str) -> Result<Store, Error> {
        sqlx::any::install_default_drivers();
        let shown = redact(url);
        let Some(backend) = Backend::of_url(url) else {
            return Err(Error::Url { url: shown, reason: "expected sqlite:PATH or postgres://..." });
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url).map_err(|reason| Error::Url { url: shown.clone(), reason })?,
            Backend::Postgres => url.to_owned(),
        };
        let open_error = |source| Error::Open { url: shown.clone(), source };
        let options = match backend {
            Backend::Sqlite => {
                let options: sqlx::sqlite::SqliteConnectOptions = url.parse().map_err(open_error)?;
                secure_sqlite_files(options.get_filename(), creates_file(&url))
                    .map_err(|error| open_error(sqlx::Error::Io(error)))?;
                set_wal(&url).await.map_err(open_error)?;
                AnyPoolOptions::new().max_connections(SQLITE_MAX_CONNECTIONS).after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(SQLITE_PRAGMAS).await?;
                        Ok(())
                    })
                })
            }
            Backend::Postgres => AnyPoolOptions::new().max_connections(POSTGRES_MAX_CONNECTIONS),
        };
        let pool = options.connect(&url).await.map_err(open_error)?;
        let store = Store { pool, backend };
        if let Err(error) = migrate::run(&store).await {
            store.close().await;
            return Err(error);
        }
        Ok(store)
    }

    /// The database the store is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection, waiting for the ones in use to be returned. Clones of this store can
    /// no longer be used afterwards.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that it never fails halfway for want of a lock it could not upgrade to,
    /// and so that it runs alone among writers: that is the row lock of SQLite.
    pub(crate) async fn begin_write<E>(&self, operation: &str) -> Result<Transaction<'static, Any>, Error<E>> {
        let begun = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        begun.map_err(Error::sql(operation))
    }
}

/// `url` with `mode=rwc` added when it sets no mode, so that the file is created if missing. In-memory
/// databases are refused.
fn sqlite_url(url: &str) -> Result<String, &'static str> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = path.trim_start_matches("sqlite:").trim_start_matches("//");
    let memory = path.is_empty() || path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory");
    if memory {
        return Err(
            "in-memory SQLite databases are not supported (each connection would see its own); give a file path",
        );
    }
    if query.split('&').any(|pair| pair.starts_with("mode=")) {
        Ok(url.to_owned())
    } else if query.is_empty() {
        Ok(format!("{url}?mode=rwc"))
    } else {
        Ok(format!("{url}&mode=rwc"))
    }
}

/// Whether opening the URL creates a missing database file (`mode=rwc`, which [`sqlite_url`] adds
/// when the URL sets no mode).
fn creates_file(url: &str) -> bool {
    url.split_once('?').is_some_and(|(_, query)| query.split('&').any(|pair| pair == "mode=rwc"))
}

/// The SQLite store holds embargoed reports and reporters' addresses, so its files are for the
/// service's user alone. A missing directory is created owner-only (0700) and a missing database file
/// owner-only (0600) before SQLite opens it; SQLite gives the `-wal`, `-shm` and `-journal` files it
/// creates the database file's mode. Files already there that others may read (a store created by an
/// older cratewatch, or by hand) are tightened to the owner's bits, with a warning in the log; one that
/// cannot be tightened (another user's) gets a warning only.
fn secure_sqlite_files(path: &Path, create: bool) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent)?;
    }
    if create {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm", "-journal"] {
        use std::os::unix::fs::PermissionsExt;
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let file = Path::new(&file);
        let Ok(meta) = std::fs::metadata(file) else { continue };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 == 0 {
            continue;
        }
        let tightened = mode & 0o700;
        match std::fs::set_permissions(file, std::fs::Permissions::from_mode(tightened)) {
            Ok(()) => tracing::warn!(
                path = %file.display(),
                "the disclosure store was readable by other users (mode {mode:o}); its mode is now {tightened:o}"
            ),
            Err(error) => tracing::warn!(
                path = %file.display(),
                %error,
                "the disclosure store is readable by other users (mode {mode:o}) and its mode cannot be changed; \
                 run `chmod 600` on it"
            ),
        }
    }
    Ok(())
}

/// Puts a SQLite database in WAL mode, a setting kept in the file. Switching needs an exclusive lock,
/// which the busy timeout does not wait for, so when several processes create the database at once
/// the switch is retried for a while.
async fn set_wal(url: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let mut tries = 0;
    let result = loop {
        match conn.execute("PRAGMA journal_mode = WAL").await {
            Err(error) if tries < 300 && is_busy(&error) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            other => break other.map(drop),
        }
    };
    conn.close().await?;
    result
}

/// Whether a SQLite error is `SQLITE_BUSY` or `SQLITE_LOCKED`.
fn is_busy(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(error) => {
            // Extended result codes keep the primary code in their low byte: SQLITE_BUSY is 5,
            // SQLITE_LOCKED 6.
            let code = error.code().and_then(|code| code.parse::<i64>().ok());
            matches!(code.map(|code| code & 0xff), Some(5 | 6))
        }
        _ => false,
    }
}

/// `url` without the password, for error messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact, sqlite_url};

    #[test]
    fn sqlite_urls_create_the_file_unless_they_set_a_mode() {
        assert_eq!(sqlite_url("sqlite:data/cw.db").unwrap(), "sqlite:data/cw.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite:///tmp/cw.db").unwrap(), "sqlite:///tmp/cw.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite://cw.db?cache=shared").unwrap(), "sqlite://cw.db?cache=shared&mode=rwc");
        assert_eq!(sqlite_url("sqlite://cw.db?mode=rw").unwrap(), "sqlite://cw.db?mode=rw");
        assert!(sqlite_url("sqlite::memory:").is_err());
        assert!(sqlite_url("sqlite://cw.db?mode=memory").is_err());
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redact("postgres://cw:hunter2@db:5432/cw"), "postgres://cw:***@db:5432/cw");
        assert_eq!(redact("postgres://cw@db/cw"), "postgres://cw@db/cw");
        assert_eq!(redact("sqlite:cw.db"), "sqlite:cw.db");
    }
}
