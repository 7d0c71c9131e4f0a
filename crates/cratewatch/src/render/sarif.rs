//! SARIF 2.1.0: one rule per advisory, one result per finding, located at the package's entry in the
//! lockfile.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Context;
use crate::output::Stdout;

pub(crate) fn sarif(cx: &Context<'_>, out: &mut Stdout) {
    let report = cx.report;
    let uri = cx.lockfile_path.to_string_lossy().replace('\\', "/");
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    let built = report.vulnerabilities.iter().chain(&report.warnings).map(|f| (f, None, false));
    let locked_only = report.locked_only.iter().map(|f| (f, None, true));
    let ignored = report.ignored.iter().map(|(f, rule)| (f, Some(&report.settings.ignore[*rule]), false));
    for (finding, ignored_by, is_locked_only) in built.chain(locked_only).chain(ignored) {
        let package = &cx.lockfile.packages[finding.package];
        let (rule_id, message) = match &finding.advisory {
            Some(advisory) => {
                let id = advisory.id.to_string();
                rules.entry(id.clone()).or_insert_with(|| {
                    let mut tags = vec![advisory.kind().as_str().to_owned()];
                    tags.extend(advisory.categories.iter().map(|c| c.as_str().to_owned()));
                    let mut properties = json!({ "tags": tags });
                    if let Some(cvss) = &advisory.cvss {
                        properties["security-severity"] = json!(format!("{:.1}", cvss.score()));
                        properties["cvss"] = json!(cvss.vector());
                    }
                    json!({
                        "id": id,
                        "name": advisory.package,
                        "shortDescription": { "text": advisory.title },
                        "fullDescription": { "text": advisory.description },
                        "helpUri": super::advisory_url(advisory),
                        "help": { "text": advisory.description, "markdown": advisory.description },
                        "properties": properties,
                    })
                });
                let fix = finding.fix.as_ref().map(|up| format!("; upgrade to {}", up.version)).unwrap_or_default();
                (id, format!("{} {}: {}{fix}", package.name, package.version, advisory.title))
            }
            None => {
                let id = "yanked".to_owned();
                rules.entry(id.clone()).or_insert_with(|| {
                    json!({
                        "id": id,
                        "name": "yanked",
                        "shortDescription": { "text": "Locked version is yanked from the registry" },
                        "properties": { "tags": ["yanked"] },
                    })
                });
                (id, format!("{} {} is yanked", package.name, package.version))
            }
        };
        // Findings in packages that are locked but never built are notes; ignored ones carry SARIF's
        // suppression, whose justification names the ignore's reason and where it was stated.
        let level = match (finding.warning, is_locked_only) {
            (_, true) => "note",
            (None, false) => "error",
            (Some(_), false) => "warning",
        };
        let mut result = json!({
            "ruleId": rule_id,
            "level": level,
            "message": { "text": message },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": { "startLine": package.line },
                },
                "logicalLocations": [{ "name": format!("{} {}", package.name, package.version), "kind": "package" }],
            }],
            "partialFingerprints": { "package": format!("{}@{}", package.name, package.version) },
        });
        if is_locked_only {
            result["properties"] = json!({ "lockedOnly": true });
        }
        if let Some(rule) = ignored_by {
            let reason = rule.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
            result["suppressions"] = json!([{
                "kind": "external",
                "status": "accepted",
                "justification": format!("ignored by {} ({}){reason}", rule.id, super::ignore_sources(rule)),
            }]);
        }
        results.push(result);
    }
    let value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cratewatch",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://rustsec.org",
                    "rules": rules.into_values().collect::<Vec<_>>(),
                }
            },
            "results": results,
        }],
    });
    out.push_str(&serde_json::to_string_pretty(&value).expect("JSON values serialize"));
    out.push('\n');
}
