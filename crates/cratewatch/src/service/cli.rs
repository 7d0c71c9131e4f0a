//! Command-line arguments of `cratewatch-service`, the program behind `cratewatch serve`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::parse_duration;

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
    Serve(Box<ServeArgs>),
    /// Resolve every version of a registry index as Cargo would, and show whom each advisory reaches.
    Reach(ReachArgs),
    /// Manage the users of the disclosure workflow and their API tokens.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

/// The store shared by `serve` and `user`.
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// The disclosure workflow's database: `sqlite:PATH` (created and migrated at start) or
    /// `postgres://USER@HOST/DB` for several replicas [default: $CRATEWATCH_DATABASE_URL, then
    /// sqlite:$XDG_DATA_HOME/cratewatch/cratewatch.db, then sqlite:~/.local/share/cratewatch/cratewatch.db].
    #[arg(long, value_name = "URL")]
    pub(crate) database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create a user and print their first API token (shown once; only its hash is stored).
    Add {
        /// The user's name (used to sign in, with the token).
        name: String,
        /// What the user may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// What the token allows: `read`, `write` (repeat for both) [default: read and write].
        #[arg(long = "scope", value_name = "SCOPE", value_parser = ["read", "write"])]
        scopes: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the users.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print a new API token for a user (shown once).
    Token {
        /// The user's name.
        name: String,
        /// What the token allows: `read`, `write` (repeat for both) [default: read and write].
        #[arg(long = "scope", value_name = "SCOPE", value_parser = ["read", "write"])]
        scopes: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke one API token, by the id `user list` shows.
    Revoke {
        /// The token's id.
        token_id: i64,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Disable a user: their tokens and sessions stop working at once.
    Disable {
        /// The user's name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// The workflow's roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum RoleArg {
    /// Handles the reports assigned to them.
    Responder,
    /// Sees every report, assigns, publishes.
    Coordinator,
    /// Everything, and user management.
    Admin,
}

impl RoleArg {
    pub(crate) fn role(self) -> cratewatch_disclosure::Role {
        match self {
            RoleArg::Responder => cratewatch_disclosure::Role::Responder,
            RoleArg::Coordinator => cratewatch_disclosure::Role::Coordinator,
            RoleArg::Admin => cratewatch_disclosure::Role::Admin,
        }
    }
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
    /// Do not compute ecosystem reach. With an index directory, the server resolves every version of
    /// the registry in the background at start (seconds, and about a gigabyte of memory for the whole
    /// registry) to serve the Dependencies tabs, the advisories' Reach sections, `/ecosystem` and the
    /// reach API; this turns that off.
    #[arg(long)]
    pub(crate) no_reach: bool,

    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub(crate) listen: std::net::SocketAddr,

    /// A second address serving `/metrics` alone, for Prometheus (e.g. 127.0.0.1:9184). The metrics
    /// count requests to the workflow's routes, which shows disclosure activity: they are not served on
    /// the main address unless --metrics-token-file is given.
    #[arg(long, value_name = "ADDR")]
    pub(crate) metrics_listen: Option<std::net::SocketAddr>,

    /// A file holding a secret token: `/metrics` on the main address then answers requests with
    /// `Authorization: Bearer TOKEN` (and 401 to others).
    #[arg(long, value_name = "PATH")]
    pub(crate) metrics_token_file: Option<PathBuf>,

    /// The most connections served at once; more wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub(crate) max_connections: usize,

    /// How long a client may take to send a request's headers, and how long a keep-alive connection
    /// may stay idle, before it is disconnected.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub(crate) header_timeout: std::time::Duration,

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

    #[command(flatten)]
    pub(crate) store: StoreArgs,

    /// Serve the public pages and APIs only: no private reports, no store.
    #[arg(long)]
    pub(crate) no_disclosure: bool,

    /// A reverse proxy in front of the service (repeat for several): for requests from it, the client
    /// is the right-most `X-Forwarded-For` address that is not a trusted proxy. Without this, the
    /// report form's per-address limit counts every client of a proxy as one.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub(crate) trusted_proxies: Vec<std::net::IpAddr>,

    /// The SMTP relay for notifications, HOST:PORT (plain SMTP, e.g. a local Postfix). Without it,
    /// notifications wait in the outbox, visible on each report, until one is configured.
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) smtp: Option<String>,

    /// The sender of notifications.
    #[arg(long, value_name = "ADDRESS", default_value = "cratewatch <security@localhost>")]
    pub(crate) mail_from: String,

    /// Where escalations of overdue deadlines go (repeat for several).
    #[arg(long = "coordinator-email", value_name = "ADDRESS")]
    pub(crate) coordinator_emails: Vec<String>,

    /// Where pre-notifications and announcements go, e.g. a distributions list (repeat for several).
    #[arg(long = "distribution-email", value_name = "ADDRESS")]
    pub(crate) distribution_emails: Vec<String>,

    /// How often the workflow's scheduler runs: embargo ends, pre-notifications, escalations, mail.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub(crate) tick_interval: std::time::Duration,

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

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 done, 2 error (a bad index or database path, an unknown advisory, crate or version)."
)]
pub(crate) struct ReachArgs {
    /// Advisory database directory: a clone of the RustSec advisory-db or another RustSec-format tree;
    /// repeat to merge several, first ones first [default: $CRATEWATCH_DB, then ~/.cargo/advisory-db].
    #[arg(long, value_name = "PATH")]
    pub(crate) db: Vec<PathBuf>,

    /// The registry index: a directory in the git-index layout.
    #[arg(long, value_name = "DIR")]
    pub(crate) index: PathBuf,

    /// Show the versions this advisory reaches, with depth, path and fix; repeatable.
    #[arg(long, value_name = "ID")]
    pub(crate) advisory: Vec<String>,

    /// Show one crate's version (its newest release without @VERSION): its resolved dependencies and
    /// the advisories reaching it.
    #[arg(long = "crate", value_name = "NAME[@VERSION]")]
    pub(crate) krate: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReachFormat::Human)]
    pub(crate) format: ReachFormat,

    /// Write the output to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,

    /// Also write the resolved graph and the exposure table as Parquet files into this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) parquet: Option<PathBuf>,

    /// Print nothing on standard error but errors (no progress, no summary).
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReachFormat {
    /// Readable tables and blocks.
    Human,
    /// One JSON document.
    Json,
    /// Comma-separated values, one row per advisory (or per finding with --advisory, per package with
    /// --crate).
    Csv,
}
