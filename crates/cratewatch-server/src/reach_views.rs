//! Views of ecosystem reach: the JSON bodies of the reach routes (their OpenAPI schemas derive from
//! them), the Dependencies tab, the Reach section of an advisory page, the `/ecosystem` page with its
//! charts (SVG drawn on the server: no script), and the per-crate feed of advisories reaching a crate's
//! newest release.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use cratewatch_advisory::Kind;
use cratewatch_reach::{AdvisoryReach, Finding, FixClass, Outcome, Pkg, Resolution};
use maud::{Markup, html};
use serde::Serialize;

use crate::knowledge::Knowledge;
use crate::markdown;
use crate::pages::{self, DepsTab, Gravity, Tab};
use crate::reach::ReachView;
use crate::security::{CrateSecurity, VersionState};

/// A package: a crate and one of its versions.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PackageView<'a> {
    /// The crate name, as the index spells it.
    name: &'a str,
    /// The version.
    version: String,
}

impl<'a> PackageView<'a> {
    fn new(r: &'a Resolution, pkg: Pkg) -> PackageView<'a> {
        PackageView { name: r.name(pkg), version: r.version(pkg).to_string() }
    }
}

/// A version's resolved dependencies and the advisories reaching it through them.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = VersionDependencies)]
pub(crate) struct DependenciesBody<'a> {
    /// The crate's name.
    #[serde(rename = "crate")]
    krate: &'a str,
    /// The version.
    version: String,
    /// Whether Cargo can resolve a project that depends on this version (with default features).
    resolved: bool,
    /// Why not, when `resolved` is false.
    unresolved: Option<UnresolvedView>,
    /// What a fresh `cargo generate-lockfile` would lock besides the version itself: normal and build
    /// dependencies of every target, by depth.
    dependencies: Vec<DependencyView<'a>>,
    /// The non-withdrawn advisories affecting a package of the resolution (the version's own
    /// advisories are on its security route), each with a shortest path and what fixes it.
    advisories: Vec<FindingView<'a>>,
    /// Advisories a fresh resolution avoids, but that every requirement on the package still allows:
    /// a project with an older lockfile may hold an affected version, and `cargo update` fixes it.
    older_lockfiles: Vec<FindingView<'a>>,
}

/// Why a version has no resolution.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct UnresolvedView {
    /// A stable code: `no-candidate`, `invalid-entry`, `dependency-cycle`, `feature-cycle`,
    /// `root-conflict` or `too-complex`.
    code: &'static str,
    /// What Cargo would say.
    message: String,
}

/// One resolved dependency.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DependencyView<'a> {
    /// The crate name.
    name: &'a str,
    /// The version locked.
    version: String,
    /// `normal`, or `build` when only build dependencies reach it.
    kind: &'static str,
    /// The length of a shortest dependency path from the version (1: a direct dependency).
    depth: u32,
}

/// An advisory reaching a version through its dependencies.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FindingView<'a> {
    /// The advisory id.
    id: &'a str,
    /// `vulnerability`, `unsound`, `unmaintained`, `malicious` or `notice`.
    kind: &'static str,
    /// The advisory's title.
    title: &'a str,
    /// The package of the resolution the advisory is about (for `cargo-update`, the unaffected version
    /// a fresh resolution picks).
    package: PackageView<'a>,
    /// The length of the path.
    depth: u32,
    /// A shortest dependency path, from the version to the package.
    path: Vec<PackageView<'a>>,
    /// What fixes it.
    fix: FixView<'a>,
}

/// What fixes an exposure.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FixView<'a> {
    /// `manifest-change` (a requirement in the graph admits no fixed release), `no-fixed-release`
    /// (no unaffected release exists yet), `cargo-update` (an older lockfile only) or `affected` (the
    /// version itself).
    class: &'static str,
    /// For `manifest-change`: the version whose manifest must change (the version itself, or an
    /// upstream crate), when one requirement is to blame.
    blocker: Option<PackageView<'a>>,
    /// The blocking requirement, as that manifest writes it.
    requirement: Option<&'a str>,
    /// The smallest later release of the blocker's crate whose requirements let a fixed release
    /// through; null when none does yet.
    fixed_in: Option<PackageView<'a>>,
    /// One sentence saying all this.
    explanation: String,
}

