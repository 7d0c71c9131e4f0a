//! Server-rendered HTML. No JavaScript: every page works in any browser, and a strict Content Security
//! Policy (set by the app) forbids scripts outright. maud escapes every interpolated string; the only
//! raw HTML is an advisory description, which [`crate::markdown`] has sanitized.

use std::fmt::Write;

use cratewatch_advisory::{Advisory, Kind};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use semver::Version;

use crate::knowledge::{Entry, Knowledge};
use crate::security::{CrateSecurity, VersionState, runs};

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
                    ": " span class=[a.withdrawn.map(|_| "muted")] { (a.title) }
                    " " span.muted { "(" (a.date.to_string()) ")" }
                }
            }
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
    let affected_here = selected.is_some_and(|v| !v.affected_by.is_empty());
    let count = c.advisories.iter().filter(|e| e.advisory.withdrawn.is_none()).count();
    html! {
        h1 {
            (c.name)
            @if let Some(v) = selected { " " small { (v.version.to_string()) @if v.yanked { " (yanked)" } } }
        }
        nav.tabs aria-label="Crate sections" {
            ul {
                li { a href=(base) aria-current=[(tab == Tab::Overview).then_some("page")] { "Overview" } }
                li {
                    a href={ (base) "/security" } class=[affected_here.then_some("alert")]
                        aria-current=[(tab == Tab::Security).then_some("page")] {
                        "Security"
                        span.count aria-label={ (count) " advisories" } { (count) }
                        @if affected_here { span.visually-hidden { " (this version is affected)" } }
                    }
                }
            }
        }
        @if let Some(entry) = c.crate_wide(Kind::Unmaintained) {
            div.banner.warn role="note" {
                strong { "Unmaintained. " }
                (entry.advisory.title) " — "
                a href={ "/advisories/" (entry.advisory.id.as_str()) } { (entry.advisory.id.as_str()) }
            }
        }
    }
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

fn version_banner(c: &CrateSecurity, v: &VersionState) -> Markup {
    let n = v.affected_by.len();
    html! {
        @if n == 0 {
            div.banner.ok role="status" { "No known advisory affects " (c.name) " " (v.version.to_string()) "." }
        } @else {
            div.banner.bad role="alert" {
                strong { (c.name) " " (v.version.to_string()) " is affected by " (n) @if n == 1 { " advisory" } @else { " advisories" } ". " }
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
                @for &i in &affecting { (advisory_card(c, i, Some(v), 3)) }
                h2 { "Affects other versions only (" (others.len()) ")" }
                @if others.is_empty() { p.muted { "None." } }
                @for &i in &others { (advisory_card(c, i, Some(v), 3)) }
            } @else {
                h2 { "Advisories (" (live.len()) ")" }
                @for &i in &live { (advisory_card(c, i, None, 3)) }
            }
            @if !withdrawn.is_empty() {
                h2 { "Withdrawn (" (withdrawn.len()) ")" }
                @for &i in &withdrawn { (advisory_card(c, i, selected, 3)) }
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
                            td { @for (n, &i) in v.affected_by.iter().enumerate() { @if n > 0 { ", " } (c.advisories[i].advisory.id.as_str()) } }
                        }
                    }
                }
            }
        }
    };
    let title = format!("{} security", c.name);
    layout(&title, knowledge, Some(&format!("/crates/{}/feed.xml", c.name)), body)
}

/// One advisory with every field. `c` gives the published versions when known; `selected` the
/// version the visitor is looking at.
fn advisory_card(c: &CrateSecurity, index: usize, selected: Option<&VersionState>, level: u8) -> Markup {
    let entry = &c.advisories[index];
    let affected = c.affected_versions(index);
    let upgrade =
        selected.filter(|v| v.affected_by.contains(&index)).and_then(|v| c.safe_upgrade(&v.version, &[index]));
    advisory_details(entry, level, Some((c, &affected[..])), selected.map(|v| (v, upgrade)))
}

/// The full advisory block, used on crate pages and on `/advisories/{id}`.
#[allow(clippy::type_complexity)]
pub(crate) fn advisory_details(
    entry: &Entry,
    level: u8,
    published: Option<(&CrateSecurity, &[&Version])>,
    selected: Option<(&VersionState, Option<cratewatch_advisory::SafeUpgrade>)>,
) -> Markup {
    let a = &entry.advisory;
    let heading = html! {
        a href={ "/advisories/" (a.id.as_str()) } { (a.id.as_str()) } " "
        span.title { (a.title) } " " (kind_label(a))
    };
    html! {
        article.advisory.withdrawn[a.withdrawn.is_some()] aria-labelledby={ "h-" (a.id.as_str()) } {
            @match level {
                1 => h1 #{ "h-" (a.id.as_str()) } { (heading) },
                2 => h2 #{ "h-" (a.id.as_str()) } { (heading) },
                _ => h3 #{ "h-" (a.id.as_str()) } { (heading) },
            }
            @if let Some(date) = a.withdrawn {
                div.banner.warn role="note" { "Withdrawn on " (date.to_string()) ": this advisory no longer applies." }
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
                    dt { "CVSS" } dd { strong { (format!("{:.1}", cvss.score())) " " (cvss.severity().as_str()) } " " code { (cvss.vector()) } }
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
                @if let Some(url) = &a.url { dt { "Details" } dd { a href=(url) rel="noopener noreferrer nofollow" { (url) } } }
                @if !a.references.is_empty() {
                    dt { "References" } dd { @for r in &a.references { a href=(r) rel="noopener noreferrer nofollow" { (r) } br; } }
                }
            }
            // On an advisory's own page the description's demoted headings (h3) need an h2 above them.
            @if level == 1 { h2 { "Description" } }
            div.description { (PreEscaped(&entry.description_html)) }
        }
    }
}

fn alias_link(alias: &str) -> Markup {
    let url = if alias.starts_with("CVE-") {
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

/// The affected ranges as text: "< 0.3.1 or >= 0.4.0, < 0.4.2".
pub(crate) fn affected_ranges(a: &Advisory) -> String {
    let ranges = a.versions.affected_ranges();
    if ranges.is_empty() {
        return "no version".to_owned();
    }
    let mut text = String::new();
    for (n, range) in ranges.iter().enumerate() {
        if n > 0 {
            text.push_str(" or ");
        }
        let _ = write!(text, "{range}");
    }
    text
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
        (advisory_details(entry, 1, published.map(|(c, _)| (c, &affected[..])), None))
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
