//! JSON API bodies. The view types borrow from the snapshot; field names are the documented ones
//! (`/api/openapi.json`), so renaming a field here is an API change.

use cratewatch_advisory::Advisory;
use serde::Serialize;

use crate::knowledge::Entry;
use crate::pages::affected_ranges;
use crate::security::{CrateSecurity, VersionState};

/// `GET /api/v1/crates/{name}/security`.
#[derive(Serialize)]
pub(crate) struct CrateBody<'a> {
    #[serde(rename = "crate")]
    krate: CrateView<'a>,
    advisories: Vec<AdvisoryView<'a>>,
}

#[derive(Serialize)]
struct CrateView<'a> {
    name: &'a str,
    versions: Vec<VersionView<'a>>,
}

#[derive(Serialize)]
struct VersionView<'a> {
    num: String,
    yanked: bool,
    advisories: Vec<&'a str>,
}

/// `GET /api/v1/crates/{name}/{version}/security`.
#[derive(Serialize)]
pub(crate) struct VersionBody<'a> {
    #[serde(rename = "crate")]
    krate: &'a str,
    version: String,
    yanked: bool,
    affected: bool,
    advisories: Vec<AdvisoryView<'a>>,
    nearest_safe_upgrade: Option<String>,
    nearest_safe_upgrade_compatible: Option<bool>,
}

/// `GET /api/v1/advisories?since=DATE`.
#[derive(Serialize)]
pub(crate) struct AdvisoriesBody<'a> {
    advisories: Vec<AdvisoryView<'a>>,
}

/// An advisory with every field the pages show.
#[derive(Serialize)]
pub(crate) struct AdvisoryView<'a> {
    id: &'a str,
    #[serde(rename = "crate")]
    package: &'a str,
    collection: &'static str,
    kind: &'static str,
    title: &'a str,
    date: String,
    withdrawn: Option<String>,
    aliases: &'a [String],
    related: &'a [String],
    categories: Vec<&'a str>,
    keywords: &'a [String],
    cvss: Option<CvssView<'a>>,
    patched: Vec<String>,
    unaffected: Vec<String>,
    affected: AffectedView<'a>,
    url: Option<&'a str>,
    references: &'a [String],
    description: &'a str,
    description_html: &'a str,
}

#[derive(Serialize)]
struct CvssView<'a> {
    vector: &'a str,
    score: f64,
    severity: &'static str,
}

#[derive(Serialize)]
struct AffectedView<'a> {
    /// The affected version ranges as text, as on the page.
    ranges: String,
    arch: &'a [String],
    os: &'a [String],
    functions: Vec<FunctionView<'a>>,
}

#[derive(Serialize)]
struct FunctionView<'a> {
    path: &'a str,
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

/// The error envelope: `{"errors":[{"detail": "..."}]}`.
#[derive(Serialize)]
pub(crate) struct Errors<'a> {
    errors: [ErrorDetail<'a>; 1],
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    detail: &'a str,
}

/// One error in the envelope.
pub(crate) fn errors(detail: &str) -> Errors<'_> {
    Errors { errors: [ErrorDetail { detail }] }
}
