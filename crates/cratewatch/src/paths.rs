//! Default locations and today's date: the environment the CLI reads.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use cratewatch_advisory::Date;

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
}

pub(crate) fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".cargo")))
}

/// The local advisory databases of an audit: every `--db`, else `$CRATEWATCH_DB`, else the config
/// file's `[database] path`. `None`: there is none, and the audit fetches its own copy.
pub(crate) fn local_advisory_dbs(
    explicit: &[PathBuf],
    from_config: Option<&str>,
) -> anyhow::Result<Option<Vec<PathBuf>>> {
    if !explicit.is_empty() {
        return Ok(Some(explicit.to_vec()));
    }
    if let Some(path) = std::env::var_os("CRATEWATCH_DB").filter(|p| !p.is_empty()) {
        return Ok(Some(vec![PathBuf::from(path)]));
    }
    match from_config {
        Some(path) => Ok(Some(vec![expand_home(path)?])),
        None => Ok(None),
    }
}

/// The advisory databases of the commands that never fetch (`db check`, `reach`): every `--db`, else one
/// of `$CRATEWATCH_DB`, the config file's path, or the location cargo-audit uses.
pub(crate) fn advisory_dbs(explicit: &[PathBuf], from_config: Option<&str>) -> anyhow::Result<Vec<PathBuf>> {
    if !explicit.is_empty() {
        return Ok(explicit.to_vec());
    }
    advisory_db(None, from_config).map(|path| vec![path])
}

/// `~/...` under `$HOME`.
fn expand_home(path: &str) -> anyhow::Result<PathBuf> {
    Ok(match path.strip_prefix("~/") {
        Some(rest) => home().context("`~` in [database] path but HOME is not set")?.join(rest),
        None => PathBuf::from(path),
    })
}

/// The advisory database: `--db`, then `$CRATEWATCH_DB`, then the config file's path, then the
/// location cargo-audit uses.
pub(crate) fn advisory_db(explicit: Option<&Path>, from_config: Option<&str>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    if let Some(path) = std::env::var_os("CRATEWATCH_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    if let Some(path) = from_config {
        return expand_home(path);
    }
    let default = cargo_home().map(|c| c.join("advisory-db"));
    match default {
        Some(path) if path.is_dir() => Ok(path),
        Some(path) => bail!(
            "no advisory database at {}: pass --db PATH (a clone of https://github.com/rustsec/advisory-db)",
            path.display()
        ),
        None => bail!("no advisory database: pass --db PATH (a clone of https://github.com/rustsec/advisory-db)"),
    }
}

/// Where compiled databases are kept: `--cache-dir`, then cratewatch's default.
pub(crate) fn cache_dir(explicit: Option<&Path>) -> PathBuf {
    explicit.map_or_else(cratewatch_db::default_cache_dir, Path::to_owned)
}

/// Today's date (UTC), from the system clock.
pub(crate) fn today() -> Date {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    date_of(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The UTC date of a Unix time, through the calendar arithmetic of `cratewatch_db::Timestamp`.
fn date_of(unix_seconds: i64) -> Date {
    let stamp = cratewatch_db::Timestamp::from_unix_seconds(unix_seconds).expect("a clock within years 0000-9999");
    stamp.to_string()[..10].parse().expect("RFC 3339 text starts with the date")
}

#[cfg(test)]
mod tests {
    use super::date_of;

    #[test]
    fn converts_unix_time_to_dates() {
        assert_eq!(date_of(0).to_string(), "1970-01-01");
        assert_eq!(date_of(11_016 * 86_400 + 86_399).to_string(), "2000-02-29");
        assert_eq!(date_of(20_413 * 86_400).to_string(), "2025-11-21");
    }
}
