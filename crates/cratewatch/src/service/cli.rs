//! Command-line arguments of `cratewatch-service`, the program behind `cratewatch serve`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The cratewatch service: run by `cratewatch serve`, which hands over its arguments unread.
#[derive(Debug, Parser)]
#[command(name = "cratewatch", bin_name = "cratewatch", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve the Security tab pages, feeds and JSON API over HTTP.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The advisory database: a directory (a RustSec-format tree, or a directory of OSV JSON records) or
    /// a git URL, cloned into the cache directory and re-synced every --sync-interval. Repeat to merge
    /// several sources, the first one first (e.g. the public database, then a private one).
    #[arg(long, value_name = "PATH_OR_GIT_URL", default_value = "https://github.com/rustsec/advisory-db.git")]
    pub(crate) db: Vec<String>,

    /// The registry index: a directory in the git-index layout (loaded whole at start), a sparse index
    /// URL (`sparse+https://...`, read lazily per crate), or `none`.
    #[arg(long, value_name = "PATH_OR_URL", default_value = "sparse+https://index.crates.io/")]
    pub(crate) index: String,

    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub(crate) listen: std::net::SocketAddr,

    /// How often to re-sync the advisory database (e.g. 30s, 10m, 1h; 0 never).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub(crate) sync_interval: std::time::Duration,

    /// The public URL of the site, used in feeds [default: http://LISTEN].
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,

    /// Where git clones are kept [default: $CRATEWATCH_CACHE_DIR, then $XDG_CACHE_HOME/cratewatch, then
    /// ~/.cache/cratewatch].
    #[arg(long, value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,

    /// Log format on standard error.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,

    /// Log filter (e.g. info, debug, cratewatch_server=debug) [default: $RUST_LOG, then info].
    #[arg(long, value_name = "FILTER")]
    pub(crate) log: Option<String>,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// `30s`, `10m`, `2h`, `1d` or a number of seconds; `0` disables.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration (try 30s, 10m, 1h)"))?;
    let seconds = match unit {
        "" | "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        _ => return Err(format!("unknown unit `{unit}` in `{text}` (use s, m, h or d)")),
    };
    Ok(std::time::Duration::from_secs(seconds))
}
