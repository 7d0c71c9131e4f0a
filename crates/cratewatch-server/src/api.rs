//! JSON API bodies. The view types borrow from the snapshot; their schemas in `/api/openapi.json` are
//! derived from them, so the document and the answers cannot drift apart. Renaming a field here is an
//! API change.

use cratewatch_advisory::Advisory;
use serde::Serialize;

use crate::knowledge::Entry;
use crate::security::{CrateSecurity, VersionState, affected_ranges};

/// A crate's versions, each with the ids of the non-withdrawn advisories (of any kind) that affect it,
/// and every advisory about the crate (withdrawn ones included).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CrateSecurity)]
pub(crate) struct CrateBody<'a> {
    /// The crate and its published versions.
    #[serde(rename = "crate")]
    krate: CrateView<'a>,
    /// Every advisory about the crate, newest first, withdrawn ones included.
    advisories: Vec<AdvisoryView<'a>>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CrateView<'a> {
    /// The name as the registry spells it.
    name: &'a str,
    /// Published versions, newest first.
    versions: Vec<VersionView<'a>>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct VersionView<'a> {
    /// The version.
    num: String,
    /// Whether it was yanked.
    yanked: bool,
    /// Ids of the non-withdrawn advisories of any kind whose ranges contain this version.
    advisories: Vec<&'a str>,
}

/// One version's state.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = VersionSecurity)]
pub(crate) struct VersionBody<'a> {
    /// The crate's name.
    #[serde(rename = "crate")]
    krate: &'a str,
    /// The version.
    version: String,
    /// Whether it was yanked.
    yanked: bool,
    /// Whether any non-withdrawn advisory affects it.
    affected: bool,
    /// The non-withdrawn advisories that affect it.
    advisories: Vec<AdvisoryView<'a>>,
    /// The smallest published, non-yanked, semver-compatible version above this one that no
    /// vulnerability, malicious or unsound advisory affects, else the smallest such version at all;
    /// null when no such advisory affects this version or none is safe.
    nearest_safe_upgrade: Option<String>,
    /// Whether `nearest_safe_upgrade` is semver-compatible with this version.
    nearest_safe_upgrade_compatible: Option<bool>,
}

/// A list of advisories, newest first.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AdvisoryList)]
pub(crate) struct AdvisoriesBody<'a> {
    /// The advisories.
    advisories: Vec<AdvisoryView<'a>>,
}

