//! Readable output: one block per finding.

use std::fmt::Write;

use cratewatch_audit::{Finding, IgnoreOutcome};

use super::{Context, summary};
use crate::fixes::Update;
use crate::output::Stdout;

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub(crate) fn human(cx: &Context<'_>, out: &mut Stdout) {
    let paint = |style: &str, text: &str| if cx.color { format!("{style}{text}{RESET}") } else { text.to_owned() };
    for finding in cx.report.vulnerabilities.iter().chain(&cx.report.warnings) {
        block(cx, out, finding, &paint);
        out.spill();
    }
    let report = cx.report;
    if !report.locked_only.is_empty() {
        let _ = writeln!(
            out,
            "{}: {} finding(s) in packages that are locked but not built (Cargo's resolution of the manifest \
             leaves them out); they fail the audit only with --deny locked-only:\n",
            paint(BOLD, "locked-only"),
            report.locked_only.len()
        );
        for finding in &report.locked_only {
            block(cx, out, finding, &paint);
            out.spill();
        }
    }
    for (rule, outcome) in report.settings.ignore.iter().zip(&report.ignore_outcomes) {
        let origin = super::ignore_sources(rule);
        match outcome {
            IgnoreOutcome::Expired => {
                let expiry = rule.expires.map(|d| d.to_string()).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{}: the ignore for {} ({origin}) expired on {expiry}; its findings are reported again\n",
                    paint(YELLOW, "warning"),
                    rule.id
                );
            }
            IgnoreOutcome::Unused => {
                let _ = writeln!(
                    out,
                    "{}: the ignore for {} ({origin}) matched no finding\n",
                    paint(YELLOW, "warning"),
                    rule.id
                );
            }
            _ => {}
        }
    }
    for (finding, rule) in &report.ignored {
        let rule = &report.settings.ignore[*rule];
        let id = finding.advisory.as_ref().map_or("", |a| a.id.as_str());
        let reason = rule.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        let until = rule.expires.map(|d| format!(" until {d}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{} {id} in {} ({}{until}){reason}",
            paint(DIM, "ignored"),
            cx.package_label(finding.package),
            super::ignore_sources(rule)
        );
    }
    if !report.ignored.is_empty() {
        out.push('\n');
    }
    let verdict = match (report.vulnerabilities.is_empty(), cx.fails) {
        (false, _) => paint(RED, "vulnerable"),
        (true, true) if !cx.built_fails => paint(RED, "failed (locked-only findings denied)"),
        (true, true) => paint(RED, "failed (denied warnings)"),
        (true, false) => paint(BOLD, "ok"),
    };
    let _ = writeln!(out, "{verdict}: {} (advisory database: {} advisories)", summary(report), cx.db.advisory_count);
}

fn block(cx: &Context<'_>, out: &mut String, finding: &Finding, paint: &dyn Fn(&str, &str) -> String) {
    let package = &cx.lockfile.packages[finding.package];
    let (label, style) = match finding.warning {
        None => ("error".to_owned(), RED),
        Some(kind) => (format!("warning[{kind}]"), YELLOW),
    };
    match &finding.advisory {
        Some(advisory) => {
            let kind = advisory.kind().as_str();
            let _ = writeln!(
                out,
                "{}: {} ({kind}): {}",
                paint(style, &label),
                paint(BOLD, advisory.id.as_str()),
                advisory.title
            );
        }
        None => {
            let name = super::printable(&package.name);
            let _ = writeln!(out, "{}: {name} {} is yanked", paint(style, &label), package.version);
        }
    }
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(out, "  {:>10} {value}", format!("{name}:"));
    };
    field("package", &cx.package_label(finding.package));
    if let Some(advisory) = &finding.advisory {
        let severity = match &advisory.cvss {
            Some(cvss) => format!("{} {:.1} ({})", cvss.severity(), cvss.score(), cvss.vector()),
            None => "not scored (no CVSS vector)".to_owned(),
        };
        field("severity", &severity);
        field("date", &advisory.date.to_string());
        if !advisory.aliases.is_empty() {
            field("aliases", &advisory.aliases.join(", "));
        }
        let url = super::advisory_url(advisory);
        field("url", &url);
        if let Some(affected) = &advisory.affected {
            if !affected.os.is_empty() {
                field("os", &affected.os.join(", "));
            }
            if !affected.arch.is_empty() {
                field("arch", &affected.arch.join(", "));
            }
            if !affected.functions.is_empty() {
                field("functions", &affected.functions.keys().cloned().collect::<Vec<_>>().join(", "));
            }
        }
    }
    field("path", &cx.path_labels(finding).join(" → "));
    let fix = match &finding.fix {
        Some(up) if up.compatible => format!(
            "upgrade to {} (semver-compatible: cargo update -p {}@{} --precise {})",
            up.version,
            super::printable(&package.name),
            package.version,
            up.version
        ),
        Some(up) => format!("upgrade to {} (not semver-compatible: change the requirement in Cargo.toml)", up.version),
        None if finding.advisory.is_some() => "no fixed version is known; consider an alternative crate".to_owned(),
        None => "no newer published version".to_owned(),
    };
    field("fix", &fix);
    if let Some(update) = cx.update(finding) {
        let name = super::printable(&package.name);
        let text = match update {
            Update::CargoUpdate => {
                format!("no dependency's requirement blocks it: cargo update -p {name}@{} fixes it", package.version)
            }
            Update::OwnManifest => {
                "no dependency's requirement blocks it; your Cargo.toml's requirement must change".into()
            }
            Update::NoFixedRelease => "no release in the index fixes it".into(),
            Update::Blocked(blockers) => blockers
                .iter()
                .map(|b| {
                    let lifted = match &b.lifted_in {
                        Some(v) => format!("{} {v} lifts it", super::printable(&b.name)),
                        None => format!("no release of {} lifts it yet", super::printable(&b.name)),
                    };
                    format!(
                        "blocked by {} {} (requires {name} {}); {lifted}",
                        super::printable(&b.name),
                        b.version,
                        b.requirement
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        };
        field("update", &text);
    }
    out.push('\n');
}
