//! Server-rendered HTML. No JavaScript: every page works in any browser, and a strict Content Security
//! Policy (set by the app) forbids scripts outright. maud escapes every interpolated string; the only
//! raw HTML is an advisory description, which [`crate::markdown`] has sanitized.

use std::fmt::Write;

use cratewatch_advisory::{Advisory, Kind, License};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use semver::Version;

use crate::cvss_metrics;
use crate::knowledge::{Entry, Knowledge};
use crate::markdown;
use crate::security::{CrateSecurity, VersionState, affected_ranges, runs};

/// Which tab of a crate page is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    /// Versions, dependencies and the summary.
    Overview,
    /// The advisories.
    Security,
}

/// The page frame: header with search, main content, footer.
pub(crate) fn layout(title: &str, knowledge: &Knowledge, feed: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · cratewatch" }
                link rel="stylesheet" href="/static/style.css";
                link rel="alternate" type="application/atom+xml" title="All advisories" href="/feed.xml";
                @if let Some(feed) = feed {
                    link rel="alternate" type="application/atom+xml" title={ (title) " advisories" } href=(feed);
                }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "cratewatch" }
                    form role="search" action="/search" method="get" {
                        label.visually-hidden for="q" { "Search crates and advisories" }
                        input #q type="search" name="q" placeholder="Crate, RUSTSEC id, CVE or GHSA";
                        button type="submit" { "Search" }
                    }
                }
                main #main { (body) }
                footer {
                    (knowledge.entries().len()) " advisories from " (knowledge.provenance().source)
                    @if let Some(commit) = &knowledge.provenance().commit { " at " code { (short(commit)) } }
                    " · " a href="/advisories" { "All advisories" }
                    " · " a href="/categories" { "Categories" }
                    " · " a href="/feed.xml" { "Atom feed" }
                    " · " a href="/api/openapi.json" { "API" }
                }
            }
        }
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The home page: search and the latest advisories.
pub(crate) fn home(knowledge: &Knowledge) -> Markup {
    let body = html! {
        h1 { "Security advisories for Rust crates" }
        p {
            "Search a crate to see which of its versions are affected by known vulnerabilities, unsound code, "
            "unmaintained status or malicious releases, and what to upgrade to."
        }
        h2 { "Latest advisories" }
        (advisory_list(knowledge.entries().iter().take(30)))
    };
    layout("Security advisories", knowledge, None, body)
}

/// A short list of advisories: id, crate, kind, title and date.
pub(crate) fn advisory_list<'a>(entries: impl IntoIterator<Item = &'a std::sync::Arc<Entry>>) -> Markup {
    html! {
        ul.plain {
            @for entry in entries {
                @let a = &entry.advisory;
                li {
                    a href={ "/advisories/" (a.id.as_str()) } { (a.id.as_str()) } " "
                    (kind_label(a)) " "
                    @if a.collection == cratewatch_advisory::Collection::Crates {
                        a href={ "/crates/" (a.package) } { code { (a.package) } }
                    } @else { code { (a.package) } }
                    ": " (title(a))
                    " " span.muted { "(" (a.date.to_string()) ")" }
                }
            }
        }
    }
}

/// An advisory's title with its code spans as `<code>`; struck through (`<s>`: no longer accurate)
/// when the advisory was withdrawn.
fn title(a: &Advisory) -> Markup {
    html! {
        @if a.withdrawn.is_some() { s.title.muted { (markdown::title(&a.title)) } }
        @else { span.title { (markdown::title(&a.title)) } }
    }
}

/// How bad the advisories affecting a version are, for the colour of its banner and tab: a
/// vulnerability (or malicious release) is an alarm, unsound code a warning, and an unmaintained crate
/// or a notice is information about the crate rather than a defect of the version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gravity {
    /// Unmaintained, notice and unknown informational kinds.
    Informational,
    /// Unsound code.
    Unsound,
    /// A vulnerability or a malicious release.
    Vulnerable,
}

impl Gravity {
    fn of(kind: Kind) -> Gravity {
        match kind {
            Kind::Vulnerability | Kind::Malicious => Gravity::Vulnerable,
            Kind::Unsound => Gravity::Unsound,
            _ => Gravity::Informational,
        }
    }

    /// The gravest of the advisories `indices` of `c`; `None` for none.
    fn worst(c: &CrateSecurity, indices: &[usize]) -> Option<Gravity> {
        indices.iter().map(|&i| Gravity::of(c.advisories[i].advisory.kind())).max()
    }

