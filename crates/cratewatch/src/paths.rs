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
        let expanded = match path.strip_prefix("~/") {
            Some(rest) => home().context("`~` in [database] path but HOME is not set")?.join(rest),
            None => PathBuf::from(path),
        };
        return Ok(expanded);
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

/// Where compiled databases are kept.
pub(crate) fn cache_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_owned();
    }
    if let Some(path) = std::env::var_os("CRATEWATCH_CACHE_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    if let Some(path) = std::env::var_os("XDG_CACHE_HOME").filter(|p| !p.is_empty()) {
        return PathBuf::from(path).join("cratewatch");
    }
    match home() {
        Some(home) => home.join(".cache/cratewatch"),
        None => std::env::temp_dir().join("cratewatch-cache"),
    }
}

/// Today's date (UTC), from the system clock.
pub(crate) fn today() -> Date {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    civil_from_days((secs / 86_400) as i64)
}

/// Converts days since 1970-01-01 to a calendar date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    Date::new(year, month, day).expect("civil_from_days yields valid dates")
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn converts_days_to_dates() {
        assert_eq!(civil_from_days(0).to_string(), "1970-01-01");
        assert_eq!(civil_from_days(11_016).to_string(), "2000-02-29");
        assert_eq!(civil_from_days(20_413).to_string(), "2025-11-21");
    }
}
