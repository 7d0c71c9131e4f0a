//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Security advisories for Cargo registries.
#[derive(Debug, Parser)]
#[command(name = "cratewatch", version, about, long_about = None)]
#[command(after_help = "Exit codes: 0 clean, 1 findings, 2 error.")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Audit a Cargo.lock for crates with security advisories.
    Audit(AuditArgs),
    /// Serve the Security tab pages, feeds and JSON API over HTTP.
    Serve(ServeArgs),
    /// OSV (the format osv.dev and osv-scanner speak).
    Osv {
        #[command(subcommand)]
        command: OsvCommand,
    },
    /// Work with an advisory database.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum OsvCommand {
    /// Write every crate advisory as an OSV record, `DIR/crates/<ID>.json`, as RustSec's export does.
    Export(OsvExportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct OsvExportArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,

    /// The output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Check every advisory file and list problems (exit 1 if there are any).
    Check(DbCheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The advisory database: a directory (a clone or a plain tree) or a git URL, cloned into the cache
    /// directory and re-synced every --sync-interval.
    #[arg(long, value_name = "PATH_OR_GIT_URL", default_value = "https://github.com/rustsec/advisory-db.git")]
    pub(crate) db: String,

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

/// Where the advisory database is.
#[derive(Debug, Args)]
pub(crate) struct DbArgs {
    /// The advisory database directory.
    #[arg(
        long,
        value_name = "PATH",
        help = "Advisory database directory (a clone of the RustSec advisory-db) [default: $CRATEWATCH_DB, then \
                (for audit) the config file's [database] path, then ~/.cargo/advisory-db]"
    )]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// The lockfile to audit.
    #[arg(long, short = 'f', value_name = "PATH", default_value = "Cargo.lock")]
    pub(crate) file: PathBuf,

    #[command(flatten)]
    pub(crate) db: DbArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,

    /// Same as --format json (cargo-audit's JSON shape).
    #[arg(long, conflicts_with = "format")]
    pub(crate) json: bool,

    /// Fail (exit 1) on warnings of this kind too; repeatable.
    #[arg(long, short = 'D', value_enum, value_name = "KIND")]
    pub(crate) deny: Vec<DenyArg>,

    /// Ignore an advisory id (or alias); repeatable.
    #[arg(long, value_name = "ID")]
    pub(crate) ignore: Vec<String>,

    /// Audit configuration file [default: .cargo/audit.toml beside the lockfile, then $CARGO_HOME/audit.toml]
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,

    /// Do not read any configuration file.
    #[arg(long)]
    pub(crate) no_config: bool,

    /// Only report advisories that apply to this target OS (e.g. linux, windows); repeatable.
    #[arg(long, value_name = "OS")]
    pub(crate) target_os: Vec<String>,

    /// Only report advisories that apply to this target architecture (e.g. x86_64); repeatable.
    #[arg(long, value_name = "ARCH")]
    pub(crate) target_arch: Vec<String>,

    /// A registry index directory (git-index layout): reports yanked versions and picks fixes among
    /// published versions.
    #[arg(long, value_name = "PATH")]
    pub(crate) index: Option<PathBuf>,

    /// Where the compiled advisory database is kept [default: $CRATEWATCH_CACHE_DIR, $XDG_CACHE_HOME/cratewatch or ~/.cache/cratewatch]
    #[arg(long, value_name = "PATH")]
    pub(crate) cache_dir: Option<PathBuf>,

    /// Only print findings (no summary line on standard error).
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,

    /// Colour: auto (when printing to a terminal and NO_COLOR is unset), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Args)]
pub(crate) struct DbCheckArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub(crate) format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Readable blocks, one per finding.
    Human,
    /// cargo-audit's JSON report shape, with cratewatch's additions.
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    /// `path:line: severity[code]: message` lines.
    Human,
    /// A JSON array of diagnostics.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DenyArg {
    /// Any warning.
    Warnings,
    /// Unmaintained crates.
    Unmaintained,
    /// Unsound code.
    Unsound,
    /// Notices.
    Notice,
    /// Yanked versions (needs --index).
    Yanked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour on a terminal unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}
