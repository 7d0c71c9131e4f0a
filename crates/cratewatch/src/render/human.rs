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
    // Written piece by piece rather than through `write!` and `format!`: a report has a block per
    // finding, and the formatting machinery cost about 15,000 instructions a block (two thirds of the
    // human report's rendering, `valgrind --tool=callgrind`).
    let package = &cx.lockfile.packages[finding.package];
    let style = if finding.warning.is_none() { RED } else { YELLOW };
    match finding.warning {
        None => out.push_str(&paint(style, "error")),
        Some(kind) => out.push_str(&paint(style, &format!("warning[{kind}]"))),
    }
    out.push_str(": ");
    match &finding.advisory {
        Some(advisory) => {
            out.push_str(&paint(BOLD, advisory.id.as_str()));
            out.push_str(" (");
            out.push_str(advisory.kind().as_str());
            out.push_str("): ");
            out.push_str(&advisory.title);
        }
        None => {
            super::push_label(out, package);
            out.push_str(" is yanked");
        }
    }
    out.push('\n');
    field(out, "package");
    super::push_label(out, package);
    out.push('\n');
    if let Some(advisory) = &finding.advisory {
        field(out, "severity");
        match &advisory.cvss {
            Some(cvss) => {
                let _ = write!(out, "{} {:.1} ({})", cvss.severity(), cvss.score(), cvss.vector());
            }
            None => out.push_str("not scored (no CVSS vector)"),
        }
        out.push('\n');
        field(out, "date");
        super::push_date(out, advisory.date);
        out.push('\n');
        if !advisory.aliases.is_empty() {
            field(out, "aliases");
            push_joined(out, advisory.aliases.iter().map(String::as_str), ", ");
            out.push('\n');
        }
        field(out, "url");
        out.push_str(&super::advisory_url(advisory));
        out.push('\n');
        if let Some(affected) = &advisory.affected {
            if !affected.os.is_empty() {
                field(out, "os");
                push_joined(out, affected.os.iter().map(String::as_str), ", ");
                out.push('\n');
            }
            if !affected.arch.is_empty() {
                field(out, "arch");
                push_joined(out, affected.arch.iter().map(String::as_str), ", ");
                out.push('\n');
            }
            if !affected.functions.is_empty() {
                field(out, "functions");
                push_joined(out, affected.functions.keys().map(String::as_str), ", ");
                out.push('\n');
            }
        }
    }
    field(out, "path");
    for (i, &p) in finding.path.iter().enumerate() {
        if i > 0 {
            out.push_str(" → ");
        }
        super::push_label(out, &cx.lockfile.packages[p]);
    }
    out.push('\n');
    field(out, "fix");
    match &finding.fix {
        Some(up) => {
            out.push_str("upgrade to ");
            super::push_version(out, &up.version);
            if up.compatible {
                out.push_str(" (semver-compatible: cargo update -p ");
                out.push_str(&super::printable(&package.name));
                out.push('@');
                super::push_version(out, &package.version);
                out.push_str(" --precise ");
                super::push_version(out, &up.version);
                out.push(')');
            } else {
                out.push_str(" (not semver-compatible: change the requirement in Cargo.toml)");
            }
        }
        None if finding.advisory.is_some() => out.push_str("no fixed version is known; consider an alternative crate"),
        None => out.push_str("no newer published version"),
    }
    out.push('\n');
    let mut field = |name: &str, value: &str| {
        self::field(out, name);
        out.push_str(value);
        out.push('\n');
    };
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

/// The start of a field line: its name and a colon, right-aligned in ten columns, after two spaces.
fn field(out: &mut String, name: &str) {
    out.push_str("  ");
    for _ in name.len() + 1..10 {
        out.push(' ');
    }
    out.push_str(name);
    out.push_str(": ");
}

fn push_joined<'s>(out: &mut String, items: impl Iterator<Item = &'s str>, separator: &str) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(item);
    }
}
