//! JSON in cargo-audit's report shape (`database`, `lockfile`, `settings`, `vulnerabilities`,
//! `warnings`), so tools that read cargo-audit's output read ours. cratewatch's additions sit beside
//! cargo-audit's keys: `dependency_path` and `fix` on each finding, `ignored` and `ignores` at the top.

use cratewatch_advisory::Advisory;
use cratewatch_audit::{Finding, IgnoreOutcome, Package, WarningKind};
use serde_json::{Map, Value, json};

use super::Context;

pub(crate) fn json(cx: &Context<'_>) -> String {
    let report = cx.report;
    let settings = &report.settings;
    let mut warnings = Map::new();
    for kind in [WarningKind::Unmaintained, WarningKind::Unsound, WarningKind::Notice, WarningKind::Yanked] {
        let list: Vec<Value> = report.warnings_of(kind).map(|f| finding(cx, f)).collect();
        if !list.is_empty() {
            warnings.insert(kind.as_str().to_owned(), Value::Array(list));
        }
    }
    let ignores: Vec<Value> = settings
        .ignore
        .iter()
        .zip(&report.ignore_outcomes)
        .map(|(rule, outcome)| {
            let (status, count) = match outcome {
                IgnoreOutcome::Applied(n) => ("applied", *n),
                IgnoreOutcome::Expired => ("expired", 0),
                IgnoreOutcome::Unused => ("unused", 0),
                _ => ("unknown", 0),
            };
            json!({
                "id": rule.id,
                "reason": rule.reason,
                "expires": rule.expires.map(|d| d.to_string()),
                "status": status,
                "ignored_findings": count,
            })
        })
        .collect();
    let value = json!({
        "database": {
            "advisory-count": cx.db.advisory_count(),
            "last-commit": null,
            "last-updated": null,
            "skipped-files": cx.db.skipped_count(),
        },
        "lockfile": { "dependency-count": report.dependency_count },
        "settings": {
            "target_arch": settings.target_arch,
            "target_os": settings.target_os,
            "severity": settings.severity_threshold.map(|s| s.as_str()),
            "ignore": settings.ignore.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            "informational_warnings": settings.informational_warnings.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        },
        "vulnerabilities": {
            "found": !report.vulnerabilities.is_empty(),
            "count": report.vulnerabilities.len(),
            "list": report.vulnerabilities.iter().map(|f| finding(cx, f)).collect::<Vec<_>>(),
        },
        "warnings": warnings,
        "ignored": report.ignored.iter().map(|(f, _)| finding(cx, f)).collect::<Vec<_>>(),
        "ignores": ignores,
    });
    let mut text = serde_json::to_string(&value).expect("JSON values serialize");
    text.push('\n');
    text
}

fn finding(cx: &Context<'_>, f: &Finding) -> Value {
    let package = &cx.lockfile.packages[f.package];
    let mut object = Map::new();
    if let Some(kind) = f.warning {
        object.insert("kind".into(), json!(kind.as_str()));
    }
    object.insert("advisory".into(), f.advisory.as_ref().map_or(Value::Null, advisory));
    object.insert(
        "versions".into(),
        f.advisory.as_ref().map_or(Value::Null, |a| {
            json!({
                "patched": a.versions.patched().iter().map(ToString::to_string).collect::<Vec<_>>(),
                "unaffected": a.versions.unaffected().iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        }),
    );
    let affected = f.advisory.as_ref().and_then(|a| a.affected.as_ref()).map_or(Value::Null, |affected| {
        let functions: Map<String, Value> = affected
            .functions
            .iter()
            .map(|(path, reqs)| (path.clone(), json!(reqs.iter().map(ToString::to_string).collect::<Vec<_>>())))
            .collect();
        json!({ "arch": affected.arch, "os": affected.os, "functions": functions })
    });
    object.insert("affected".into(), affected);
    object.insert("package".into(), package_json(cx, package));
    object.insert("dependency_path".into(), json!(cx.path_labels(f)));
    object.insert(
        "fix".into(),
        f.fix
            .as_ref()
            .map_or(Value::Null, |up| json!({ "version": up.version.to_string(), "compatible": up.compatible })),
    );
    Value::Object(object)
}

fn package_json(cx: &Context<'_>, p: &Package) -> Value {
    let mut object = Map::new();
    object.insert("name".into(), json!(p.name));
    object.insert("version".into(), json!(p.version.to_string()));
    object.insert("source".into(), json!(p.source));
    object.insert("checksum".into(), json!(p.checksum));
    if !p.dependencies.is_empty() {
        let deps: Vec<Value> = p
            .dependencies
            .iter()
            .map(|&d| {
                let dep = &cx.lockfile.packages[d];
                json!({ "name": dep.name, "version": dep.version.to_string(), "source": dep.source })
            })
            .collect();
        object.insert("dependencies".into(), Value::Array(deps));
    }
    object.insert("replace".into(), json!(p.replace));
    Value::Object(object)
}

/// An advisory with cargo-audit's keys, plus `kind` and the CVSS score and severity.
pub(crate) fn advisory(a: &Advisory) -> Value {
    json!({
        "id": a.id.as_str(),
        "package": a.package,
        "title": a.title,
        "description": a.description,
        "date": a.date.to_string(),
        "aliases": a.aliases,
        "related": a.related,
        "collection": a.collection.as_str(),
        "categories": a.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "keywords": a.keywords,
        "cvss": a.cvss.as_ref().map(|c| c.vector()),
        "informational": a.informational.as_ref().map(|i| i.as_str()),
        "references": a.references,
        "source": a.source,
        "url": a.url,
        "withdrawn": a.withdrawn.map(|d| d.to_string()),
        "license": a.license.as_str(),
        "expect-deleted": a.expect_deleted,
        "kind": a.kind().as_str(),
        "cvss_score": a.cvss.as_ref().map(|c| c.score()),
        "severity": a.cvss.as_ref().map(|c| c.severity().as_str()),
    })
}
