//! `cratewatch db check`: a linter for advisory authors.

use std::fmt::Write;
use std::process::ExitCode;

use anyhow::Context;
use cratewatch_db::Database;
use serde_json::json;

use crate::cli::{CheckFormat, DbCheckArgs};
use crate::output::{note, print};
use crate::paths;

pub(crate) fn check(args: DbCheckArgs) -> anyhow::Result<ExitCode> {
    let paths = paths::advisory_dbs(&args.db.db, None)?;
    let shown = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let db = Database::load_all(&paths).with_context(|| format!("cannot check advisory database {shown}"))?;
    let diagnostics = db.diagnostics();
    let text = match args.format {
        CheckFormat::Human => {
            let mut out = String::new();
            for d in diagnostics {
                let line = d.diagnostic.line.map(|l| format!(":{l}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{}{line}: {}[{}]: {}",
                    d.path,
                    d.diagnostic.severity.as_str(),
                    d.diagnostic.code,
                    d.diagnostic.message
                );
            }
            out
        }
        CheckFormat::Json => {
            let list: Vec<_> = diagnostics
                .iter()
                .map(|d| {
                    json!({
                        "path": d.path,
                        "line": d.diagnostic.line,
                        "severity": d.diagnostic.severity.as_str(),
                        "code": d.diagnostic.code.as_str(),
                        "message": d.diagnostic.message,
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&list).expect("JSON values serialize");
            text.push('\n');
            text
        }
    };
    print(&text)?;
    let errors = db.error_count();
    note(&format!(
        "{} advisories loaded from {}; {} error(s), {} warning(s)",
        db.advisories().len(),
        db.root().display(),
        errors,
        diagnostics.len() - errors
    ));
    Ok(if diagnostics.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
