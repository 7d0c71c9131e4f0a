//! `cratewatch audit`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::{Context, bail};
use cratewatch_advisory::Advisory;
use cratewatch_advisory::semver::Version;
use cratewatch_audit::{AuditSettings, Deny, IgnoreRule, Lockfile, PublishedVersions, Report, audit};
use cratewatch_db::{CacheStatus, CompiledDb, CopyError, GitMirror, LocalCopy, Refresh};
use cratewatch_index::{CrateSource, IndexDir, SparseIndex, SparseOptions};

use crate::audit_config::{self, Configs};
use crate::cli::{AuditArgs, DenyArg, Format};
use crate::fixes::Updates;
use crate::output::{Stdout, note};
use crate::paths;
use crate::render::{self, Context as RenderContext, DbSummary};

/// The RustSec advisory database, fetched when no local database is given.
const DEFAULT_DB_URL: &str = "https://github.com/rustsec/advisory-db.git";

/// Runs an audit; its exit code, 0 (clean) or 1 (findings).
pub(crate) fn run(args: AuditArgs) -> anyhow::Result<u8> {
    let timings = Timings::from_env();
    let configs = audit_config::read(&args)?;
    let config = &configs.audit;
    let quiet = args.quiet || config.quiet;
    let cache_dir = paths::cache_dir(args.cache_dir.as_deref());
    // With a local database, the lockfile is read in the work that overlaps the cache's freshness
    // check (see `local_audit`), so that the check starts sooner. Otherwise it is read now: a missing
    // lockfile is said before anything is fetched.
    let local_dbs = match args.server {
        Some(_) => None,
        None => paths::local_advisory_dbs(&args.db.db, config.database_path.as_deref())?,
    };
    if local_dbs.is_some() {
        // The thread that will check the compiled database's freshness, started now so that it runs
        // on the other CPU by the time the cache is open. (Not for a database to fetch: this thread
        // is held on its CPU meanwhile, and git would be too.)
        cratewatch_db::stand_by();
    }
    let lock_text = if local_dbs.is_some() { None } else { Some(read_lockfile(&args.file)?) };
    let index = open_index(args.index.as_deref())?;
    let format = match (args.json, args.format, config.format.as_deref()) {
        (true, _, _) => Format::Json,
        (false, Some(format), _) => format,
        (false, None, Some("json")) => Format::Json,
        (false, None, Some("sarif")) => Format::Sarif,
        _ => Format::Human,
    };

    let settings = settings(&args, &configs)?;
    let mut deny: Vec<Deny> = config.deny.clone();
    let mut config_notes = Vec::new();
    if index.is_none() && deny.contains(&Deny::Yanked) {
        // cargo-audit checks yanked versions against the live index; cratewatch only with --index. A
        // file that cargo-audit takes is not an error here: the kind is dropped, and that is said.
        deny.retain(|d| *d != Deny::Yanked);
        let file =
            configs.audit_path.as_deref().map_or_else(|| "the configuration".into(), |p| p.display().to_string());
        config_notes.push(format!(
            "note: {file}: `output.deny` names yanked, which needs a registry index (--index); yanked versions are \
             not checked"
        ));
    }
    deny.extend(args.deny.iter().map(|d| match d {
        DenyArg::Warnings => Deny::Warnings,
        DenyArg::Unmaintained => Deny::Unmaintained,
        DenyArg::Unsound => Deny::Unsound,
        DenyArg::Notice => Deny::Notice,
        DenyArg::Yanked => Deny::Yanked,
        DenyArg::LockedOnly => Deny::LockedOnly,
    }));
    if deny.contains(&Deny::Yanked) && index.is_none() {
        bail!("--deny yanked needs --index PATH_OR_URL to know which versions are yanked");
    }
    let built_deny: Vec<Deny> = deny.iter().copied().filter(|d| *d != Deny::LockedOnly).collect();
    let color = format == Format::Human && args.color.enabled();
    // The report rendered into `out`: held, by the local audit while the database's freshness is still
    // being checked (written only once it is confirmed), else at the end.
    let render = |mut out: Stdout, lockfile: &Lockfile, report: &Report, db: &DbSummary, updates: Option<&Updates>| {
        let context = RenderContext {
            lockfile,
            lockfile_path: &args.file,
            db,
            report,
            fails: report.fails(&deny),
            built_fails: report.fails(&built_deny),
            updates,
            color,
        };
        match format {
            Format::Human => render::human(&context, &mut out),
            Format::Json => render::json(&context, &mut out),
            Format::Sarif => render::sarif(&context, &mut out),
        }
        out
    };
    // Rendered early only when nothing known later (fix classes) goes into the output.
    let early: Option<&EarlyRender<'_>> = match args.index {
        None => Some(&|lockfile, report, db| render(Stdout::held(), lockfile, report, db, None)),
        Some(_) => None,
    };
    let published = index.as_deref().map(|source| IndexVersions { source, errors: Mutex::default() });
    let published_dyn = published.as_ref().map(|p| p as &(dyn PublishedVersions + Sync));
    timings.mark("read the configuration (and the lockfile, unless the database is local)");

    // The advisories that concern the lockfile, the first report, and what to say about the database.
    let ((lockfile, advisories, report, summary, _keep), mut rendered) = match &args.server {
        Some(server) => {
            let lockfile = parse_lockfile(&args.file, lock_text.as_deref()).map_err(anyhow::Error::msg)?;
            let (advisories, summary) = crate::remote::advisories(server, &lockfile)?;
            timings.mark("ask the server");
            let report = audit(&lockfile, &advisories, &settings, unsync(published_dyn));
            ((Arc::new(lockfile), advisories, report, summary, Keep::None), None)
        }
        None => local_audit(
            &args,
            config,
            &cache_dir,
            local_dbs,
            lock_text.as_deref(),
            &settings,
            published_dyn,
            early,
            quiet,
            &timings,
        )?,
    };

    // Findings on packages that are locked but never built are told apart with Cargo's own resolution
    // of the manifest. A clean report needs no resolution, which keeps clean audits fast.
    let has_findings = !report.vulnerabilities.is_empty() || !report.warnings.is_empty();
    let report = match (&configs.manifest, has_findings) {
        (Some(manifest), true) => match crate::built::built_packages(manifest, &args) {
            Ok(built) => {
                let settings = AuditSettings { built: Some(built), ..settings.clone() };
                timings.mark("cargo tree");
                rendered = None;
                audit(&lockfile, &advisories, &settings, unsync(published_dyn))
            }
            Err(reason) => {
                if !quiet {
                    note(&format!(
                        "warning: cannot tell built packages from locked-only ones with {}: {reason}; every locked \
                         package is audited as built",
                        manifest.display()
                    ));
                }
                report
            }
        },
        _ => report,
    };
    if let Some(published) = &published {
        let errors = published.errors.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(first) = errors.first() {
            let message = format!(
                "the registry index could not be read for {} crate(s) (first: {first}); their yanked versions are not \
                 known",
                errors.len()
            );
            if deny.contains(&Deny::Yanked) {
                bail!("{message}");
            }
            if !quiet {
                note(&format!("warning: {message}"));
            }
        }
    }
    if !quiet {
        for line in configs.notes.iter().chain(&config_notes) {
            note(line);
        }
        unresolved_note(&args.file, &lockfile);
    }

    // With a registry index, what fixes each finding: reach's classification over the part of the
    // index the findings' dependents reach, only when there is something to classify.
    let updates = match (&index, args.index.as_deref()) {
        (Some(source), Some(text)) if report_has_advisories(&report) => {
            // Optional knowledge: an index that cannot be read here loses the classes, not the audit.
            let started = std::time::Instant::now();
            if is_sparse_url(text) && !quiet {
                // One request per crate of the closure: seconds on a large remote registry.
                note(&format!(
                    "note: reading what the findings' dependents depend on from {text} to classify the fixes"
                ));
            }
            match crate::fixes::classify(source.as_ref(), Path::new(text), &lockfile, &report) {
                Ok(classified) => {
                    if !quiet {
                        note(&format!(
                            "note: resolved {} crates ({} versions) of the registry index {text} to tell which fixes \
                             need a manifest change ({:.1} s)",
                            classified.crates,
                            classified.versions,
                            started.elapsed().as_secs_f64()
                        ));
                    }
                    Some(classified.updates)
                }
                Err(e) => {
                    note(&format!(
                        "warning: cannot tell which fixes need a manifest change with the registry index {text}: {e:#}"
                    ));
                    None
                }
            }
        }
        _ => None,
    };
    let fails = report.fails(&deny);
    let out = match rendered {
        Some(out) if updates.is_none() => out,
        // Written as it is rendered: nothing is left to wait for.
        _ => render(Stdout::new(), &lockfile, &report, &summary, updates.as_ref()),
    };
    out.finish()?;
    timings.mark("render and write");
    if !quiet && format != Format::Human {
        note(&render::summary(&report));
    }
    // The process ends now: freeing the lockfile, the report and the database piece by piece (thousands
    // of allocations, and large blocks given back to the kernel one at a time) would only delay the exit.
    std::mem::forget((report, advisories, lockfile, lock_text));
    Ok(u8::from(fails))
}