impl<'a> FindingView<'a> {
    fn new(r: &'a Resolution, f: &Finding<'a>) -> FindingView<'a> {
        let a = f.advisory();
        FindingView {
            id: &a.id,
            kind: a.kind.as_str(),
            title: &a.title,
            package: PackageView::new(r, f.package()),
            depth: f.depth(),
            path: f.path().into_iter().map(|p| PackageView::new(r, p)).collect(),
            fix: FixView {
                class: f.class().code(),
                blocker: f.blocker().map(|b| PackageView::new(r, b)),
                requirement: f.blocking_requirement(),
                fixed_in: f.fixed_in().map(|v| PackageView::new(r, v)),
                explanation: f.explain(),
            },
        }
    }
}

/// The body of `GET /api/v1/crates/{name}/{version}/dependencies`.
pub(crate) fn dependencies_body<'a>(view: &'a ReachView, pkg: Pkg) -> DependenciesBody<'a> {
    let r = view.resolution();
    let (dependencies, unresolved) = match r.outcome(pkg) {
        Outcome::Resolved(graph) => (
            graph
                .packages()
                .skip(1)
                .map(|p| DependencyView {
                    name: r.name(p.pkg),
                    version: r.version(p.pkg).to_string(),
                    kind: p.kind.as_str(),
                    depth: p.depth,
                })
                .collect(),
            None,
        ),
        Outcome::Unresolved(why) => (Vec::new(), Some(UnresolvedView { code: why.code(), message: why.to_string() })),
        _ => (Vec::new(), Some(UnresolvedView { code: "unknown", message: "no resolution".to_owned() })),
    };
    let findings = view.exposure.for_version(pkg);
    let (older, fresh): (Vec<_>, Vec<_>) =
        findings.iter().filter(|f| f.depth() > 0).partition(|f| f.class() == FixClass::CargoUpdate);
    DependenciesBody {
        krate: r.name(pkg),
        version: r.version(pkg).to_string(),
        resolved: unresolved.is_none(),
        unresolved,
        dependencies,
        advisories: fresh.into_iter().map(|f| FindingView::new(r, f)).collect(),
        older_lockfiles: older.into_iter().map(|f| FindingView::new(r, f)).collect(),
    }
}

/// Counts of an advisory's reach.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReachCounts<'a> {
    /// The advised crate.
    package: &'a str,
    /// The advisory's kind.
    kind: &'static str,
    /// Whether the registry index has the advised crate.
    in_registry: bool,
    /// Versions of the advised crate itself that it affects.
    affected_versions: usize,
    /// Versions of other crates whose fresh resolution holds an affected version.
    exposed_versions: usize,
    /// Of those, through a direct dependency.
    direct: usize,
    /// Of those, through a transitive one.
    transitive: usize,
    /// Exposed versions by depth: `by_depth[d]` at depth `d` (`by_depth[0]` is always 0).
    by_depth: Vec<usize>,
    /// Crates with an exposed version.
    exposed_crates: usize,
    /// Crates whose newest release is exposed.
    newest_releases_exposed: usize,
    /// Exposed versions whose own manifest must change.
    own_manifest: usize,
    /// Exposed versions where an upstream crate's manifest must change.
    upstream_manifest: usize,
    /// Exposed versions for which no fixed release exists in the index.
    no_fixed_release: usize,
    /// Versions a fresh resolution keeps clear, but an older lockfile may not (`cargo update` fixes).
    cargo_update: usize,
    /// Crates with such versions.
    cargo_update_crates: usize,
}

