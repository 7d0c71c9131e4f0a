//! Command-line arguments.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::parse_duration;

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
    Audit(Box<AuditArgs>),
    /// Serve the Security tab pages, feeds and JSON API over HTTP (see `cratewatch serve --help`).
    #[command(disable_help_flag = true)]
    Serve(ForwardArgs),
    /// Manage the disclosure workflow's users and API tokens (see `cratewatch user --help`).
    #[command(disable_help_flag = true)]
    User(ForwardArgs),
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
    /// Resolve every version of a registry index as Cargo would, and show whom each advisory reaches (see
    /// `cratewatch reach --help`).
    #[command(disable_help_flag = true)]
    Reach(ForwardArgs),
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
    /// Check every advisory file (or, with --index, a registry index) and list problems (exit 1 if there are any).
    Check(DbCheckArgs),
}

/// Arguments handed unread to `cratewatch-service`, which parses them (and answers `--help`).
#[derive(Debug, Args)]
pub(crate) struct ForwardArgs {
    /// Options of the subcommand (see `cratewatch serve --help`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "OPTIONS")]
    pub(crate) args: Vec<std::ffi::OsString>,
}

/// Where the advisory database is.
#[derive(Debug, Args)]
pub(crate) struct DbArgs {
    /// The advisory database directory.
    #[arg(
        long,
        value_name = "PATH",
        help = "Advisory database directory: a clone of the RustSec advisory-db, another RustSec-format tree, \
                or (for audit and db check) a directory of OSV JSON records; repeat to merge several, first \
                ones first [default: $CRATEWATCH_DB, then (for audit) the config file's [database] path; then audit \
                fetches its own copy into the cache (see --db-url), and the other commands read ~/.cargo/advisory-db]"
    )]
    pub(crate) db: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// The lockfile to audit.
    #[arg(long, short = 'f', value_name = "PATH", default_value = "Cargo.lock")]
    pub(crate) file: PathBuf,

    #[command(flatten)]
    pub(crate) db: DbArgs,

    /// The git repository to fetch the advisory database from when no local database is given (any URL
    /// git takes, `file://` included) (default: `[database] url` of the config file, then
    /// `https://github.com/rustsec/advisory-db.git`)
    #[arg(long, value_name = "URL", conflicts_with = "db")]
    pub(crate) db_url: Option<String>,

    /// Fetch the advisory database again when its last fetch is older than this (30s, 10m, 1h, 2d; 0
    /// fetches every time).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub(crate) max_age: std::time::Duration,

    /// Never fetch the advisory database: use the copy already in the cache.
    #[arg(long)]
    pub(crate) no_fetch: bool,

    /// Audit against a cratewatch server (its POST /api/v1/audit/advisories) instead of a local database:
    /// the same report, with nothing cloned.
    #[arg(long, value_name = "URL", conflicts_with_all = ["db", "db_url", "no_fetch"])]
    pub(crate) server: Option<String>,

    /// Output format (default: human, or `[output] format` of the config file).
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,

    /// Same as --format json (cargo-audit's JSON shape).
    #[arg(long, conflicts_with = "format")]
    pub(crate) json: bool,

    /// Fail (exit 1) on warnings of this kind too, or on findings in locked-only packages; repeatable.
    #[arg(long, short = 'D', value_enum, value_name = "KIND")]
    pub(crate) deny: Vec<DenyArg>,

    /// Ignore an advisory id (or alias); repeatable.
    #[arg(long, value_name = "ID")]
    pub(crate) ignore: Vec<String>,

    /// cargo-audit's configuration file [default: .cargo/audit.toml beside the lockfile, then ./.cargo/audit.toml, then $CARGO_HOME/audit.toml]
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,

    /// Read no configuration file (neither .cargo/audit.toml, deny.toml nor the manifest's
    /// [workspace.metadata.cratewatch]).
    #[arg(long)]
    pub(crate) no_config: bool,

    /// Only report advisories that apply to this target OS (e.g. linux, windows); repeatable.
    #[arg(long, value_name = "OS")]
    pub(crate) target_os: Vec<String>,

    /// Only report advisories that apply to this target architecture (e.g. x86_64); repeatable.
    #[arg(long, value_name = "ARCH")]
    pub(crate) target_arch: Vec<String>,

    /// A registry index: a directory in the git-index layout, or a sparse index URL
    /// (sparse+https://...). Reports yanked versions, picks fixes among published versions, and tells
    /// for each finding whether `cargo update -p` fixes it or whose manifest blocks the fix.
    #[arg(long, value_name = "PATH_OR_URL")]
    pub(crate) index: Option<String>,

    /// The Cargo.toml whose build decides which locked packages are built [default: the Cargo.toml
    /// beside the lockfile, if any].
    #[arg(long, value_name = "PATH")]
    pub(crate) manifest_path: Option<PathBuf>,

    /// Features to activate when telling built packages from locked-only ones (as cargo's --features);
    /// repeatable, space- or comma-separated.
    #[arg(long, short = 'F', value_name = "FEATURES")]
    pub(crate) features: Vec<String>,

    /// Activate all features when telling built packages from locked-only ones.
    #[arg(long)]
    pub(crate) all_features: bool,

    /// Do not activate the default features when telling built packages from locked-only ones.
    #[arg(long)]
    pub(crate) no_default_features: bool,

    /// Only count as built what is built for this target triple (e.g. x86_64-unknown-linux-gnu);
    /// repeatable [default: every platform].
    #[arg(long, value_name = "TRIPLE")]
    pub(crate) target: Vec<String>,

    /// Where the compiled advisory database and fetched databases are kept [default: $CRATEWATCH_CACHE_DIR, $XDG_CACHE_HOME/cratewatch or ~/.cache/cratewatch]
    #[arg(long, value_name = "PATH")]
    pub(crate) cache_dir: Option<PathBuf>,

    /// Only print findings (no fetch or cache notes, no summary line on standard error).
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

    /// Check a registry index directory (git-index layout) and list every problem of its files; the
    /// advisory database is then checked only if --db is given too.
    #[arg(long, value_name = "DIR")]
    pub(crate) index: Option<PathBuf>,
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
    /// Findings in packages that are locked but not built (with a Cargo.toml beside the lockfile).
    LockedOnly,
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

impl ColorChoice {
    /// Whether to colour standard output.
    pub(crate) fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
            }
        }
    }
}