/// What must stay alive until the output is written: the compiled database (its records are mapped)
/// and the lock that keeps a fetched checkout in place.
enum Keep {
    None,
    Local(#[expect(dead_code, reason = "held for its lifetime only")] Box<(CompiledDb, Option<LocalCopy>)>),
}

type Audited = (Arc<Lockfile>, Vec<Arc<Advisory>>, Report, DbSummary, Keep);

/// Renders a report (see `early` in [`run`]).
type EarlyRender<'a> = dyn Fn(&Lockfile, &Report, &DbSummary) -> Stdout + Sync + 'a;

/// The audit against a local database: `local_dbs`, or the copy fetched into the cache when `None`.
/// `lock_text` is the lockfile's text when it was read already.
#[expect(clippy::too_many_arguments, reason = "the pieces of one run, each used once")]
fn local_audit(
    args: &AuditArgs,
    config: &cratewatch_audit::AuditConfig,
    cache_dir: &Path,
    local_dbs: Option<Vec<PathBuf>>,
    lock_text: Option<&str>,
    settings: &AuditSettings,
    published: Option<&(dyn PublishedVersions + Sync)>,
    early: Option<&EarlyRender<'_>>,
    quiet: bool,
    timings: &Timings,
) -> anyhow::Result<(Audited, Option<Stdout>)> {
    let (db_paths, copy) = match local_dbs {
        Some(paths) => (paths, None),
        None => {
            let copy = fetched_copy(args, config, cache_dir, quiet)?;
            (vec![copy.work_tree.clone()], Some(copy))
        }
    };
    timings.mark("find the database");

    // Everything that needs the advisories (parse, lookup, audit) runs while the cache's freshness is
    // verified on another thread; the output is written only once the cache is known to be fresh (or
    // was rebuilt and the work redone). A cache found damaged during the lookup removes itself; one more
    // try then rebuilds it.
    // The lockfile (read here if it was not yet), or why it cannot be audited.
    let parsed: OnceLock<Result<Arc<Lockfile>, String>> = OnceLock::new();
    let parse = || parse_lockfile(&args.file, lock_text).map(Arc::new);
    let mut attempt = 0;
    let (db, outcome) = loop {
        let (db, outcome) = CompiledDb::open_all_with(&db_paths, cache_dir, |db| {
            let Ok(lockfile) = parsed.get_or_init(parse) else {
                return Ok(None);
            };
            timings.mark("open the compiled database, read and parse the lockfile");
            let advisories = lookup(db, lockfile)?;
            timings.mark("look up advisories");
            let report = audit(lockfile, &advisories, settings, unsync(published));
            timings.mark("audit");
            let rendered = early.map(|render| render(lockfile, &report, &db_summary(db, copy.as_ref())));
            timings.mark("render");
            Ok(Some((advisories, report, rendered)))
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
    let (Some((advisories, report, rendered)), Some(Ok(lockfile))) = (outcome?, parsed.get()) else {
        let error = parsed.get().cloned().and_then(Result::err).unwrap_or_default();
        bail!("{error}");
    };
    if !quiet {
        status_notes(&db);
    }
    if let Some(Refresh::Fetched { previous: Some(previous), .. }) = copy.as_ref().map(|c| &c.refresh) {
        // The checkout the new commit replaced will not be read again: its compiled cache can go.
        CompiledDb::forget(std::slice::from_ref(previous), cache_dir);
    }
    let summary = db_summary(&db, copy.as_ref());
    Ok(((Arc::clone(lockfile), advisories, report, summary, Keep::Local(Box::new((db, copy)))), rendered))
}

/// What the report says about a local database.
fn db_summary(db: &CompiledDb, copy: Option<&LocalCopy>) -> DbSummary {
    DbSummary {
        advisory_count: db.advisory_count(),
        skipped_files: db.skipped_count(),
        last_commit: copy.map(|c| c.commit.id.clone()),
        last_updated: copy.map(|c| c.commit.time.to_string()),
    }
}

/// The database's git copy in the cache, fetched first when the last fetch is older than `--max-age`.
/// What happened is said on standard error.
fn fetched_copy(
    args: &AuditArgs,
    config: &cratewatch_audit::AuditConfig,
    cache_dir: &Path,
    quiet: bool,
) -> anyhow::Result<LocalCopy> {
    let url = args.db_url.clone().or_else(|| config.database_url.clone()).unwrap_or_else(|| DEFAULT_DB_URL.to_owned());
    let mirror = GitMirror::new(url, cache_dir.join("git"));
    let fetch = !args.no_fetch && config.fetch;
    let copy = cratewatch_db::local_copy(&mirror, args.max_age, fetch).map_err(|e| match e {
        CopyError::NoCopy { .. } => anyhow::anyhow!(
            "{e} (--no-fetch, or `fetch = false` in the config file): run once without it, or give a database with --db"
        ),
        e => anyhow::Error::new(e).context("cannot fetch the advisory database"),
    })?;
    if quiet {
        return Ok(copy);
    }
    let commit = format!("commit {}, {}", &copy.commit.id[..copy.commit.id.len().min(12)], copy.commit.time);
    match &copy.refresh {
        Refresh::Fetched { first: true, .. } => note(&format!(
            "note: fetched the advisory database {} into {} ({commit})",
            mirror.url(),
            mirror.dir().display()
        )),
        Refresh::Fetched { changed: true, .. } => {
            note(&format!("note: fetched the advisory database {}: updated to {commit}", mirror.url()))
        }
        Refresh::Fetched { .. } => {
            note(&format!("note: fetched the advisory database {}: no change ({commit})", mirror.url()))
        }
        Refresh::Failed { error } => note(&format!(
            "warning: cannot fetch the advisory database: {error}; auditing with the copy fetched {} ago ({commit})",
            describe_age(copy.age())
        )),
        Refresh::Skipped if copy.age() > args.max_age => note(&format!(
            "note: not fetching: the advisory database {} was fetched {} ago ({commit})",
            mirror.url(),
            describe_age(copy.age())
        )),
        _ => {}
    }
    Ok(copy)
}

/// `3 days`, `5 hours`, `12 minutes`, `40 seconds`.
fn describe_age(age: Duration) -> String {
    let secs = age.as_secs();
    let (n, unit) = match secs {
        0..120 => (secs, "second"),
        120..7200 => (secs / 60, "minute"),
        7200..172_800 => (secs / 3600, "hour"),
        _ => (secs / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn report_has_advisories(report: &Report) -> bool {
    report.vulnerabilities.iter().chain(&report.warnings).chain(&report.locked_only).any(|f| f.advisory.is_some())
}

/// The published versions as `audit` takes them.
fn unsync(p: Option<&(dyn PublishedVersions + Sync)>) -> Option<&dyn PublishedVersions> {
    p.map(|p| p as &dyn PublishedVersions)
}

/// Whether `--index` names a sparse index (a URL) rather than a directory.
fn is_sparse_url(text: &str) -> bool {
    text.starts_with("sparse+") || text.starts_with("http://") || text.starts_with("https://")
}

/// The registry index of `--index`: a directory in the git-index layout, or a sparse index URL.
fn open_index(text: Option<&str>) -> anyhow::Result<Option<Box<dyn CrateSource>>> {
    let Some(text) = text else { return Ok(None) };
    if is_sparse_url(text) {
        let sparse = SparseIndex::open(text, SparseOptions::default())
            .with_context(|| format!("cannot open the registry index {text}"))?;
        return Ok(Some(Box::new(sparse)));
    }
    let dir = IndexDir::open(Path::new(text)).with_context(|| format!("cannot open the registry index {text}"))?;
    Ok(Some(Box::new(dir)))
}

/// The advisories that affect the locked versions of the lockfile's registry packages, decoded from the
/// compiled database (the audit re-checks every condition; this only spares decoding the others).
fn lookup(db: &CompiledDb, lockfile: &Lockfile) -> Result<Vec<Arc<Advisory>>, cratewatch_db::Error> {
    // The versions of each crate together (Cargo writes the packages sorted by name), so that each of
    // its advisories is decoded once, however many of its versions the lockfile holds.
    let mut packages: Vec<(&str, &Version)> =
        lockfile.packages.iter().filter(|p| p.is_from_crates_io()).map(|p| (p.name.as_str(), &p.version)).collect();
    if !packages.is_sorted_by_key(|&(name, _)| name) {
        packages.sort_by_key(|&(name, _)| name);
    }
    let mut advisories = Vec::new();
    let mut versions = Vec::new();
    for group in packages.chunk_by(|a, b| a.0 == b.0) {
        versions.clear();
        versions.extend(group.iter().map(|&(_, v)| v));
        advisories.extend(db.advisories_affecting_any(group[0].0, &versions)?.into_iter().map(Arc::new));
    }
    // Merged sources can hold one advisory twice. Sorting the pointers moves 8 bytes an item, not a
    // whole advisory.
    advisories.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    advisories.dedup_by(|a, b| a.id == b.id);
    Ok(advisories)
}

/// The lockfile at `path`, from `text` when it was read already, else read now; the error is the whole
/// message.
fn parse_lockfile(path: &Path, text: Option<&str>) -> Result<Lockfile, String> {
    let read;
    let text = match text {
        Some(text) => text,
        None => {
            read = read_lockfile(path).map_err(|e| format!("{e:#}"))?;
            &read
        }
    };
    Lockfile::parse(text).map_err(|e| format!("{}: {e}", path.display()))
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

fn settings(args: &AuditArgs, configs: &Configs) -> anyhow::Result<AuditSettings> {
    let config = &configs.audit;
    let mut settings = AuditSettings::new(paths::today());
    if let Some(kinds) = &config.informational_warnings {
        settings.informational_warnings = kinds.clone();
    }
    settings.severity_threshold = config.severity_threshold;
    settings.target_os = if args.target_os.is_empty() { config.target_os.clone() } else { args.target_os.clone() };
    settings.target_arch =
        if args.target_arch.is_empty() { config.target_arch.clone() } else { args.target_arch.clone() };
    // A misspelt target would silently hide every platform-limited advisory, so names are checked; the
    // error names the file when the name came from one.
    let place = |from_flags: bool| match (&configs.audit_path, from_flags) {
        (Some(path), false) => format!("{}: ", path.display()),
        _ => String::new(),
    };
    for os in &settings.target_os {
        if os.parse::<platforms::target::OS>().is_err() {
            let place = place(!args.target_os.is_empty());
            bail!("{place}unknown target OS `{os}` (Rust target names such as linux, windows, macos, android)");
        }
    }
    for arch in &settings.target_arch {
        if arch.parse::<platforms::target::Arch>().is_err() {
            let place = place(!args.target_arch.is_empty());
            bail!("{place}unknown target architecture `{arch}` (Rust target names such as x86_64, aarch64, wasm32)");
        }
    }
    settings.ignore = configs.ignores.clone();
    settings.ignore.extend(args.ignore.iter().map(|id| IgnoreRule {
        id: id.clone(),
        reason: None,
        expires: None,
        sources: vec!["--ignore".to_owned()],
    }));
    Ok(settings)
}

fn status_notes(db: &CompiledDb) {
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

/// Published versions from a registry index. A crate whose file cannot be read (a network failure, an
/// unreadable file) is remembered, so that the run says so instead of reporting it as not yanked.
struct IndexVersions<'a> {
    source: &'a dyn CrateSource,
    errors: Mutex<Vec<String>>,
}

impl PublishedVersions for IndexVersions<'_> {
    fn published(&self, name: &str) -> Option<Vec<(cratewatch_advisory::semver::Version, bool)>> {
        match self.source.crate_versions(name) {
            Ok(versions) => Some(versions?.versions.iter().map(|v| (v.version.clone(), v.yanked)).collect()),
            Err(e) => {
                self.errors.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(e.to_string());
                None
            }
        }
    }
}

/// Phase timings on standard error when `CRATEWATCH_TIMINGS` is set (for benchmarking): the time since
/// the previous mark, and the page faults the process took meanwhile (on every thread).
struct Timings(Option<std::sync::Mutex<(std::time::Instant, u64)>>);

impl Timings {
    fn from_env() -> Self {
        Timings(
            std::env::var_os("CRATEWATCH_TIMINGS")
                .map(|_| std::sync::Mutex::new((std::time::Instant::now(), page_faults()))),
        )
    }

    fn mark(&self, phase: &str) {
        if let Some(last) = &self.0 {
            let (now, faults) = (std::time::Instant::now(), page_faults());
            let mut last = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            note(&format!(
                "timing: {phase}: {:.3} ms, {} page faults",
                (now - last.0).as_secs_f64() * 1000.0,
                faults - last.1
            ));
            *last = (now, faults);
        }
    }
}

/// The page faults the process has taken so far (0 where that is not known).
fn page_faults() -> u64 {
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        #[expect(unsafe_code, reason = "getrusage fills a structure this function owns")]
        // SAFETY: `usage` is valid for writes of a `rusage`, and zeroed, so it is initialised whatever
        // getrusage does.
        let usage = unsafe {
            libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
            usage.assume_init()
        };
        u64::try_from(usage.ru_minflt).unwrap_or(0)
    }
    #[cfg(not(unix))]
    0
}