impl<'a> ReachCounts<'a> {
    fn new(a: &'a AdvisoryReach) -> ReachCounts<'a> {
        ReachCounts {
            package: &a.package,
            kind: a.kind.as_str(),
            in_registry: a.in_registry,
            affected_versions: a.affected_versions,
            exposed_versions: a.exposed_versions,
            direct: a.direct,
            transitive: a.transitive,
            by_depth: a.by_depth.clone(),
            exposed_crates: a.exposed_crates,
            newest_releases_exposed: a.newest_releases_exposed,
            own_manifest: a.own_manifest,
            upstream_manifest: a.upstream_manifest,
            no_fixed_release: a.no_fixed_release,
            cargo_update: a.cargo_update,
            cargo_update_crates: a.cargo_update_crates,
        }
    }
}

/// The body of `GET /api/v1/advisories/{id}/reach`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AdvisoryReach)]
pub(crate) struct AdvisoryReachBody<'a> {
    /// The advisory id.
    id: &'a str,
    /// The counts.
    counts: ReachCounts<'a>,
    /// This page (from 1).
    page: usize,
    /// Versions per page.
    per_page: usize,
    /// Versions in all: exposed, then older-lockfile only, then the advised crate's own affected
    /// versions.
    total: usize,
    /// The versions of this page: fresh exposures first (by depth), then the versions only an older
    /// lockfile exposes, then the advised crate's own affected versions.
    versions: Vec<ExposedView<'a>>,
}

/// One version the advisory reaches.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ExposedView<'a> {
    /// The crate.
    #[serde(rename = "crate")]
    krate: &'a str,
    /// The version.
    version: String,
    /// The affected package in its resolution (for `cargo-update`, the unaffected one a fresh
    /// resolution picks).
    package: PackageView<'a>,
    /// The length of a shortest path to it (0: the version itself is affected).
    depth: u32,
    /// A shortest dependency path.
    path: Vec<PackageView<'a>>,
    /// What fixes it.
    fix: FixView<'a>,
}

/// The body of one page of an advisory's reach; `None` for an advisory the exposure does not know.
pub(crate) fn advisory_reach_body<'a>(
    view: &'a ReachView,
    id: &'a str,
    page: usize,
    per_page: usize,
) -> Option<AdvisoryReachBody<'a>> {
    let r = view.resolution();
    let a = view.exposure.advisory(id)?;
    let total = view.exposure.finding_count(id)?;
    let findings = view.exposure.findings(id, (page - 1).saturating_mul(per_page), per_page)?;
    let versions = findings
        .iter()
        .map(|f| {
            let FindingView { package, depth, path, fix, .. } = FindingView::new(r, f);
            ExposedView { krate: r.name(f.root()), version: r.version(f.root()).to_string(), package, depth, path, fix }
        })
        .collect();
    Some(AdvisoryReachBody { id: &a.id, counts: ReachCounts::new(a), page, per_page, total, versions })
}

/// The state of the Dependencies tab of `c` at `selected`, for the header of every crate page.
pub(crate) fn deps_tab(
    view: Option<&ReachView>,
    enabled: bool,
    c: &CrateSecurity,
    selected: Option<&VersionState>,
) -> DepsTab {
    if !enabled {
        return DepsTab::Off;
    }
    let (Some(view), Some(v)) = (view, selected) else {
        return if selected.is_some() { DepsTab::Computing } else { DepsTab::Off };
    };
    let Some(pkg) = view.resolution().pkg(&c.name, &v.version) else { return DepsTab::Off };
    let fresh: Vec<Kind> = view
        .exposure
        .for_version(pkg)
        .iter()
        .filter(|f| f.depth() > 0 && f.class().is_fresh())
        .map(|f| f.advisory().kind)
        .collect();
    DepsTab::Ready { count: fresh.len(), gravity: fresh.into_iter().map(Gravity::of).max() }
}

