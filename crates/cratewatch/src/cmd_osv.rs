//! `cratewatch osv export`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::OsvExportArgs;
use crate::output::note;
use crate::paths;

pub(crate) fn export(args: OsvExportArgs) -> anyhow::Result<ExitCode> {
    if args.db.db.len() > 1 {
        anyhow::bail!("osv export reads one RustSec database: give --db once");
    }
    let db = paths::advisory_db(args.db.db.first().map(PathBuf::as_path), None)?;
    let report = cratewatch_osv::export(&db, &args.out)
        .with_context(|| format!("cannot export {} as OSV to {}", db.display(), args.out.display()))?;
    let dates = if report.dates_from_git { "modified dates from git" } else { "not a git clone: modified = published" };
    note(&format!(
        "wrote {} OSV records to {} ({dates}); {} toolchain advisories not exported (OSV has no ecosystem for them)",
        report.written,
        args.out.join("crates").display(),
        report.skipped_toolchain.len()
    ));
    if !report.uncommitted.is_empty() {
        note(&format!(
            "{} advisories have no commit yet; their modified date is the publication date",
            report.uncommitted.len()
        ));
    }
    for stale in &report.stale {
        note(&format!("warning: {} was not written by this export (stale record?)", stale.display()));
    }
    for d in &report.diagnostics {
        note(&format!(
            "warning: {}: {}[{}]: {} (not exported)",
            d.path,
            d.diagnostic.severity.as_str(),
            d.diagnostic.code,
            d.diagnostic.message
        ));
    }
    Ok(ExitCode::SUCCESS)
}