    /// The banner's class: red, amber or the calm blue of information.
    fn banner(self) -> &'static str {
        match self {
            Gravity::Vulnerable => "banner bad",
            Gravity::Unsound => "banner warn",
            Gravity::Informational => "banner info",
        }
    }
}

fn kind_label(a: &Advisory) -> Markup {
    let kind = a.kind().as_str();
    html! {
        span class={ "label " (kind) } { (kind) }
        @if a.withdrawn.is_some() { " " span class="label withdrawn" { "withdrawn" } }
    }
}

/// The crate page header with its tabs.
fn crate_header(c: &CrateSecurity, selected: Option<&VersionState>, tab: Tab, explicit: bool) -> Markup {
    let base = match (explicit, selected) {
        (true, Some(v)) => format!("/crates/{}/{}", c.name, v.version),
        _ => format!("/crates/{}", c.name),
    };
    let gravity = selected.and_then(|v| Gravity::worst(c, &v.affected_by));
    // The tab is highlighted whenever an advisory affects the version; only informational ones make
    // it calm rather than red.
    let tab_class = gravity.map(|g| if g == Gravity::Informational { "alert calm" } else { "alert" });
    let count = c.advisories.iter().filter(|e| e.advisory.withdrawn.is_none()).count();
    html! {
        div.crate-head {
            h1 {
                (c.name)
                @if let Some(v) = selected { " " small { (v.version.to_string()) @if v.yanked { " (yanked)" } } }
            }
            @if !c.versions.is_empty() { (version_picker(c, selected, tab)) }
        }
        nav.tabs aria-label="Crate sections" {
            ul {
                li { a href=(base) aria-current=[(tab == Tab::Overview).then_some("page")] { "Overview" } }
                li {
                    a href={ (base) "/security" } class=[tab_class]
                        aria-current=[(tab == Tab::Security).then_some("page")] {
                        "Security"
                        span.count aria-label={ (count) " advisories" } { (count) }
                        @if gravity.is_some() { span.visually-hidden { " (this version is affected)" } }
                    }
                }
            }
        }
        @if let Some(entry) = c.crate_wide(Kind::Unmaintained) {
            div.banner.info role="note" {
                strong { "Unmaintained. " }
                (markdown::title(&entry.advisory.title)) " — "
                a href={ "/advisories/" (entry.advisory.id.as_str()) } { (entry.advisory.id.as_str()) }
            }
        }
    }
}

/// The version picker: a plain GET form (no script) whose `?version=V` the crate routes answer with a
/// redirect to the version's page (see [`picked_version`]).
fn version_picker(c: &CrateSecurity, selected: Option<&VersionState>, tab: Tab) -> Markup {
    let action = match tab {
        Tab::Overview => format!("/crates/{}", c.name),
        Tab::Security => format!("/crates/{}/security", c.name),
    };
    html! {
        form.picker method="get" action=(action) {
            label for="version" { "Version" }
            select #version name="version" {
                @for v in &c.versions {
                    @let num = v.version.to_string();
                    option value=(num) selected[selected.is_some_and(|s| s.version == v.version)] {
                        (num) @if v.yanked { " (yanked)" }
                    }
                }
            }
            button type="submit" { "Show" }
        }
    }
}

/// Where the version picker's form goes: for `?version=V` on the crate page of `tab`, the page of that
/// version (`/crates/{name}/{V}` or `/crates/{name}/{V}/security`); for an empty `version`, the crate's
/// default page. `None` when the query has no `version` (the crate page itself is served). The name
/// and the version are percent-encoded, so that whatever the query holds, the `Location` is a valid
/// header, and the version route reports a malformed version as it does for any other request.
pub(crate) fn picked_version(name: &str, tab: Tab, query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    let version = pairs.into_iter().find(|(key, _)| key == "version").map(|(_, value)| value)?;
    let version = version.trim();
    let mut location = format!("/crates/{}", encode_segment(name));
    if !version.is_empty() {
        location.push('/');
        location.push_str(&encode_segment(version));
    }
    if tab == Tab::Security {
        location.push_str("/security");
    }
    Some(location)
}

