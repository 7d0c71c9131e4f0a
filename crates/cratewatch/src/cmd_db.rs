//! `cratewatch db check`: a linter for advisory authors, and for registry operators the full list of
//! a registry index's problems (`--index`).

use std::fmt::Write;
use std::process::ExitCode;

use anyhow::Context;
use cratewatch_db::Database;
use cratewatch_index::IndexSnapshot;
use serde_json::json;

use crate::cli::{CheckFormat, DbCheckArgs};
use crate::output::{note, print};
use crate::paths;

/// One diagnostic to print, from an advisory database or a registry index.
struct Finding {
    path: String,
    line: Option<u32>,
    /// `error` or `warning`.
    severity: &'static str,
    code: &'static str,
    message: String,
}

pub(crate) fn check(args: DbCheckArgs) -> anyhow::Result<ExitCode> {
    let mut findings = Vec::new();
    let mut summaries = Vec::new();
    // With `--index` alone, only the index is checked; `--db` adds the advisory database.
    if args.index.is_none() || !args.db.db.is_empty() {
        let paths = paths::advisory_dbs(&args.db.db, None)?;
        let shown = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        let db = Database::load_all(&paths).with_context(|| format!("cannot check advisory database {shown}"))?;
        findings.extend(db.diagnostics().iter().map(|d| Finding {
            path: d.path.clone(),
            line: d.diagnostic.line,
            severity: d.diagnostic.severity.as_str(),
            code: d.diagnostic.code.as_str(),
            message: d.diagnostic.message.clone(),
        }));
        let errors = db.error_count();
        summaries.push(format!(
            "{} advisories loaded from {}; {} error(s), {} warning(s)",
            db.advisories().len(),
            db.root().display(),
            errors,
            db.diagnostics().len() - errors
        ));
    }
    if let Some(index) = &args.index {
        let snapshot =
            IndexSnapshot::load(index).with_context(|| format!("cannot check registry index {}", index.display()))?;
        let before = findings.len();
        findings.extend(snapshot.diagnostics().iter().map(|d| Finding {
            path: d.path.display().to_string(),
            line: d.line,
            // Two crates whose names crates.io would confuse both load; every other problem leaves a line
            // or a file out of the index.
            severity: if d.code == "ambiguous-name" { "warning" } else { "error" },
            code: d.code,
            message: d.message.clone(),
        }));
        let errors = findings[before..].iter().filter(|f| f.severity == "error").count();
        summaries.push(format!(
            "{} crates ({} versions) loaded from registry index {}; {} error(s), {} warning(s)",
            snapshot.crate_count(),
            snapshot.version_count(),
            index.display(),
            errors,
            findings.len() - before - errors
        ));
    }
    print(&render(&findings, args.format))?;
    for summary in summaries {
        note(&summary);
    }
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn render(findings: &[Finding], format: CheckFormat) -> String {
    match format {
        CheckFormat::Human => {
            let mut out = String::new();
            for f in findings {
                let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
                let _ = writeln!(out, "{}{line}: {}[{}]: {}", f.path, f.severity, f.code, f.message);
            }
            out
        }
        CheckFormat::Json => {
            let list: Vec<_> = findings
                .iter()
                .map(|f| {
                    json!({
                        "path": f.path,
                        "line": f.line,
                        "severity": f.severity,
                        "code": f.code,
                        "message": f.message,
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&list).expect("JSON values serialize");
            text.push('\n');
            text
        }
    }
}
