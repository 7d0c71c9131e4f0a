//! `cratewatch audit`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use anyhow::{Context, bail};
use cratewatch_advisory::Advisory;
use cratewatch_audit::{AuditConfig, AuditSettings, Deny, IgnoreRule, Lockfile, PublishedVersions, audit};
use cratewatch_db::{CacheStatus, CompiledDb};
use cratewatch_index::IndexDir;

use crate::cli::{AuditArgs, DenyArg, Format};
use crate::output::{Stdout, note, use_color};
use crate::paths;
use crate::render::{self, Context as RenderContext};

pub(crate) fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let timings = Timings::from_env();
    let config_path = config_path(&args);
    let config = match &config_path {
        None => AuditConfig::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            AuditConfig::parse(&text).with_context(|| format!("invalid audit configuration {}", path.display()))?
        }
    };
    let db_paths = paths::advisory_dbs(&args.db.db, config.database_path.as_deref())?;
    let cache_dir = paths::cache_dir(args.cache_dir.as_deref());
    let lock_text = read_lockfile(&args.file)?;
    let index = args.index.as_deref().map(IndexDir::open).transpose().context("cannot open the registry index")?;
    let format = if args.json { Format::Json } else { args.format };

    let settings = settings(&args, &config)?;
    let mut deny: Vec<Deny> = config.deny.clone();
    deny.extend(args.deny.iter().map(|d| match d {
        DenyArg::Warnings => Deny::Warnings,
        DenyArg::Unmaintained => Deny::Unmaintained,
        DenyArg::Unsound => Deny::Unsound,
        DenyArg::Notice => Deny::Notice,
        DenyArg::Yanked => Deny::Yanked,
    }));
    if deny.contains(&Deny::Yanked) && index.is_none() {
        bail!("--deny yanked needs --index PATH to know which versions are yanked");
    }

    // Everything that needs the advisories (parse, lookup, audit, render) runs while the cache's
    // freshness is verified on another thread; the output is written only once the cache is known to be
    // fresh (or was rebuilt and the work redone). A cache found damaged during the lookup removes itself;
    // one more try then rebuilds it.
    timings.mark("read configuration and lockfile");
    let parsed: OnceLock<Result<Lockfile, String>> = OnceLock::new();
    let published = index.as_ref().map(IndexVersions);
    let color = format == Format::Human && use_color(args.color);
    let mut attempt = 0;
    let (db, outcome) = loop {
        let (db, outcome) = CompiledDb::open_all_with(&db_paths, &cache_dir, |db| {
            let Ok(lockfile) = parsed.get_or_init(|| Lockfile::parse(&lock_text).map_err(|e| e.to_string())) else {
                return Ok(None);
            };
            timings.mark("open the compiled database, parse the lockfile");
            let advisories = lookup(db, lockfile)?;
            timings.mark("look up advisories");
            let published = published.as_ref().map(|p| p as &dyn PublishedVersions);
            let report = audit(lockfile, &advisories, &settings, published);
            timings.mark("audit");
            Ok(Some(report))
        })
        .with_context(|| {
            let shown: Vec<String> = db_paths.iter().map(|p| p.display().to_string()).collect();
            format!("cannot open advisory database {}", shown.join(", "))
        })?;
        match outcome {
            Err(cratewatch_db::Error::CorruptCache { .. }) if attempt == 0 => attempt += 1,
            _ => break (db, outcome),
        }
    };
    timings.mark("freshness confirmed");
    let (Some(report), Some(Ok(lockfile))) = (outcome?, parsed.get()) else {
        let error = parsed.into_inner().and_then(Result::err).unwrap_or_default();
        bail!("{}: {error}", args.file.display());
    };
    if !args.quiet {
        status_notes(&db, config_path.as_deref(), &config);
        unresolved_note(&args.file, lockfile);
    }
    // The cache is known to be fresh: the report is rendered straight to standard output.
    let fails = report.fails(&deny);
    let context = RenderContext { lockfile, lockfile_path: &args.file, db: &db, report: &report, fails, color };
    let mut out = Stdout::new();
    match format {
        Format::Human => render::human(&context, &mut out),
        Format::Json => render::json(&context, &mut out),
        Format::Sarif => render::sarif(&context, &mut out),
    }
    out.finish()?;
    timings.mark("render and write");
    if !args.quiet && format != Format::Human {
        note(&render::summary(&report));
    }
    // The process ends now: freeing the lockfile, the report and the database piece by piece (thousands
    // of allocations, and large blocks given back to the kernel one at a time) would only delay the exit.
    std::mem::forget((db, report, parsed, lock_text));
    Ok(if fails { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The advisories that affect the locked versions of the lockfile's registry packages, decoded from the
/// compiled database (the audit re-checks every condition; this only spares decoding the others).
fn lookup(db: &CompiledDb, lockfile: &Lockfile) -> Result<Vec<Arc<Advisory>>, cratewatch_db::Error> {
    let mut advisories = Vec::new();
    for package in lockfile.packages.iter().filter(|p| p.is_from_crates_io()) {
        advisories.extend(db.advisories_affecting(&package.name, &package.version)?);
    }
    // Several locked versions of one crate find the same advisory.
    advisories.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    advisories.dedup_by(|a, b| a.id == b.id);
    Ok(advisories.into_iter().map(Arc::new).collect())
}

/// The lockfile's text. Bytes that are not UTF-8 are an error naming their line, as every other
/// problem in the file is.
fn read_lockfile(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        anyhow::anyhow!("{}: line {line}: the lockfile is not UTF-8 (column {column})", path.display())
    })
}