/// Percent-encodes everything but unreserved characters (RFC 3986), `+` excepted as semver uses it.
fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `/crates/{name}` and `/crates/{name}/{version}`.
pub(crate) fn crate_overview(
    knowledge: &Knowledge,
    c: &CrateSecurity,
    selected: Option<&VersionState>,
    explicit: bool,
    index: Option<&cratewatch_index::IndexVersion>,
) -> Markup {
    let body = html! {
        (crate_header(c, selected, Tab::Overview, explicit))
        @if let Some(v) = selected {
            (version_banner(c, v))
        }
        @if c.versions.is_empty() {
            p.muted { "The registry index does not list this crate (it may have been removed); its advisories are on the Security tab." }
        } @else {
            dl.facts {
                dt { "Versions" } dd { (c.versions.len()) " published, " (c.versions.iter().filter(|v| v.yanked).count()) " yanked" }
                dt { "Newest" } dd { (c.versions[0].version.to_string()) }
                @if let Some(iv) = index {
                    @if let Some(msrv) = &iv.rust_version { dt { "Rust version" } dd { (msrv) } }
                    @if let Some(links) = &iv.links { dt { "Links" } dd { code { (links) } } }
                    dt { "Features" } dd { (iv.features.len()) }
                }
            }
            @if let Some(iv) = index {
                h2 { "Dependencies of " (iv.version.to_string()) }
                @if iv.deps.is_empty() { p.muted { "None." } } @else {
                    table {
                        thead { tr { th scope="col" { "Crate" } th scope="col" { "Requirement" } th scope="col" { "Kind" } th scope="col" { "Notes" } } }
                        tbody {
                            @for dep in iv.deps.iter() {
                                tr {
                                    td { a href={ "/crates/" (dep.crate_name()) "/security" } { (dep.crate_name()) }
                                        @if dep.package.is_some() { " " span.muted { "as " (dep.name) } } }
                                    td { code { (dep.req.to_string()) } }
                                    td { (dep.kind.as_str()) }
                                    td.muted {
                                        @if dep.optional { "optional " }
                                        @if let Some(t) = &dep.target { "target " code { (t) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&c.name, knowledge, Some(&format!("/crates/{}/feed.xml", c.name)), body)
}

/// The banner under a crate's header: whether the selected version is affected, and by what kinds.
/// Red (an alert) for a vulnerability or a malicious release, amber for unsound code, the calm blue of
/// a note when only unmaintained or notice advisories concern it.
fn version_banner(c: &CrateSecurity, v: &VersionState) -> Markup {
    let n = v.affected_by.len();
    let gravity = Gravity::worst(c, &v.affected_by);
    let mut kinds: Vec<(Kind, usize)> = Vec::new();
    for &i in &v.affected_by {
        let kind = c.advisories[i].advisory.kind();
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, count)) => *count += 1,
            None => kinds.push((kind, 1)),
        }
    }
    kinds.sort();
    html! {
        @if n == 0 {
            div.banner.ok role="status" { "No known advisory affects " (c.name) " " (v.version.to_string()) "." }
        } @else if gravity == Some(Gravity::Informational) {
            div class=(Gravity::Informational.banner()) role="note" {
                strong { (c.name) " " (v.version.to_string()) " has " (n) @if n == 1 { " informational advisory" } @else { " informational advisories" } }
                " (" @for (m, (kind, count)) in kinds.iter().enumerate() { @if m > 0 { ", " } (count) " " (kind.as_str()) } "). "
                "No known vulnerability or unsound code affects this version."
            }
        } @else {
            div class=(gravity.unwrap_or(Gravity::Vulnerable).banner()) role="alert" {
                strong { (c.name) " " (v.version.to_string()) " is affected by " (n) @if n == 1 { " advisory" } @else { " advisories" } }
                " (" @for (m, (kind, count)) in kinds.iter().enumerate() { @if m > 0 { ", " } (count) " " (kind.as_str()) } "). "
                @match c.overall_upgrade(v) {
                    Some(up) => { "Nearest safe upgrade: " strong { (up.version.to_string()) }
                        @if up.compatible { " (semver-compatible)" } @else { " (not semver-compatible)" } }
                    None => {}
                }
            }
        }
    }
}

/// `/crates/{name}/security` and `/crates/{name}/{version}/security`.
pub(crate) fn crate_security(
    knowledge: &Knowledge,
    c: &CrateSecurity,
    selected: Option<&VersionState>,
    explicit: bool,
) -> Markup {
    let affecting: Vec<usize> = selected.map(|v| v.affected_by.clone()).unwrap_or_default();
    let live: Vec<usize> = (0..c.advisories.len()).filter(|&i| c.advisories[i].advisory.withdrawn.is_none()).collect();
    let others: Vec<usize> = live.iter().copied().filter(|i| !affecting.contains(i)).collect();
    let withdrawn: Vec<usize> = (0..c.advisories.len()).filter(|i| !live.contains(i)).collect();
    let body = html! {
        (crate_header(c, selected, Tab::Security, explicit))
        @if let Some(v) = selected { (version_banner(c, v)) }
        @if c.advisories.is_empty() {
            div.banner.ok role="status" { "No advisories have been published for " (c.name) "." }
        } @else {
            @if let Some(v) = selected {
                h2 { "Affects " (v.version.to_string()) " (" (affecting.len()) ")" }
                @if affecting.is_empty() { p.muted { "None." } }
                @for &i in &affecting { (advisory_card(c, i, Some(v), Relation::Affects)) }
                h2 { "Affects other versions only (" (others.len()) ")" }
                @if others.is_empty() { p.muted { "None." } }
                @for &i in &others { (advisory_card(c, i, Some(v), Relation::Other)) }
            } @else {
                h2 { "Advisories (" (live.len()) ")" }
                @for &i in &live { (advisory_card(c, i, None, Relation::Unknown)) }
            }
            @if !withdrawn.is_empty() {
                h2 { "Withdrawn (" (withdrawn.len()) ")" }
                @for &i in &withdrawn { (advisory_card(c, i, selected, Relation::Unknown)) }
            }
        }
        @if !c.versions.is_empty() {
            h2 #versions { "Versions" }
            table {
                caption.visually-hidden { "Published versions and the advisories that affect each" }
                thead { tr { th scope="col" { "Version" } th scope="col" { "Status" } th scope="col" { "Advisories" } } }
                tbody {
                    @for v in &c.versions {
                        tr class=(if v.affected_by.is_empty() { "s" } else { "a" }) {
                            td { a href={ "/crates/" (c.name) "/" (v.version.to_string()) "/security" } { (v.version.to_string()) }
                                @if v.yanked { " " span.muted { "yanked" } } }
                            td { @if v.affected_by.is_empty() { "not affected" } @else { "affected" } }
                            td { @for (n, &i) in v.affected_by.iter().enumerate() {
                                @let id = c.advisories[i].advisory.id.as_str();
                                @if n > 0 { ", " } a href={ "#" (id) } { (id) }
                            } }
                        }
                    }
                }
            }
        }
    };
    let title = format!("{} security", c.name);
    layout(&title, knowledge, Some(&format!("/crates/{}/feed.xml", c.name)), body)
}

/// How a card on a crate's Security tab relates to the version selected there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// The advisory affects the selected version: highlighted.
    Affects,
    /// It affects other versions only: muted, and labelled so.
    Other,
    /// No version is selected, or the advisory was withdrawn.
    Unknown,
}

/// One advisory with every field, as a card on a crate's Security tab. `selected` is the version the
/// visitor is looking at.
fn advisory_card(c: &CrateSecurity, index: usize, selected: Option<&VersionState>, relation: Relation) -> Markup {
    let entry = &c.advisories[index];
    let affected = c.affected_versions(index);
    let upgrade =
        selected.filter(|v| v.affected_by.contains(&index)).and_then(|v| c.safe_upgrade(&v.version, &[index]));
    let version = selected.map(|v| v.version.to_string());
    let (class, label) = match (relation, &version) {
        (Relation::Affects, Some(v)) => (Some("affects"), Some(format!("affects {v}"))),
        (Relation::Other, Some(v)) => (Some("other"), Some(format!("does not affect {v}"))),
        _ => (None, None),
    };
    let extra = html! { @if let (Some(class), Some(label)) = (class, label) { " " span class={ "label " (class) } { (label) } } };
    let mut classes = String::from("advisory");
    if entry.advisory.withdrawn.is_some() {
        classes.push_str(" withdrawn");
    }
    if let Some(class) = class {
        classes.push(' ');
        classes.push_str(class);
    }
    if relation == Relation::Affects {
        match Gravity::of(entry.advisory.kind()) {
            Gravity::Vulnerable => {}
            Gravity::Unsound => classes.push_str(" g-unsound"),
            Gravity::Informational => classes.push_str(" g-info"),
        }
    }
    html! {
        article class=(classes) id=(entry.advisory.id.as_str()) aria-labelledby={ "h-" (entry.advisory.id.as_str()) } {
            (advisory_body(entry, 3, Some((c, &affected[..])), selected.map(|v| (v, upgrade)), extra))
        }
    }
}

/// The inside of an advisory card or page: heading, withdrawal notice, facts and description.
#[allow(clippy::type_complexity)]
fn advisory_body(
    entry: &Entry,
    level: u8,
    published: Option<(&CrateSecurity, &[&Version])>,
    selected: Option<(&VersionState, Option<cratewatch_advisory::SafeUpgrade>)>,
    extra_label: Markup,
) -> Markup {
    let a = &entry.advisory;
    let heading = html! {
        a href={ "/advisories/" (a.id.as_str()) } { (a.id.as_str()) } " "
        (title(a)) " " (kind_label(a)) (extra_label)
    };
    html! {
            @match level {
                1 => h1 #{ "h-" (a.id.as_str()) } { (heading) },
                _ => h3 #{ "h-" (a.id.as_str()) } { (heading) },
            }
            @if let Some(date) = a.withdrawn {
                div.banner.warn role="note" { "Withdrawn on " (date.to_string()) ": this advisory no longer applies." }
            }
            @if let Some(problem) = &entry.stale {
                div.banner.warn.stale role="note" {
                    "This advisory's file is malformed in the current database, so this is its last valid version, kept so that "
                    "the vulnerability does not vanish from this page. The problem: " code { (problem) }
                }
            }
            dl.facts {
                dt { "Crate" } dd {
                    @if a.collection == cratewatch_advisory::Collection::Crates { a href={ "/crates/" (a.package) } { code { (a.package) } } }
                    @else { code { (a.package) } " (Rust toolchain)" }
                }
                dt { "Date" } dd { (a.date.to_string()) }
                dt { "Affected" } dd { (affected_ranges(a)) }
                @if let Some((c, versions)) = published {
                    @if !c.versions.is_empty() {
                        dt { "Affected releases" } dd { (version_runs(c, versions)) }
                    }
                }
                dt { "Patched" } dd { (reqs_text(a.versions.patched(), "no patched version")) }
                @if !a.versions.unaffected().is_empty() { dt { "Unaffected" } dd { (reqs_text(a.versions.unaffected(), "")) } }
                @if let Some((v, Some(up))) = &selected {
                    dt { "Upgrade" } dd { "from " (v.version.to_string()) " to " strong { (up.version.to_string()) }
                        @if up.compatible { " (semver-compatible)" } @else { " (not semver-compatible)" } }
                }
                @if !a.aliases.is_empty() {
                    dt { "Aliases" } dd { @for (n, alias) in a.aliases.iter().enumerate() { @if n > 0 { ", " } (alias_link(alias)) } }
                }
                @if !a.related.is_empty() {
                    dt { "Related" } dd { @for (n, r) in a.related.iter().enumerate() { @if n > 0 { ", " } (alias_link(r)) } }
                }
                @if let Some(cvss) = &a.cvss {
                    dt { "CVSS" } dd {
                        strong { (format!("{:.1}", cvss.score())) " " (cvss.severity().as_str()) } " " code { (cvss.vector()) }
                        @if level == 1 { @if let Some(url) = cvss_metrics::calculator(cvss) {
                            " " a href=(url) rel="noopener noreferrer" { "FIRST calculator" }
                        } }
                    }
                    @if level == 1 {
                        dt { "CVSS details" } dd {
                            dl.cvss {
                                @for m in cvss_metrics::metrics(cvss) {
                                    dt { (m.name) } dd { (m.value) @if !m.known { " " span.muted { "(" code { (m.code) } ")" } } }
                                }
                            }
                        }
                    }
                }
                @if !a.categories.is_empty() {
                    dt { "Categories" } dd { @for (n, cat) in a.categories.iter().enumerate() { @if n > 0 { ", " } a href={ "/categories/" (cat.as_str()) } { (cat.as_str()) } } }
                }
                @if !a.keywords.is_empty() {
                    dt { "Keywords" } dd { @for (n, k) in a.keywords.iter().enumerate() { @if n > 0 { ", " } a href={ "/keywords/" (k) } { (k) } } }
                }
                @if let Some(affected) = &a.affected {
                    @if !affected.functions.is_empty() {
                        dt { "Functions" } dd { @for (path, reqs) in &affected.functions { code { (path) } " " span.muted { (reqs_text(reqs, "all versions")) } br; } }
                    }
                    @if !affected.os.is_empty() { dt { "OS" } dd { (affected.os.join(", ")) } }
                    @if !affected.arch.is_empty() { dt { "Architectures" } dd { (affected.arch.join(", ")) } }
                }
                @if let Some(url) = &a.url { dt { "Details" } dd { (external_link(url, url)) } }
                @if !a.references.is_empty() {
                    dt { "References" } dd { @for r in &a.references { (external_link(r, r)) br; } }
                }
            }
            // On an advisory's own page the description's demoted headings (h3) need an h2 above them.
            @if level == 1 { h2 { "Description" } }
            div.description { (PreEscaped(&entry.description_html)) }
    }
}

/// Where an advisory comes from, on its own page: the last change, the source file and its history,
/// the OSV record and the licence (with the attribution CC-BY-4.0 requires).
fn advisory_record(knowledge: &Knowledge, entry: &Entry) -> Markup {
    let a = &entry.advisory;
    let web = entry.file.as_ref().and_then(|f| knowledge.provenance().web.get(f.source)?.as_ref().map(|w| (f, w)));
    html! {
        h2 #record { "About this advisory" }
        dl.facts.record {
            @if entry.modified_known {
                dt { "Last modified" } dd { time datetime=(entry.modified) { (modified_text(&entry.modified)) } }
            }
            @if let Some(file) = &entry.file {
                dt { "Source file" } dd {
                    @if let Some((_, web)) = web {
                        a href=(web.blob(&file.path)) rel="noopener noreferrer" { code { (file.path) } }
                        " · " a href=(web.history(&file.path)) rel="noopener noreferrer" { "history" }
                    } @else {
                        code { (file.path) }
                    }
                }
            }
            @if entry.osv.is_some() {
                dt { "OSV" } dd { a href={ "/v1/vulns/" (a.id.as_str()) } type="application/json" { "OSV JSON record" } }
            }
            dt { "License" } dd { (license(a)) }
        }
    }
}

/// The last-modified time as "2024-05-22 14:03 UTC", from the RFC 3339 text (shown as is when it does
/// not parse).
fn modified_text(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// The advisory's licence. CC0 needs nothing more; CC-BY-4.0 (advisories adapted from GitHub's
/// database) requires naming the source, linking it and the licence; any other licence is named with
/// its SPDX page and the source, when the advisory gives one.
fn license(a: &Advisory) -> Markup {
    let spdx = a.license.as_str();
    let source = a.url.as_deref().map(|url| (url, source_name(url)));
    html! {
        @match &a.license {
            License::Cc0 => { "CC0-1.0 (public domain dedication)" }
            License::CcBy40 => {
                span.attribution {
                    "This advisory is adapted from "
                    @match source {
                        Some((url, name)) => { (external_link(url, &name)) }
                        None => { "a source the advisory does not name" }
                    }
                    ", used under the "
                    a href="https://creativecommons.org/licenses/by/4.0/" rel="license noopener noreferrer" { "Creative Commons Attribution 4.0 International license (CC-BY-4.0)" }
                    "."
                }
            }
            _ => {
                @if spdx.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'+')) {
                    a href={ "https://spdx.org/licenses/" (spdx) ".html" } rel="license noopener noreferrer" { (spdx) }
                } @else { (spdx) }
                @if let Some((url, name)) = source {
                    " · source: " (external_link(url, &name))
                }
            }
        }
    }
}

/// Names the source of an adapted advisory from its URL: GitHub's advisories by their GHSA id, any
/// other by its host.
fn source_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let ghsa = rest.split('/').find(|part| part.starts_with("GHSA-"));
    match ghsa {
        Some(id) if host.eq_ignore_ascii_case("github.com") => format!("GitHub Security Advisory {id}"),
        _ if host.is_empty() => url.to_owned(),
        _ => host.to_owned(),
    }
}

/// A link to `url` showing `text`, only when `url` is an `http`/`https` URL: anything else (a
/// `javascript:` or `data:` URL that reached the data some other way than the parser, which refuses
/// them) is shown as text, never as a link.
fn external_link(url: &str, text: &str) -> Markup {
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    let web = matches!(scheme.as_deref(), Some("http" | "https")) && url.contains("://");
    html! {
        @if web { a href=(url) rel="noopener noreferrer nofollow" { (text) } } @else { (text) }
    }
}

fn alias_link(alias: &str) -> Markup {
    // Aliases are ids (`CVE-2021-1234`, `GHSA-xxxx-xxxx-xxxx`): anything else is not put in a URL.
    let id_like = alias.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let url = if !id_like {
        None
    } else if alias.starts_with("CVE-") {
        Some(format!("https://www.cve.org/CVERecord?id={alias}"))
    } else if alias.starts_with("GHSA-") {
        Some(format!("https://github.com/advisories/{alias}"))
    } else if alias.starts_with("RUSTSEC-") {
        Some(format!("/advisories/{alias}"))
    } else {
        None
    };
    html! { @if let Some(url) = url { a href=(url) { (alias) } } @else { (alias) } }
}

fn reqs_text(reqs: &[semver::VersionReq], empty: &str) -> String {
    if reqs.is_empty() {
        return empty.to_owned();
    }
    reqs.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or ")
}

fn version_runs(c: &CrateSecurity, versions: &[&Version]) -> Markup {
    let runs = runs(&c.versions, versions);
    html! {
        @if runs.is_empty() { "none of the published versions" } @else {
            (versions.len()) " of " (c.versions.len()) ": "
            @for (n, (first, last, count)) in runs.iter().enumerate() {
                @if n > 0 { ", " }
                @if count == &1 { (first.to_string()) } @else { (first.to_string()) " to " (last.to_string()) " (" (count) ")" }
            }
        }
    }
}

/// `/advisories/{id}`.
pub(crate) fn advisory_page(knowledge: &Knowledge, entry: &Entry, c: Option<&CrateSecurity>) -> Markup {
    let a = &entry.advisory;
    let published = c.and_then(|c| {
        let index = c.advisories.iter().position(|e| e.advisory.id == a.id)?;
        Some((c, index))
    });
    let affected = published.map(|(c, i)| c.affected_versions(i)).unwrap_or_default();
    let body = html! {
        article.advisory.withdrawn[a.withdrawn.is_some()] aria-labelledby={ "h-" (a.id.as_str()) } {
            (advisory_body(entry, 1, published.map(|(c, _)| (c, &affected[..])), None, html! {}))
            (advisory_record(knowledge, entry))
        }
    };
    layout(&format!("{} {}", a.id.as_str(), a.package), knowledge, None, body)
}

/// `/advisories?page=N`.
pub(crate) fn advisories_page(knowledge: &Knowledge, page: usize, per_page: usize) -> Markup {
    let total = knowledge.entries().len();
    let pages = total.div_ceil(per_page).max(1);
    let body = html! {
        h1 { "All advisories" }
        p.muted { (total) " advisories, newest first. Page " (page) " of " (pages) "." }
        (advisory_list(knowledge.entries().iter().skip((page - 1) * per_page).take(per_page)))
        nav.pager aria-label="Pages" {
            @if page > 1 { a href={ "/advisories?page=" (page - 1) } rel="prev" { "← Newer" } }
            @if page < pages { a href={ "/advisories?page=" (page + 1) } rel="next" { "Older →" } }
        }
    };
    layout("All advisories", knowledge, None, body)
}

/// `/categories`.
pub(crate) fn categories_page(knowledge: &Knowledge) -> Markup {
    let body = html! {
        h1 { "Categories" }
        ul.plain { @for (c, n) in knowledge.categories() { li { a href={ "/categories/" (c) } { (c) } " " span.muted { "(" (n) ")" } } } }
    };
    layout("Categories", knowledge, None, body)
}

/// `/categories/{c}` and `/keywords/{k}`.
pub(crate) fn tagged_page(knowledge: &Knowledge, what: &str, tag: &str, entries: &[&std::sync::Arc<Entry>]) -> Markup {
    let body = html! {
        h1 { (what) ": " (tag) }
        p.muted { (entries.len()) " advisories, newest first." }
        (advisory_list(entries.iter().copied()))
    };
    layout(&format!("{what} {tag}"), knowledge, None, body)
}

/// `/search?q=` results when the query is not an exact id, alias or crate.
pub(crate) fn search_page(
    knowledge: &Knowledge,
    query: &str,
    crates: &[String],
    entries: &[&std::sync::Arc<Entry>],
) -> Markup {
    let body = html! {
        h1 { "Search" }
        form role="search" action="/search" method="get" {
            label for="q2" { "Crate name, RUSTSEC id, CVE or GHSA" } " "
            input #q2 type="search" name="q" value=(query);
            " " button type="submit" { "Search" }
        }
        @if !query.is_empty() {
            h2 { "Crates (" (crates.len()) ")" }
            @if crates.is_empty() { p.muted { "No crate matches “" (query) "”." } }
            ul.plain { @for name in crates { li { a href={ "/crates/" (name) "/security" } { (name) } } } }
            h2 { "Advisories (" (entries.len()) ")" }
            @if entries.is_empty() { p.muted { "No advisory matches “" (query) "”." } }
            (advisory_list(entries.iter().copied()))
        }
    };
    layout("Search", knowledge, None, body)
}

/// An error page (404, 400) with the same frame.
pub(crate) fn error_page(knowledge: &Knowledge, title: &str, detail: &str) -> Markup {
    let body = html! {
        h1 { (title) }
        div.banner.bad role="alert" { (detail) }
        p { a href="/" { "Back to the start page" } " or search above." }
    };
    layout(title, knowledge, None, body)
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::knowledge::{Provenance, SourceWeb};

    #[test]
    fn a_github_source_links_the_file_and_its_history_at_the_served_commit() {
        let db = cratewatch_testdata::advisory_db_copy("pages-github-links");
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let provenance = Provenance {
            source: "https://github.com/rustsec/advisory-db.git".to_owned(),
            commit: Some(commit.to_owned()),
            loaded_at: SystemTime::now(),
            web: vec![SourceWeb::github("https://github.com/rustsec/advisory-db.git", commit)],
        };
        let k = Knowledge::load_all(&[db], provenance).unwrap();
        let entry = k.by_id("RUSTSEC-2021-0078").unwrap();
        let html = advisory_page(&k, entry, None).into_string();
        let doc = scraper::Html::parse_document(&html);
        let file = "crates/hyper/RUSTSEC-2021-0078.md";
        let hrefs: Vec<&str> = doc
            .select(&scraper::Selector::parse("dl.record a").unwrap())
            .filter_map(|a| a.value().attr("href"))
            .collect();
        let base = "https://github.com/rustsec/advisory-db";
        assert!(hrefs.contains(&format!("{base}/blob/{commit}/{file}").as_str()), "{hrefs:?}");
        assert!(hrefs.contains(&format!("{base}/commits/{commit}/{file}").as_str()), "{hrefs:?}");
        // A plain copy has no history: no "last modified" is made up from the publication date.
        assert!(!entry.modified_known);
        assert!(doc.select(&scraper::Selector::parse("time").unwrap()).next().is_none(), "{html}");
    }

    #[test]
    fn the_picker_query_becomes_a_safe_location() {
        let check = |tab, query: Option<&str>, expected: Option<&str>| {
            assert_eq!(picked_version("smallvec", tab, query).as_deref(), expected, "{query:?}");
        };
        check(Tab::Security, Some("version=0.6.9"), Some("/crates/smallvec/0.6.9/security"));
        check(Tab::Overview, Some("a=b&version=1.0.0-rc.1%2Bmeta"), Some("/crates/smallvec/1.0.0-rc.1+meta"));
        check(Tab::Overview, Some("version=+1.0.0+"), Some("/crates/smallvec/1.0.0"));
        check(Tab::Overview, Some("version"), Some("/crates/smallvec"));
        check(Tab::Overview, Some("version=%e2%82%ac%ZZ/..%2F"), Some("/crates/smallvec/%E2%82%AC%25ZZ%2F..%2F"));
        check(Tab::Security, Some("versions=1"), None);
        check(Tab::Security, None, None);
    }

    #[test]
    fn adapted_advisories_name_their_source() {
        assert_eq!(
            source_name("https://github.com/RustCrypto/AEADs/security/advisories/GHSA-423w-p2w9-r7vq"),
            "GitHub Security Advisory GHSA-423w-p2w9-r7vq"
        );
        assert_eq!(
            source_name("https://github.com/advisories/GHSA-xxxx-yyyy-zzzz"),
            "GitHub Security Advisory GHSA-xxxx-yyyy-zzzz"
        );
        assert_eq!(source_name("https://example.org/notes/1"), "example.org");
        assert_eq!(source_name("not a url"), "not a url");
        for (url, linked) in [
            ("https://example.org/x", true),
            ("HTTP://example.org", true),
            ("javascript:alert(1)", false),
            ("JavaScript://%0aalert(1)", false),
            ("data:text/html,<b>x</b>", false),
            ("//example.org", false),
            ("https:no-slashes", false),
        ] {
            let html = super::external_link(url, "t").into_string();
            assert_eq!(html.contains("<a "), linked, "{url}: {html}");
        }
        assert!(!super::alias_link("CVE-1\"><script>").into_string().contains("<a "));
    }
}
