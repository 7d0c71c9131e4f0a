//! `cratewatch audit --server URL`: the advisories come from a cratewatch server instead of a local
//! database. The server sends, for the lockfile's crates.io packages, the advisories that affect them as
//! advisory texts (RustSec Markdown, or the OSV record an advisory was imported from); they are parsed
//! here by the same parser a local database goes through, and audited by the same `audit`, so the
//! report is the one a local audit against the server's data gives.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use cratewatch_advisory::{Advisory, Collection, DiagnosticSeverity, parse_advisory, parse_osv_record};
use cratewatch_audit::Lockfile;
use serde::Deserialize;

use crate::render::DbSummary;

/// The largest answer read (a lockfile whose every crate has advisories stays far below it).
const MAX_RESPONSE: u64 = 64 * 1024 * 1024;

#[derive(Deserialize)]
struct Answer {
    database: Database,
    advisories: Vec<Item>,
}

#[derive(Deserialize)]
struct Database {
    advisory_count: usize,
    skipped_files: usize,
    commit: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
    format: String,
    text: String,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    errors: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    detail: String,
}

/// The advisories affecting the lockfile's crates.io packages, from the server at `base`, and what the
/// server says about its database.
pub(crate) fn advisories(base: &str, lockfile: &Lockfile) -> anyhow::Result<(Vec<Arc<Advisory>>, DbSummary)> {
    let url = format!("{}/api/v1/audit/advisories", base.trim_end_matches('/'));
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("--server {base}: expected an http:// or https:// URL");
    }
    let mut packages: Vec<(&str, String)> = lockfile
        .packages
        .iter()
        .filter(|p| p.is_from_crates_io())
        .map(|p| (p.name.as_str(), p.version.to_string()))
        .collect();
    packages.sort_unstable();
    packages.dedup();
    let body = serde_json::json!({
        "packages": packages.iter().map(|(name, version)| serde_json::json!({"name": name, "version": version})).collect::<Vec<_>>(),
    });
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_recv_body(Some(Duration::from_secs(60)))
        .user_agent(concat!("cratewatch/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent();
    let mut response = agent
        .post(&url)
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .with_context(|| format!("cannot reach {url}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_string()
        .with_context(|| format!("cannot read the answer of {url}"))?;
    if status != 200 {
        let detail = serde_json::from_str::<ErrorEnvelope>(&text)
            .ok()
            .and_then(|e| e.errors.into_iter().next())
            .map_or_else(|| text.chars().take(200).collect(), |e| e.detail);
        bail!("{url} answered HTTP {status}: {detail}");
    }
    let answer: Answer =
        serde_json::from_str(&text).with_context(|| format!("{url} did not answer with an advisory list"))?;
    let mut advisories = Vec::with_capacity(answer.advisories.len());
    for item in answer.advisories {
        let advisory = parse_item(&item).with_context(|| format!("{url}: advisory {}", item.id))?;
        advisories.push(Arc::new(advisory));
    }
    let summary = DbSummary {
        advisory_count: answer.database.advisory_count,
        skipped_files: answer.database.skipped_files,
        last_commit: answer.database.commit,
        last_updated: None,
    };
    Ok((advisories, summary))
}

/// One advisory text, parsed as a database file of its format is.
fn parse_item(item: &Item) -> anyhow::Result<Advisory> {
    let advisory = match item.format.as_str() {
        "rustsec" => {
            let parsed = parse_advisory(&item.text, Collection::Crates);
            match parsed.advisory {
                Some(advisory) => advisory,
                None => {
                    let first = parsed.diagnostics.iter().find(|d| d.severity == DiagnosticSeverity::Error);
                    bail!("does not parse: {}", first.map_or_else(|| "no advisory".to_owned(), |d| d.message.clone()));
                }
            }
        }
        "osv" => {
            let records = parse_osv_record(&item.text).map_err(|e| anyhow::anyhow!("does not parse: {e}"))?;
            records.into_iter().find(|a| a.id.as_str() == item.id).context("the OSV record holds no such advisory")?
        }
        other => bail!("unknown format `{other}`"),
    };
    if advisory.id.as_str() != item.id {
        bail!("the text is advisory {}", advisory.id.as_str());
    }
    Ok(advisory)
}
