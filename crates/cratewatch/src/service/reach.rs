//! `cratewatch reach`: the registry resolved as Cargo would resolve each version, and whom each
//! advisory reaches. The libraries compute; this module parses arguments, reports progress and renders
//! human, JSON and CSV views.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use cratewatch_index::IndexSnapshot;
use cratewatch_reach::{AdvisoryReach, Exposure, Finding, FixClass, Outcome, Pkg, Resolution};
use serde_json::{Value, json};

use crate::cli::{ReachArgs, ReachFormat};
use crate::output::{self, note};
use crate::paths;

pub(crate) fn run(args: ReachArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let quiet = args.quiet;
    let say = |line: &str| {
        if !quiet {
            note(line);
        }
    };
    let dbs = paths::advisory_dbs(&args.db, None)?;
    let db = cratewatch_db::Database::load_all(&dbs)
        .with_context(|| format!("cannot load the advisory database {}", display_paths(&dbs)))?;
    let index = IndexSnapshot::load(&args.index)
        .with_context(|| format!("cannot load the registry index {}", args.index.display()))?;
    if !index.diagnostics().is_empty() {
        say(&format!(
            "reach: {} index line(s) or file(s) skipped (malformed entries; `cratewatch serve` logs each)",
            index.diagnostics().len()
        ));
    }
    say(&format!(
        "reach: loaded {} versions of {} crates in {:.1} s",
        index.version_count(),
        index.crate_count(),
        started.elapsed().as_secs_f64()
    ));
    let last = AtomicUsize::new(usize::MAX);
    let resolution = Resolution::build(&index, &|p| {
        if quiet || p.total == 0 {
            return;
        }
        let tenth = p.done * 10 / p.total;
        if p.stage == "resolving" && last.swap(tenth, Ordering::Relaxed) != tenth && p.done < p.total {
            note(&format!("reach: resolving {}% ({}/{} versions)", tenth * 10, p.done, p.total));
        }
    });
    drop(index);
    let stats = resolution.stats().clone();
    say(&format!(
        "reach: resolved {} of {} versions in {:.1} s ({} without a resolution)",
        stats.resolved,
        stats.versions,
        (stats.compile_time + stats.resolve_time).as_secs_f64(),
        stats.versions - stats.resolved
    ));
    let resolution = Arc::new(resolution);
    let exposure = Exposure::compute(resolution.clone(), db.advisories());
    say(&format!(
        "reach: matched {} advisories in {:.2} s: {} versions exposed",
        exposure.stats().advisories,
        exposure.stats().elapsed.as_secs_f64(),
        exposure.stats().exposed_versions
    ));

    for id in &args.advisory {
        if exposure.advisory(id).is_none() {
            match db.advisories().iter().find(|a| a.id.as_str() == id) {
                Some(a) if a.withdrawn.is_some() => bail!("advisory {id} is withdrawn"),
                Some(_) => bail!("advisory {id} is not about a crate (the rust/ collection)"),
                None => bail!("unknown advisory {id} in {}", display_paths(&dbs)),
            }
        }
    }
    let selected = match &args.krate {
        Some(spec) => Some(select(&resolution, spec, &args.index)?),
        None => None,
    };

    let text = match (&selected, args.advisory.is_empty()) {
        (Some(pkg), _) => render_version(&exposure, *pkg, &args.advisory, args.format),
        (None, false) => render_advisories(&exposure, &args.advisory, args.format),
        (None, true) => render_ranking(&exposure, args.format),
    };
    if let Some(dir) = &args.parquet {
        let written = cratewatch_reach::export_parquet(&exposure, dir)
            .with_context(|| format!("cannot write Parquet files to {}", dir.display()))?;
        say(&format!("reach: wrote {} ({} rows)", display_paths(&written.files), written.rows));
    }
    match &args.out {
        Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?,
        None => output::print(&text)?,
    }
    say(&format!("reach: done in {:.1} s", started.elapsed().as_secs_f64()));
    Ok(ExitCode::SUCCESS)
}

