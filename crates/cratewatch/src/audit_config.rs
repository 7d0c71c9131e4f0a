//! Finding and reading the files an audit is configured by: cargo-audit's `.cargo/audit.toml`,
//! cargo-deny's `deny.toml` and cratewatch's own table in the `Cargo.toml` beside the lockfile.

use std::path::{Path, PathBuf};

use anyhow::Context;
use cratewatch_audit::{AuditConfig, DenyConfig, IgnoreEntry, IgnoreRule, ManifestConfig, merge_ignores};

use crate::cli::AuditArgs;
use crate::paths;

/// What the configuration files say.
pub(crate) struct Configs {
    /// `.cargo/audit.toml` (default settings when there is none).
    pub(crate) audit: AuditConfig,
    /// Which `audit.toml` was read.
    pub(crate) audit_path: Option<PathBuf>,
    /// The ignores of all three files, merged (see `cratewatch_audit::merge_ignores`).
    pub(crate) ignores: Vec<IgnoreRule>,
    /// The manifest whose build tells built packages from locked-only ones, if there is one.
    pub(crate) manifest: Option<PathBuf>,
    /// Notes for standard error: keys accepted but not used, ignores cratewatch does not apply.
    pub(crate) notes: Vec<String>,
}

/// Reads the configuration for `args`. The order, which decides the reason and the expiry of an
/// ignore named in several files, is `.cargo/audit.toml`, then `deny.toml`, then the manifest's
/// `[workspace.metadata.cratewatch]` (or `[package.metadata.cratewatch]`); `--ignore` flags come after
/// them as rules of their own. `--no-config` reads none of the three.
pub(crate) fn read(args: &AuditArgs) -> anyhow::Result<Configs> {
    let manifest = manifest_path(args)?;
    let mut configs =
        Configs { audit: AuditConfig::default(), audit_path: None, ignores: Vec::new(), manifest, notes: Vec::new() };
    if args.no_config {
        return Ok(configs);
    }
    let mut sources: Vec<(String, Vec<IgnoreEntry>)> = Vec::new();

    if let Some(path) = audit_toml_path(args) {
        let text = read_text(&path)?;
        let audit =
            AuditConfig::parse(&text).with_context(|| format!("invalid audit configuration {}", path.display()))?;
        let entries = audit.ignore.iter().map(|id| IgnoreEntry { id: id.clone(), reason: None, expires: None });
        sources.push((path.display().to_string(), entries.collect()));
        for key in &audit.unused_keys {
            configs.notes.push(format!("note: {}: `{key}` is not used by cratewatch", path.display()));
        }
        configs.audit = audit;
        configs.audit_path = Some(path);
    }

    // cargo-deny's own rule: the first deny.toml, .deny.toml or .cargo/deny.toml in the manifest's
    // directory or above it. Without a manifest cargo-deny does not run, and nothing is read.
    if let Some(path) = configs.manifest.as_deref().and_then(deny_toml_path) {
        let text = read_text(&path)?;
        let deny =
            DenyConfig::parse(&text).with_context(|| format!("invalid cargo-deny configuration {}", path.display()))?;
        for spec in &deny.ignore_crates {
            configs.notes.push(format!(
                "note: {}: the ignore of the yanked crate `{spec}` is cargo-deny's; cratewatch reports yanked versions \
                 only with --index and does not apply it",
                path.display()
            ));
        }
        sources.push((path.display().to_string(), deny.ignore));
    }

    if let Some(path) = &configs.manifest {
        let text = read_text(path)?;
        let manifest = ManifestConfig::parse(&text).with_context(|| format!("invalid {}", path.display()))?;
        if let Some(table) = manifest.table {
            sources.push((format!("{} [{table}]", path.display()), manifest.ignore));
        }
    }
    configs.ignores = merge_ignores(sources);
    Ok(configs)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The lockfile's directory (`.` for a bare file name).
pub(crate) fn lockfile_dir(file: &Path) -> &Path {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `--manifest-path`, else the `Cargo.toml` beside the lockfile when there is one.
fn manifest_path(args: &AuditArgs) -> anyhow::Result<Option<PathBuf>> {
    if let Some(path) = &args.manifest_path {
        if !path.is_file() {
            anyhow::bail!("--manifest-path {}: no such file", path.display());
        }
        return Ok(Some(path.clone()));
    }
    let beside = lockfile_dir(&args.file).join("Cargo.toml");
    Ok(beside.is_file().then_some(beside))
}

/// `--config`, else `.cargo/audit.toml` beside the lockfile, else `./.cargo/audit.toml` in the current
/// directory and then `$CARGO_HOME/audit.toml` (the two places cargo-audit looks, in its order).
fn audit_toml_path(args: &AuditArgs) -> Option<PathBuf> {
    if let Some(path) = &args.config {
        return Some(path.clone());
    }
    let candidates = [
        Some(lockfile_dir(&args.file).join(".cargo/audit.toml")),
        Some(Path::new(".").join(".cargo/audit.toml")),
        paths::cargo_home().map(|c| c.join("audit.toml")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// The first `deny.toml`, `.deny.toml` or `.cargo/deny.toml` in the manifest's directory or above it,
/// named from the manifest's directory as given when it is there (as the other files are), else by its
/// absolute path.
fn deny_toml_path(manifest: &Path) -> Option<PathBuf> {
    const NAMES: [&str; 3] = ["deny.toml", ".deny.toml", ".cargo/deny.toml"];
    let given = lockfile_dir(manifest);
    if let Some(found) = NAMES.iter().map(|name| given.join(name)).find(|p| p.is_file()) {
        return Some(found);
    }
    let start = std::path::absolute(given).unwrap_or_else(|_| given.to_owned());
    start.ancestors().skip(1).find_map(|dir| NAMES.iter().map(|name| dir.join(name)).find(|p| p.is_file()))
}