fn config_path(args: &AuditArgs) -> Option<PathBuf> {
    if args.no_config {
        return None;
    }
    if let Some(path) = &args.config {
        return Some(path.clone());
    }
    let beside = args.file.parent().map(|dir| if dir.as_os_str().is_empty() { Path::new(".") } else { dir });
    let candidates =
        [beside.map(|dir| dir.join(".cargo/audit.toml")), paths::cargo_home().map(|c| c.join("audit.toml"))];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

fn settings(args: &AuditArgs, config: &AuditConfig) -> anyhow::Result<AuditSettings> {
    let mut settings = AuditSettings::new(paths::today());
    if let Some(kinds) = &config.informational_warnings {
        settings.informational_warnings = kinds.clone();
    }
    settings.severity_threshold = config.severity_threshold;
    settings.target_os = if args.target_os.is_empty() { config.target_os.clone() } else { args.target_os.clone() };
    settings.target_arch =
        if args.target_arch.is_empty() { config.target_arch.clone() } else { args.target_arch.clone() };
    // A misspelt target would silently hide every platform-limited advisory, so names are checked.
    for os in &settings.target_os {
        if os.parse::<platforms::target::OS>().is_err() {
            bail!("unknown target OS `{os}` (Rust target names such as linux, windows, macos, android)");
        }
    }
    for arch in &settings.target_arch {
        if arch.parse::<platforms::target::Arch>().is_err() {
            bail!("unknown target architecture `{arch}` (Rust target names such as x86_64, aarch64, wasm32)");
        }
    }
    settings.ignore = config.ignore.clone();
    settings.ignore.extend(args.ignore.iter().map(|id| IgnoreRule {
        id: id.clone(),
        reason: None,
        expires: None,
        from_config: false,
    }));
    Ok(settings)
}

fn status_notes(db: &CompiledDb, config_path: Option<&Path>, config: &AuditConfig) {
    match db.status() {
        CacheStatus::Fresh => {}
        CacheStatus::Rebuilt { reason } => note(&format!(
            "note: compiled {} advisories from {} in {} ms ({reason})",
            db.advisory_count(),
            db.root().display(),
            db.elapsed().as_millis()
        )),
        CacheStatus::Unsaved { reason } => {
            note(&format!("warning: the compiled advisory database was not saved: {reason}"))
        }
        _ => {}
    }
    let skipped = db.skipped_count();
    if skipped > 0 {
        note(&format!(
            "warning: {skipped} advisory file(s) in {} could not be loaded; run `cratewatch db check --db {}` for details",
            db.root().display(),
            db.root().display()
        ));
    }
    if let Some(path) = config_path {
        for key in &config.unused_keys {
            note(&format!("note: {}: `{key}` is not used by cratewatch", path.display()));
        }
    }
}

/// Dependency references that name no single package leave edges out of the dependency paths (as Cargo
/// leaves them out of its graph); every package is still audited. Said once, with the first of them.
fn unresolved_note(path: &Path, lockfile: &Lockfile) {
    let Some(first) = lockfile.unresolved.first() else { return };
    let count = lockfile.unresolved.len();
    let what = if first.ambiguous { "names more than one package" } else { "names no package of the file" };
    let others = match count {
        1 => String::new(),
        n => format!(" ({} more such reference{})", n - 1, if n == 2 { "" } else { "s" }),
    };
    note(&format!(
        "note: {}:{}: `{}` depends on `{}`, which {what}; the dependency is left out of dependency paths{others}",
        path.display(),
        first.line,
        render::printable(&first.from),
        render::printable(&first.reference),
    ));
}

/// Published versions from a registry index directory.
struct IndexVersions<'a>(&'a IndexDir);

impl PublishedVersions for IndexVersions<'_> {
    fn published(&self, name: &str) -> Option<Vec<(cratewatch_advisory::semver::Version, bool)>> {
        let versions = self.0.crate_versions(name).ok()??;
        Some(versions.versions.into_iter().map(|v| (v.version, v.yanked)).collect())
    }
}

/// Phase timings on standard error when `CRATEWATCH_TIMINGS` is set (for benchmarking).
struct Timings(Option<std::sync::Mutex<std::time::Instant>>);

impl Timings {
    fn from_env() -> Self {
        Timings(std::env::var_os("CRATEWATCH_TIMINGS").map(|_| std::sync::Mutex::new(std::time::Instant::now())))
    }

    fn mark(&self, phase: &str) {
        if let Some(last) = &self.0 {
            let now = std::time::Instant::now();
            let mut last = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            note(&format!("timing: {phase}: {:.3} ms", (now - *last).as_secs_f64() * 1000.0));
            *last = now;
        }
    }
}