/// `/crates/{name}/{version}/dependencies`: the resolution of the selected version and the advisories
/// reaching it, each with its path and fix.
pub(crate) fn dependencies_page(
    knowledge: &Knowledge,
    view: &ReachView,
    c: &CrateSecurity,
    selected: &VersionState,
    explicit: bool,
    pkg: Pkg,
) -> Markup {
    let r = view.resolution();
    let tab = deps_tab(Some(view), true, c, Some(selected));
    let findings = view.exposure.for_version(pkg);
    let fresh: Vec<&Finding<'_>> = findings.iter().filter(|f| f.depth() > 0 && f.class().is_fresh()).collect();
    let older: Vec<&Finding<'_>> = findings.iter().filter(|f| f.class() == FixClass::CargoUpdate).collect();
    let affected: HashSet<Pkg> = fresh.iter().map(|f| f.package()).collect();
    let version = selected.version.to_string();
    let gravity = fresh.iter().map(|f| Gravity::of(f.advisory().kind)).max();
    let body = html! {
        (pages::crate_header(c, Some(selected), Tab::Dependencies, explicit, &tab))
        @match r.outcome(pkg) {
            Outcome::Unresolved(why) => {
                div.banner.warn role="note" {
                    strong { "Cargo cannot resolve " (c.name) " " (version) ". " }
                    (why.to_string()) " (" code { (why.code()) } ")"
                }
            }
            Outcome::Resolved(graph) => {
                @let n = graph.len() - 1;
                @if fresh.is_empty() {
                    div.banner.ok role="status" {
                        "No known advisory affects the " (n) " packages " (c.name) " " (version) " resolves to."
                    }
                } @else {
                    div class=(gravity.unwrap_or(Gravity::Vulnerable).banner()) role=(if gravity == Some(Gravity::Informational) { "note" } else { "alert" }) {
                        strong { (fresh.len()) @if fresh.len() == 1 { " advisory reaches " } @else { " advisories reach " } (c.name) " " (version) }
                        " through its dependencies."
                    }
                }
                p.muted {
                    "What a fresh " code { "cargo generate-lockfile" } " locks for a project that depends on "
                    (c.name) " " (version) " with default features, resolved as Cargo would: "
                    (n) " packages. " a href={ "/api/v1/crates/" (c.name) "/" (version) "/dependencies" } { "JSON" }
                }
                @if !fresh.is_empty() {
                    h2 { "Advisories reaching it (" (fresh.len()) ")" }
                    @for f in &fresh { (finding_card(r, f)) }
                }
                @if !older.is_empty() {
                    h2 { "Fixed by " code { "cargo update" } " (" (older.len()) ")" }
                    p.muted { "A fresh resolution avoids these, but the requirements still allow an affected version: a project whose lockfile is older may hold one." }
                    @for f in &older { (finding_card(r, f)) }
                }
                h2 { "Resolved dependencies (" (n) ")" }
                @if n == 0 { p.muted { "None." } } @else {
                    table {
                        thead { tr { th scope="col" { "Package" } th scope="col" { "Depth" } th scope="col" { "Kind" } th scope="col" { "Status" } } }
                        tbody {
                            @for p in graph.packages().skip(1) {
                                @let hit = affected.contains(&p.pkg);
                                tr class=(if hit { "a" } else { "s" }) {
                                    td { (package_link(r, p.pkg)) }
                                    td { (p.depth) }
                                    td { (p.kind.as_str()) }
                                    td { @if hit { "affected" } @else { "" } }
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    };
    let title = format!("{} {} dependencies", c.name, version);
    pages::layout(&title, knowledge, Some(&format!("/crates/{}/dependencies.xml", c.name)), body)
}

fn package_link(r: &Resolution, pkg: Pkg) -> Markup {
    let (name, version) = (r.name(pkg), r.version(pkg).to_string());
    html! { a href={ "/crates/" (name) "/" (version) "/security" } { (name) " " (version) } }
}

/// One advisory reaching a version: kind, title, the path and what fixes it.
fn finding_card(r: &Resolution, f: &Finding<'_>) -> Markup {
    let a = f.advisory();
    let path = f.path();
    html! {
        article.card id=(a.id) {
            h3 {
                a href={ "/advisories/" (a.id) } { (a.id) } " "
                span class={ "label " (a.kind.as_str()) } { (a.kind.as_str()) } " "
                span.title { (markdown::title(&a.title)) }
            }
            p { "In " (package_link(r, f.package())) ", at depth " (f.depth()) ":" }
            p.path {
                @for (i, &p) in path.iter().enumerate() {
                    @if i > 0 { " → " }
                    (package_link(r, p))
                }
            }
            p { span class={ "label fix " (f.class().code()) } { (fix_label(f.class())) } " " (markdown::title(&f.explain())) }
        }
    }
}

fn fix_label(class: FixClass) -> &'static str {
    match class {
        FixClass::ManifestChange => "manifest change",
        FixClass::NoFixedRelease => "no fixed release",
        FixClass::CargoUpdate => "cargo update",
        _ => "affected",
    }
}

/// The Reach section of an advisory page: counts, the chart of exposed versions by depth and fix class,
/// and the exposed crates that the most others reach the advisory through.
pub(crate) fn reach_section(view: Option<&ReachView>, enabled: bool, id: &str, withdrawn: bool) -> Markup {
    if !enabled {
        return html! {};
    }
    let Some(view) = view else {
        return html! {
            section.reach aria-labelledby="reach" {
                h2 #reach { "Reach" }
                p.muted { "The reach of this advisory across the registry is being computed; reload in a few seconds." }
            }
        };
    };
    let Some(a) = view.exposure.advisory(id) else {
        return html! {
            section.reach aria-labelledby="reach" {
                h2 #reach { "Reach" }
                p.muted {
                    @if withdrawn { "This advisory is withdrawn: it reaches no one." }
                    @else { "This advisory is not about a crate of the registry, so it reaches no version of it." }
                }
            }
        };
    };
    let r = view.resolution();
    let total = view.exposure.finding_count(id).unwrap_or(0);
    let all = view.exposure.findings(id, 0, total).unwrap_or_default();
    html! {
        section.reach aria-labelledby="reach" {
            h2 #reach { "Reach" }
            @if !a.in_registry {
                p.muted { "The registry index has no crate named " code { (a.package) } "." }
            }
            dl.facts {
                dt { "Versions of " (a.package) " affected" } dd { (a.affected_versions) }
                dt { "Versions of other crates exposed" } dd { (a.exposed_versions) " (" (a.direct) " direct, " (a.transitive) " transitive)" }
                dt { "Crates exposed" } dd { (a.exposed_crates) }
                dt { "Newest releases exposed" } dd { (a.newest_releases_exposed) }
                dt { "Fixed by a manifest change" } dd { (a.own_manifest) " in their own manifest, " (a.upstream_manifest) " upstream" }
                dt { "No fixed release yet" } dd { (a.no_fixed_release) }
                dt { "Fixed by " code { "cargo update" } } dd { (a.cargo_update) " versions of " (a.cargo_update_crates) " crates (older lockfiles only)" }
            }
            @if a.exposed_versions + a.cargo_update > 0 {
                (depth_chart(id, &all))
                (through_table(r, &all))
            }
            p.muted {
                "Every version, with its path and fix: "
                a href={ "/api/v1/advisories/" (id) "/reach" } { "JSON" } "."
            }
        }
    }
}

/// The classes a chart stacks, in order, with their colours and legends.
const CHART_CLASSES: [(FixClass, &str, &str); 3] = [
    (FixClass::NoFixedRelease, "#b42318", "no fixed release"),
    (FixClass::ManifestChange, "#e0a100", "manifest change"),
    (FixClass::CargoUpdate, "#1d5fa8", "cargo update (older lockfiles)"),
];

/// A stacked bar chart of the versions an advisory reaches, by depth and fix class.
fn depth_chart(id: &str, findings: &[Finding<'_>]) -> Markup {
    let depth_max = findings.iter().map(Finding::depth).max().unwrap_or(1).max(1) as usize;
    let mut counts = vec![[0usize; 3]; depth_max + 1];
    for f in findings {
        if let Some(c) = CHART_CLASSES.iter().position(|(class, _, _)| *class == f.class()) {
            counts[f.depth() as usize][c] += 1;
        }
    }
    let depths: Vec<usize> = (1..=depth_max).collect();
    let highest = depths.iter().map(|&d| counts[d].iter().sum::<usize>()).max().unwrap_or(0).max(1);
    let (width, height, left, bottom, top) = (640.0_f64, 240.0_f64, 56.0_f64, 36.0_f64, 28.0_f64);
    let plot = height - bottom - top;
    let bar = ((width - left - 10.0) / depths.len() as f64).min(80.0);
    let title_id = format!("chart-{id}");
    let mut rects = Vec::new();
    for (i, &d) in depths.iter().enumerate() {
        let x = left + 6.0 + i as f64 * bar;
        let mut y = height - bottom;
        for (c, (_, colour, legend)) in CHART_CLASSES.iter().enumerate() {
            if counts[d][c] > 0 {
                let h = counts[d][c] as f64 / highest as f64 * plot;
                y -= h;
                rects.push((x, y, h, *colour, format!("depth {d}: {} {legend}", counts[d][c])));
            }
        }
    }
    let mut description = String::new();
    for &d in &depths {
        let c = counts[d];
        let _ = write!(
            description,
            "depth {d}: {} no fixed release, {} manifest change, {} cargo update; ",
            c[0], c[1], c[2]
        );
    }
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height)
                role="img" aria-labelledby=(title_id) {
                title id=(title_id) { "Versions " (id) " reaches, by depth and fix class" }
                desc { (description) }
                line x1=(left) y1=(top) x2=(left) y2=(height - bottom) stroke="#888" {}
                line x1=(left) y1=(height - bottom) x2=(width - 4.0) y2=(height - bottom) stroke="#888" {}
                text x=(left - 6.0) y=(top + 4.0) text-anchor="end" font-size="11" { (highest) }
                text x=(left - 6.0) y=(height - bottom) text-anchor="end" font-size="11" { "0" }
                @for (x, y, h, colour, tip) in &rects {
                    rect x=(x) y=(y) width=(bar - 8.0) height=(h) fill=(colour) { title { (tip) } }
                }
                @for (i, &d) in depths.iter().enumerate() {
                    text x=(left + 6.0 + i as f64 * bar + (bar - 8.0) / 2.0) y=(height - bottom + 14.0) text-anchor="middle" font-size="11" { (d) }
                }
                text x=((width + left) / 2.0) y=(height - 4.0) text-anchor="middle" font-size="11" { "depth of the affected package" }
                @for (c, (_, colour, legend)) in CHART_CLASSES.iter().enumerate() {
                    rect x=(left + 8.0 + c as f64 * 190.0) y="6" width="10" height="10" fill=(colour) {}
                    text x=(left + 22.0 + c as f64 * 190.0) y="15" font-size="11" { (legend) }
                }
            }
            figcaption { "Versions " (id) " reaches, by depth of the affected package and what fixes them." }
        }
    }
}

/// The exposed crates the most other crates reach the advisory through (as an intermediate of their
/// shortest path): where a fix helps the most.
fn through_table(r: &Resolution, findings: &[Finding<'_>]) -> Markup {
    let mut through: HashMap<&str, HashSet<&str>> = HashMap::new();
    for f in findings.iter().filter(|f| f.class().is_fresh() && f.depth() > 1) {
        let path = f.path();
        let root = r.name(f.root());
        for &p in &path[1..path.len() - 1] {
            through.entry(r.name(p)).or_default().insert(root);
        }
    }
    let mut ranked: Vec<(&str, usize)> = through.into_iter().map(|(name, roots)| (name, roots.len())).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked.truncate(10);
    html! {
        @if !ranked.is_empty() {
            h3 { "Most depended-upon exposed crates" }
            p.muted { "Exposed crates on the shortest path of the most other exposed crates: updating them helps the most." }
            table {
                thead { tr { th scope="col" { "Crate" } th scope="col" { "Crates reaching the advisory through it" } } }
                tbody {
                    @for (name, n) in &ranked {
                        tr { td { a href={ "/crates/" (name) "/dependencies" } { (name) } } td { (n) } }
                    }
                }
            }
        }
    }
}

/// Advisories on one page of `/ecosystem`.
pub(crate) const ECOSYSTEM_PER_PAGE: usize = 100;

/// The share of crates whose newest release a fresh resolution exposes, in all and by advisory kind.
struct NewestShare {
    crates: usize,
    any: usize,
    by_kind: Vec<(Kind, usize)>,
}

fn newest_share(view: &ReachView) -> NewestShare {
    let r = view.resolution();
    let mut share = NewestShare { crates: 0, any: 0, by_kind: Vec::new() };
    for i in 0..r.version_count() as u32 {
        let pkg = r.versions_of_index(i);
        if r.newest_of_crate(pkg) != pkg {
            continue;
        }
        share.crates += 1;
        let mut kinds: Vec<Kind> =
            view.exposure.for_version(pkg).iter().filter(|f| f.class().is_fresh()).map(|f| f.advisory().kind).collect();
        kinds.sort();
        kinds.dedup();
        if !kinds.is_empty() {
            share.any += 1;
        }
        for kind in kinds {
            match share.by_kind.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => share.by_kind.push((kind, 1)),
            }
        }
    }
    share.by_kind.sort();
    share
}

/// `/ecosystem?page=N`: advisories ranked by reach, and the share of newest releases exposed.
pub(crate) fn ecosystem_page(knowledge: &Knowledge, view: &ReachView, page: usize) -> Markup {
    let r = view.resolution();
    let stats = r.stats();
    let ranking = view.exposure.ranking();
    let pages = ranking.len().div_ceil(ECOSYSTEM_PER_PAGE).max(1);
    let share = newest_share(view);
    let mut bars: Vec<(String, usize)> = vec![("any advisory".to_owned(), share.any)];
    bars.extend(share.by_kind.iter().map(|(k, n)| (k.as_str().to_owned(), *n)));
    let body = html! {
        h1 { "Ecosystem reach" }
        p {
            "Every version of the registry resolved as Cargo would: " (stats.resolved) " of " (stats.versions)
            " versions of " (stats.crates) " crates (" (stats.versions - stats.resolved) " cannot be resolved), against "
            (view.exposure.stats().advisories) " advisories."
        }
        h2 { "Newest releases exposed" }
        (share_chart(&bars, share.crates))
        h2 { "Advisories by reach" }
        p.muted { "Ranked by crates exposed, then newest releases exposed. Page " (page) " of " (pages) "." }
        table.ranking {
            thead { tr {
                th scope="col" { "Advisory" } th scope="col" { "Crate" } th scope="col" { "Kind" }
                th scope="col" { "Crates exposed" } th scope="col" { "Newest releases" } th scope="col" { "Versions" }
                th scope="col" { "Direct" } th scope="col" { "Transitive" }
                th scope="col" { "Manifest change" } th scope="col" { "No fixed release" } th scope="col" { "cargo update" }
            } }
            tbody {
                @for a in ranking.iter().skip((page - 1) * ECOSYSTEM_PER_PAGE).take(ECOSYSTEM_PER_PAGE) {
                    tr {
                        td { a href={ "/advisories/" (a.id) "#reach" } { (a.id) } }
                        td { (a.package) }
                        td { span class={ "label " (a.kind.as_str()) } { (a.kind.as_str()) } }
                        td { (a.exposed_crates) } td { (a.newest_releases_exposed) } td { (a.exposed_versions) }
                        td { (a.direct) } td { (a.transitive) }
                        td { (a.own_manifest + a.upstream_manifest) } td { (a.no_fixed_release) } td { (a.cargo_update) }
                    }
                }
            }
        }
        nav.pager aria-label="Pages" {
            @if page > 1 { a rel="prev" href={ "/ecosystem?page=" (page - 1) } { "Previous" } }
            @if page < pages { " " a rel="next" href={ "/ecosystem?page=" (page + 1) } { "Next" } }
        }
    };
    pages::layout("Ecosystem reach", knowledge, None, body)
}

/// Horizontal bars: the share of `total` crates each bar counts.
fn share_chart(bars: &[(String, usize)], total: usize) -> Markup {
    let (width, row, left) = (640.0_f64, 26.0_f64, 130.0_f64);
    let height = row * bars.len() as f64 + 10.0;
    let plot = width - left - 120.0;
    let percent = |n: usize| if total == 0 { 0.0 } else { n as f64 * 100.0 / total as f64 };
    let mut description = String::new();
    for (label, n) in bars {
        let _ = write!(description, "{label}: {n} of {total} ({:.1}%); ", percent(*n));
    }
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height)
                role="img" aria-labelledby="share-title" {
                title id="share-title" { "Share of crates whose newest release is exposed, by advisory kind" }
                desc { (description) }
                @for (i, (label, n)) in bars.iter().enumerate() {
                    @let y = 5.0 + i as f64 * row;
                    text x=(left - 8.0) y=(y + 15.0) text-anchor="end" font-size="12" { (label) }
                    rect x=(left) y=(y) width=(plot) height=(row - 8.0) fill="#eef1f5" {}
                    rect x=(left) y=(y) width=(plot * percent(*n) / 100.0) height=(row - 8.0)
                        fill=(if i == 0 { "#b42318" } else { "#1d5fa8" }) {}
                    text x=(left + plot + 8.0) y=(y + 15.0) font-size="12" { (format!("{:.1}%", percent(*n))) " (" (n) ")" }
                }
            }
            figcaption { "Of " (total) " crates, the share whose newest release a fresh resolution exposes to at least one advisory." }
        }
    }
}

/// The Atom feed of the advisories reaching `name`'s newest release through its dependencies, newest
/// advisory first.
pub(crate) fn dependencies_feed(base: &str, view: &ReachView, name: &str) -> Option<String> {
    let r = view.resolution();
    let (newest, findings) = view.exposure.newest_release(name)?;
    let mut findings: Vec<&Finding<'_>> = findings.iter().filter(|f| f.depth() > 0 && f.class().is_fresh()).collect();
    let entry = |f: &Finding<'_>| view.knowledge.by_id(&f.advisory().id).cloned();
    findings.sort_by_key(|f| std::cmp::Reverse(entry(f).map(|e| e.advisory.date)));
    let version = r.version(newest).to_string();
    let path = format!("/crates/{name}/dependencies.xml");
    let updated = findings
        .first()
        .and_then(|f| entry(f))
        .map_or_else(|| "1970-01-01".to_owned(), |e| e.advisory.date.to_string());
    let entries = findings.iter().take(crate::feed::FEED_LENGTH).map(|f| {
        let a = f.advisory();
        let date = entry(f).map_or_else(|| "1970-01-01".to_owned(), |e| e.advisory.date.to_string());
        let path_text =
            f.path().iter().map(|&p| format!("{} {}", r.name(p), r.version(p))).collect::<Vec<_>>().join(" → ");
        crate::feed::AtomEntry {
            id: format!("{base}/advisories/{}#{name}", a.id),
            title: format!(
                "{}: {} reaches {name} {version} through {}: {}",
                a.id,
                a.package,
                describe(r, f.package()),
                a.title
            ),
            updated: date,
            published: None,
            link: format!("{base}/crates/{name}/{version}/dependencies#{}", a.id),
            category: a.kind.as_str(),
            content_html: format!("<p>{}</p><p>Fix: {}</p>", escape(&path_text), escape(&f.explain())).into(),
        }
    });
    let title = format!("Advisories reaching {name} through its dependencies");
    Some(crate::feed::write_atom(base, &path, &title, &updated, entries))
}

fn describe(r: &Resolution, pkg: Pkg) -> String {
    format!("{} {}", r.name(pkg), r.version(pkg))
}

fn escape(text: &str) -> String {
    crate::feed::escape(text)
}
