//! `cratewatch serve` (run as `cratewatch-service serve`): picks the database and index sources from the arguments, sets up logging and
//! runs the server until Ctrl-C or SIGTERM.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use cratewatch_db::GitMirror;
use cratewatch_disclosure::SystemClock;
use cratewatch_index::{CrateSource, IndexSnapshot, SparseIndex, SparseOptions};
use cratewatch_server::{DbSource, DisclosureSetup, MetricsAccess, NoIndex, ServeConfig, Settings};
use cratewatch_workflow::{DisclosureConfig, Mailer, NoMailer, SmtpMailer};

use crate::cli::{LogFormat, ServeArgs};

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format, args.log.as_deref())?;
    let cache_dir = args.cache_dir.clone().unwrap_or_else(cratewatch_db::default_cache_dir);
    let mut dbs = args.db.iter().map(|db| db_source(db, &cache_dir)).collect::<anyhow::Result<Vec<_>>>()?;
    let db = dbs.remove(0);
    let (index, snapshot) = index_source(&args.index)?;
    let reach = if args.no_reach {
        None
    } else {
        if snapshot.is_none() {
            tracing::info!("ecosystem reach is off: it needs an index directory (--index DIR), loaded whole");
        }
        snapshot
    };
    let settings = Settings {
        base_url: args
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.listen))
            .trim_end_matches('/')
            .to_owned(),
        trusted_proxies: args.trusted_proxies.clone(),
        metrics: match &args.metrics_token_file {
            Some(path) => {
                let token = std::fs::read_to_string(path)
                    .with_context(|| format!("--metrics-token-file {}", path.display()))?
                    .trim()
                    .to_owned();
                if token.len() < 16 {
                    bail!("--metrics-token-file {}: the token must be at least 16 characters", path.display());
                }
                MetricsAccess::Token(token)
            }
            None => MetricsAccess::Hidden,
        },
        max_connections: args.max_connections.max(1),
        header_timeout: if args.header_timeout.is_zero() {
            std::time::Duration::from_secs(10)
        } else {
            args.header_timeout
        },
        ..Settings::default()
    };
    let disclosure = if args.no_disclosure {
        None
    } else {
        let database_url = crate::user::database_url(&args.store)?;
        tracing::info!(%database_url, "disclosure workflow on");
        let mailer: Arc<dyn Mailer> = match &args.smtp {
            Some(relay) => {
                let (host, port) = relay
                    .rsplit_once(':')
                    .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
                    .with_context(|| format!("--smtp {relay}: expected HOST:PORT"))?;
                Arc::new(SmtpMailer::new(host, port, &args.mail_from).context("--mail-from")?)
            }
            None => Arc::new(NoMailer),
        };
        Some(DisclosureSetup {
            database_url,
            mailer,
            clock: Arc::new(SystemClock),
            config: DisclosureConfig {
                coordinators: args.coordinator_emails.clone(),
                distribution: args.distribution_emails.clone(),
                base_url: settings.base_url.clone(),
            },
            tick_interval: if args.tick_interval.is_zero() {
                std::time::Duration::from_secs(30)
            } else {
                args.tick_interval
            },
        })
    };
    let config = ServeConfig {
        listen: args.listen,
        db,
        extra_dbs: dbs,
        index,
        reach,
        sync_interval: (!args.sync_interval.is_zero()).then_some(args.sync_interval),
        settings,
        metrics_listen: args.metrics_listen,
        disclosure,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    runtime
        .block_on(cratewatch_server::serve(config, std::future::pending(), |address, _| {
            eprintln!("cratewatch: serving on http://{address}/ (Ctrl-C to stop)");
        }))
        .map_err(anyhow::Error::msg)?;
    Ok(ExitCode::SUCCESS)
}

fn db_source(text: &str, cache_dir: &Path) -> anyhow::Result<DbSource> {
    let path = Path::new(text);
    if path.is_dir() {
        return Ok(DbSource::Path(path.to_owned()));
    }
    if text.contains("://") || text.starts_with("git@") {
        return Ok(DbSource::Git(Arc::new(GitMirror::new(text, cache_dir.join("git")))));
    }
    bail!("--db {text}: no such directory (give an advisory database directory or a git URL)")
}

/// The index to serve versions from, and the same index when it is loaded whole (what reach needs).
type IndexSources = (Arc<dyn CrateSource>, Option<Arc<IndexSnapshot>>);

/// The index `--index` names.
fn index_source(text: &str) -> anyhow::Result<IndexSources> {
    if text == "none" {
        return Ok((Arc::new(NoIndex), None));
    }
    let path = Path::new(text);
    if path.is_dir() {
        let started = std::time::Instant::now();
        let snapshot = IndexSnapshot::load(path).with_context(|| format!("--index {text}"))?;
        tracing::info!(
            crates = snapshot.crate_count(),
            versions = snapshot.version_count(),
            diagnostics = snapshot.diagnostics().len(),
            millis = started.elapsed().as_millis() as u64,
            "registry index loaded"
        );
        const SHOWN: usize = 20;
        for d in snapshot.diagnostics().iter().take(SHOWN) {
            tracing::warn!("{d}");
        }
        if let Some(more) = snapshot.diagnostics().len().checked_sub(SHOWN).filter(|n| *n > 0) {
            tracing::warn!("and {more} more index diagnostics; `cratewatch db check --index {text}` lists them all");
        }
        let snapshot = Arc::new(snapshot);
        return Ok((Arc::clone(&snapshot) as Arc<dyn CrateSource>, Some(snapshot)));
    }
    if text.contains("://") {
        let sparse = SparseIndex::open(text, SparseOptions::default()).with_context(|| format!("--index {text}"))?;
        return Ok((Arc::new(sparse), None));
    }
    bail!("--index {text}: no such directory (give an index directory, a sparse+https:// URL or `none`)")
}

fn init_logging(format: LogFormat, filter: Option<&str>) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = match filter {
        Some(f) => EnvFilter::try_new(f).with_context(|| format!("invalid --log filter `{f}`"))?,
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    Ok(())
}