/// An advisory with every field the pages show.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Advisory)]
pub(crate) struct AdvisoryView<'a> {
    /// The advisory's id (`RUSTSEC-YYYY-NNNN`, or the id of an imported OSV record).
    id: &'a str,
    /// The crate name, or the Rust component for the `rust` collection.
    #[serde(rename = "crate")]
    package: &'a str,
    /// `crates` or `rust`.
    #[schema(value_type = String, example = "crates")]
    collection: &'static str,
    /// `vulnerability`, `malicious`, `unmaintained`, `unsound`, `notice` or `informational`.
    #[schema(value_type = String, example = "vulnerability")]
    kind: &'static str,
    /// The title (Markdown inline text).
    title: &'a str,
    /// The publication date, `YYYY-MM-DD`.
    date: String,
    /// The withdrawal date, when withdrawn.
    withdrawn: Option<String>,
    /// CVE, GHSA and other ids of the same vulnerability.
    aliases: &'a [String],
    /// Ids of related advisories.
    related: &'a [String],
    /// RustSec categories (`memory-corruption`, `denial-of-service`, ...).
    categories: Vec<&'a str>,
    /// Free-form keywords.
    keywords: &'a [String],
    /// The CVSS vector with its base score and rating, when there is one.
    cvss: Option<CvssView<'a>>,
    /// Semver requirements of patched versions.
    patched: Vec<String>,
    /// Semver requirements of versions never affected.
    unaffected: Vec<String>,
    /// What is affected.
    affected: AffectedView<'a>,
    /// The advisory's main link.
    url: Option<&'a str>,
    /// Further links.
    references: &'a [String],
    /// Markdown, as written.
    description: &'a str,
    /// The description rendered and sanitized.
    description_html: &'a str,
    /// Set when the advisory's file is malformed now and this is its last valid version (kept so
    /// that a broken commit never makes a vulnerability vanish): what is wrong with the file.
    stale: Option<&'a str>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CvssView<'a> {
    /// The vector, e.g. `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`.
    vector: &'a str,
    /// The base score, 0.0 to 10.0.
    score: f64,
    /// `none`, `low`, `medium`, `high` or `critical`.
    #[schema(value_type = String)]
    severity: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AffectedView<'a> {
    /// The affected version ranges as text, as on the page.
    ranges: String,
    /// The architectures affected, when limited.
    arch: &'a [String],
    /// The operating systems affected, when limited.
    os: &'a [String],
    /// The functions affected, each with the versions where it is.
    functions: Vec<FunctionView<'a>>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct FunctionView<'a> {
    /// The function's path, e.g. `smallvec::SmallVec::insert_many`.
    path: &'a str,
    /// Semver requirements of the versions where it is affected.
    versions: Vec<String>,
}

impl<'a> AdvisoryView<'a> {
    /// The view of one advisory.
    pub(crate) fn new(entry: &'a Entry) -> Self {
        let a: &Advisory = &entry.advisory;
        let reqs = |list: &[semver::VersionReq]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        let (arch, os, functions): (&[String], &[String], _) = match &a.affected {
            Some(affected) => (
                &affected.arch,
                &affected.os,
                affected.functions.iter().map(|(path, list)| FunctionView { path, versions: reqs(list) }).collect(),
            ),
            None => (&[], &[], Vec::new()),
        };
        AdvisoryView {
            id: a.id.as_str(),
            package: &a.package,
            collection: a.collection.as_str(),
            kind: a.kind().as_str(),
            title: &a.title,
            date: a.date.to_string(),
            withdrawn: a.withdrawn.map(|d| d.to_string()),
            aliases: &a.aliases,
            related: &a.related,
            categories: a.categories.iter().map(|c| c.as_str()).collect(),
            keywords: &a.keywords,
            cvss: a.cvss.as_ref().map(|c| CvssView {
                vector: c.vector(),
                score: c.score(),
                severity: c.severity().as_str(),
            }),
            patched: reqs(a.versions.patched()),
            unaffected: reqs(a.versions.unaffected()),
            affected: AffectedView { ranges: affected_ranges(a), arch, os, functions },
            url: a.url.as_deref(),
            references: &a.references,
            description: &a.description,
            description_html: &entry.description_html,
            stale: entry.stale.as_deref(),
        }
    }
}

/// The body of `/api/v1/crates/{name}/security`.
pub(crate) fn crate_body(c: &CrateSecurity) -> CrateBody<'_> {
    CrateBody {
        krate: CrateView {
            name: &c.name,
            versions: c
                .versions
                .iter()
                .map(|v| VersionView {
                    num: v.version.to_string(),
                    yanked: v.yanked,
                    advisories: v.affected_by.iter().map(|&i| c.advisories[i].advisory.id.as_str()).collect(),
                })
                .collect(),
        },
        advisories: c.advisories.iter().map(|e| AdvisoryView::new(e)).collect(),
    }
}

/// The body of `/api/v1/crates/{name}/{version}/security`.
pub(crate) fn version_body<'a>(c: &'a CrateSecurity, v: &'a VersionState) -> VersionBody<'a> {
    let upgrade = c.overall_upgrade(v);
    VersionBody {
        krate: &c.name,
        version: v.version.to_string(),
        yanked: v.yanked,
        affected: !v.affected_by.is_empty(),
        advisories: v.affected_by.iter().map(|&i| AdvisoryView::new(&c.advisories[i])).collect(),
        nearest_safe_upgrade: upgrade.as_ref().map(|u| u.version.to_string()),
        nearest_safe_upgrade_compatible: upgrade.map(|u| u.compatible),
    }
}

/// The body of `/api/v1/advisories?since=`.
pub(crate) fn advisories_body<'a>(entries: impl Iterator<Item = &'a Entry>) -> AdvisoriesBody<'a> {
    AdvisoriesBody { advisories: entries.map(AdvisoryView::new).collect() }
}