fn display_paths(paths: &[std::path::PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// `NAME` (its newest release) or `NAME@VERSION`.
fn select(resolution: &Resolution, spec: &str, index: &std::path::Path) -> anyhow::Result<Pkg> {
    let (name, version) = match spec.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (spec, None),
    };
    let Some(mut versions) = resolution.versions_of(name) else {
        bail!("unknown crate `{name}` in the registry index {}", index.display());
    };
    match version {
        None => Ok(resolution.newest_of_crate(versions.next().expect("a listed crate has versions"))),
        Some(v) => {
            let parsed =
                semver::Version::parse(v).with_context(|| format!("invalid version `{v}` in --crate {spec}"))?;
            resolution.pkg(name, &parsed).with_context(|| format!("`{name}` has no version {v} in the registry index"))
        }
    }
}

fn describe(r: &Resolution, pkg: Pkg) -> String {
    format!("{} {}", r.name(pkg), r.version(pkg))
}

fn path_text(r: &Resolution, path: &[Pkg]) -> String {
    path.iter().map(|&p| describe(r, p)).collect::<Vec<_>>().join(" → ")
}

fn number(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

/// A table with aligned columns, the last one left ragged.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i + 1 == widths.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

fn reach_json(a: &AdvisoryReach) -> Value {
    json!({
        "id": a.id,
        "package": a.package,
        "kind": a.kind.as_str(),
        "title": a.title,
        "in_registry": a.in_registry,
        "affected_versions": a.affected_versions,
        "exposed_versions": a.exposed_versions,
        "direct": a.direct,
        "transitive": a.transitive,
        "by_depth": a.by_depth,
        "exposed_crates": a.exposed_crates,
        "newest_releases_exposed": a.newest_releases_exposed,
        "fix": {
            "own_manifest": a.own_manifest,
            "upstream_manifest": a.upstream_manifest,
            "no_fixed_release": a.no_fixed_release,
        },
        "cargo_update": {"versions": a.cargo_update, "crates": a.cargo_update_crates},
    })
}

fn finding_json(r: &Resolution, f: &Finding<'_>) -> Value {
    json!({
        "advisory": f.advisory().id,
        "version": {"name": r.name(f.root()), "version": r.version(f.root()).to_string()},
        "package": {"name": r.name(f.package()), "version": r.version(f.package()).to_string()},
        "depth": f.depth(),
        "class": f.class().code(),
        "path": f.path().iter().map(|&p| describe(r, p)).collect::<Vec<_>>(),
        "blocker": f.blocker().map(|b| json!({
            "name": r.name(b),
            "version": r.version(b).to_string(),
            "requirement": f.blocking_requirement(),
        })),
        "fixed_in": f.fixed_in().map(|v| r.version(v).to_string()),
        "fix": f.explain(),
    })
}

fn summary_json(exposure: &Exposure) -> Value {
    let s = exposure.resolution().stats();
    json!({
        "crates": s.crates,
        "versions": s.versions,
        "resolved": s.resolved,
        "unresolved": s.unresolved.iter().map(|(code, n)| (code.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "exposed_versions": exposure.stats().exposed_versions,
        "cargo_update_only_versions": exposure.stats().cargo_update_only_versions,
        "painter_style_exposed_versions": exposure.painter_style_exposed(),
    })
}

const NOTE: &str = "exposed: versions whose fresh resolution (a new lockfile) holds an affected version; \
cargo-update: versions whose fresh resolution is clean but whose requirements allow an affected version, \
so an older lockfile is exposed and `cargo update` fixes it (counted apart)";

fn render_ranking(exposure: &Exposure, format: ReachFormat) -> String {
    let ranked = exposure.ranking();
    match format {
        ReachFormat::Json => {
            let doc = json!({
                "registry": summary_json(exposure),
                "advisories": ranked.iter().map(|a| reach_json(a)).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&doc).expect("JSON values serialize") + "\n"
        }
        ReachFormat::Csv => {
            let mut out = csv_line(
                &[
                    "id",
                    "package",
                    "kind",
                    "affected_versions",
                    "exposed_crates",
                    "newest_releases_exposed",
                    "exposed_versions",
                    "direct",
                    "transitive",
                    "own_manifest",
                    "upstream_manifest",
                    "no_fixed_release",
                    "cargo_update_versions",
                    "cargo_update_crates",
                    "title",
                ]
                .map(String::from),
            );
            for a in ranked {
                out += &csv_line(&[
                    a.id.clone(),
                    a.package.clone(),
                    a.kind.as_str().to_owned(),
                    a.affected_versions.to_string(),
                    a.exposed_crates.to_string(),
                    a.newest_releases_exposed.to_string(),
                    a.exposed_versions.to_string(),
                    a.direct.to_string(),
                    a.transitive.to_string(),
                    a.own_manifest.to_string(),
                    a.upstream_manifest.to_string(),
                    a.no_fixed_release.to_string(),
                    a.cargo_update.to_string(),
                    a.cargo_update_crates.to_string(),
                    a.title.clone(),
                ]);
            }
            out
        }
        ReachFormat::Human => {
            let r = exposure.resolution();
            let s = r.stats();
            let mut out = format!(
                "Ecosystem reach of {} advisories over {} versions of {} crates ({} resolved as Cargo would, {} without a \
                 resolution)\n{} versions exposed; {} more only through an older lockfile\n\n",
                number(exposure.stats().advisories),
                number(s.versions),
                number(s.crates),
                number(s.resolved),
                number(s.versions - s.resolved),
                number(exposure.stats().exposed_versions),
                number(exposure.stats().cargo_update_only_versions),
            );
            let rows: Vec<Vec<String>> = ranked
                .iter()
                .filter(|a| a.exposed_versions + a.cargo_update > 0)
                .map(|a| {
                    vec![
                        a.id.clone(),
                        a.package.clone(),
                        a.kind.as_str().to_owned(),
                        number(a.exposed_crates),
                        number(a.newest_releases_exposed),
                        number(a.exposed_versions),
                        number(a.direct),
                        number(a.transitive),
                        number(a.own_manifest),
                        number(a.upstream_manifest),
                        number(a.no_fixed_release),
                        number(a.cargo_update),
                    ]
                })
                .collect();
            out += &table(
                &[
                    "advisory",
                    "crate",
                    "kind",
                    "crates",
                    "newest",
                    "versions",
                    "direct",
                    "transitive",
                    "own-manifest",
                    "upstream",
                    "no-fix",
                    "cargo-update",
                ],
                &rows,
            );
            let silent = ranked.len() - rows.len();
            let _ = write!(
                out,
                "\n{} advisories reach no other version.\ncrates: crates with an exposed version; newest: crates whose \
                 newest release is exposed; own-manifest/upstream/no-fix: what fixes the exposed versions.\n{NOTE}.\n",
                number(silent)
            );
            out
        }
    }
}

fn render_advisories(exposure: &Exposure, ids: &[String], format: ReachFormat) -> String {
    let r = exposure.resolution();
    let all = |id: &str| exposure.findings(id, 0, usize::MAX).unwrap_or_default();
    match format {
        ReachFormat::Json => {
            let doc: Vec<Value> = ids
                .iter()
                .filter_map(|id| exposure.advisory(id))
                .map(|a| {
                    let mut v = reach_json(a);
                    v["findings"] = all(&a.id).iter().map(|f| finding_json(r, f)).collect();
                    v
                })
                .collect();
            serde_json::to_string_pretty(&json!({ "advisories": doc })).expect("JSON values serialize") + "\n"
        }
        ReachFormat::Csv => {
            let mut out = csv_line(
                &[
                    "advisory",
                    "name",
                    "version",
                    "depth",
                    "class",
                    "package",
                    "package_version",
                    "blocker",
                    "requirement",
                    "fixed_in",
                    "path",
                ]
                .map(String::from),
            );
            for id in ids {
                for f in all(id) {
                    out += &csv_line(&[
                        id.clone(),
                        r.name(f.root()).to_owned(),
                        r.version(f.root()).to_string(),
                        f.depth().to_string(),
                        f.class().code().to_owned(),
                        r.name(f.package()).to_owned(),
                        r.version(f.package()).to_string(),
                        f.blocker().map(|b| describe(r, b)).unwrap_or_default(),
                        f.blocking_requirement().unwrap_or_default().to_owned(),
                        f.fixed_in().map(|v| describe(r, v)).unwrap_or_default(),
                        path_text(r, &f.path()),
                    ]);
                }
            }
            out
        }
        ReachFormat::Human => {
            let mut out = String::new();
            for id in ids {
                let Some(a) = exposure.advisory(id) else { continue };
                let _ = writeln!(out, "{} ({}): {}", a.id, a.kind.as_str(), a.title);
                let _ = writeln!(
                    out,
                    "  crate: {} ({} affected versions in the index)",
                    a.package,
                    number(a.affected_versions)
                );
                let _ = writeln!(
                    out,
                    "  exposed: {} versions of {} crates ({} direct, {} transitive); {} crates' newest release",
                    number(a.exposed_versions),
                    number(a.exposed_crates),
                    number(a.direct),
                    number(a.transitive),
                    number(a.newest_releases_exposed)
                );
                if a.by_depth.len() > 1 {
                    let depths: Vec<String> =
                        a.by_depth.iter().enumerate().skip(1).map(|(d, n)| format!("{d}: {}", number(*n))).collect();
                    let _ = writeln!(out, "  by depth: {}", depths.join(", "));
                }
                let _ = writeln!(
                    out,
                    "  fix: own manifest {}, upstream manifest {}, no fixed release {}",
                    number(a.own_manifest),
                    number(a.upstream_manifest),
                    number(a.no_fixed_release)
                );
                let _ = writeln!(
                    out,
                    "  older lockfiles: {} versions of {} crates (cargo update fixes them)",
                    number(a.cargo_update),
                    number(a.cargo_update_crates)
                );
                let rows: Vec<Vec<String>> = all(id)
                    .iter()
                    .filter(|f| f.class() != FixClass::Affected)
                    .map(|f| {
                        vec![
                            describe(r, f.root()),
                            f.depth().to_string(),
                            f.class().code().to_owned(),
                            path_text(r, &f.path()),
                        ]
                    })
                    .collect();
                if !rows.is_empty() {
                    out.push('\n');
                    for line in table(&["version", "depth", "fix", "path"], &rows).lines() {
                        let _ = writeln!(out, "  {line}");
                    }
                }
                out.push('\n');
            }
            out + NOTE + ".\n"
        }
    }
}

fn render_version(exposure: &Exposure, pkg: Pkg, only: &[String], format: ReachFormat) -> String {
    let r = exposure.resolution();
    let findings: Vec<Finding<'_>> =
        exposure.for_version(pkg).into_iter().filter(|f| only.is_empty() || only.contains(&f.advisory().id)).collect();
    let outcome = r.outcome(pkg);
    match format {
        ReachFormat::Json => {
            let (resolved, unresolved) = match outcome {
                Outcome::Resolved(g) => (
                    Some(
                        g.packages()
                            .map(|p| {
                                json!({"name": r.name(p.pkg), "version": r.version(p.pkg).to_string(), "depth": p.depth, "kind": p.kind.as_str()})
                            })
                            .collect::<Vec<_>>(),
                    ),
                    None,
                ),
                Outcome::Unresolved(why) => (None, Some(json!({"code": why.code(), "reason": why.to_string()}))),
                _ => (None, None),
            };
            let doc = json!({
                "name": r.name(pkg),
                "version": r.version(pkg).to_string(),
                "yanked": r.is_yanked(pkg),
                "resolved": resolved,
                "unresolved": unresolved,
                "advisories": findings.iter().map(|f| finding_json(r, f)).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&doc).expect("JSON values serialize") + "\n"
        }
        ReachFormat::Csv => {
            let mut out = csv_line(&["name", "version", "depth", "kind", "advisories"].map(String::from));
            if let Outcome::Resolved(g) = outcome {
                for p in g.packages() {
                    let ids: Vec<&str> =
                        findings.iter().filter(|f| f.package() == p.pkg).map(|f| f.advisory().id.as_str()).collect();
                    out += &csv_line(&[
                        r.name(p.pkg).to_owned(),
                        r.version(p.pkg).to_string(),
                        p.depth.to_string(),
                        p.kind.as_str().to_owned(),
                        ids.join(" "),
                    ]);
                }
            }
            out
        }
        ReachFormat::Human => {
            let mut out = format!("{}{}\n", describe(r, pkg), if r.is_yanked(pkg) { " (yanked)" } else { "" });
            match outcome {
                Outcome::Resolved(g) => {
                    let _ = writeln!(out, "  resolves to {} packages:", g.len());
                    let rows: Vec<Vec<String>> = g
                        .packages()
                        .skip(1)
                        .map(|p| vec![describe(r, p.pkg), format!("depth {}", p.depth), p.kind.as_str().to_owned()])
                        .collect();
                    for line in table(&["package", "depth", "kind"], &rows).lines() {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                Outcome::Unresolved(why) => {
                    let _ = writeln!(out, "  no resolution: {why} [{}]", why.code());
                }
                _ => {}
            }
            if findings.is_empty() {
                out += "  no advisory reaches it\n";
            } else {
                let _ = writeln!(out, "  advisories reaching it:");
                for f in &findings {
                    let a = f.advisory();
                    let _ = writeln!(
                        out,
                        "    {} ({}) in {}: {}",
                        a.id,
                        a.kind.as_str(),
                        describe(r, f.package()),
                        a.title
                    );
                    let _ = writeln!(out, "      path: {}", path_text(r, &f.path()));
                    let _ = writeln!(out, "      fix: [{}] {}", f.class().code(), f.explain());
                }
            }
            out
        }
    }
}
