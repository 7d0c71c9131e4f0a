//! One advisory as one OSV record, in the shape of RustSec's official export.
//!
//! Every rule here was checked against the official export of the 2026-08-21 snapshot, record by record
//! (see `tests/it/export.rs`). Where RustSec's choice looks odd (an always-`null` `affected_functions`, an
//! empty `versions` list, `0.0.0-0` as the lower bound), it is kept because OSV clients compare with it.
//!
//! The record is a private serde view, not a derive on the domain types, so the wire format can follow
//! RustSec field for field without shaping the model. Field order is the official files' order, which
//! makes our pretty-printed files byte-identical to theirs, not just equal as JSON.

use std::borrow::Cow;

use cratewatch_advisory::{Advisory, AffectedRange, Collection, CvssVersion};
use cratewatch_db::FileDates;
use serde::Serialize;

/// The OSV ecosystem name of the default public registry, spelled as OSV spells it.
pub const ECOSYSTEM: &str = "crates.io";

/// Maps one advisory to its OSV record, as a JSON value.
///
/// `dates` are the advisory file's git dates: `modified` is the last commit that touched the file,
/// which is what RustSec's export writes. Without them (a plain directory), `modified` falls back to
/// `published`, the only other date the advisory itself knows.
///
/// Advisories of the `rust` collection (toolchain components, not crates) have no OSV ecosystem:
/// RustSec's export leaves them out, and [`export`](crate::export) does too. If asked anyway, this
/// gives a record without `affected` and without a crates.io package link, rather than pretend that
/// `std` is a crate.
pub fn to_osv(advisory: &Advisory, dates: Option<&FileDates>) -> serde_json::Value {
    serde_json::to_value(Record::new(advisory, dates)).expect("an OSV record is plain JSON data")
}

/// The same record as [`to_osv`] as compact JSON text, fields in the official order (for API responses).
pub fn to_osv_compact(advisory: &Advisory, dates: Option<&FileDates>) -> String {
    serde_json::to_string(&Record::new(advisory, dates)).expect("an OSV record is plain JSON data")
}

/// The same record as [`to_osv`], pretty-printed as RustSec's export prints it: two-space indents,
/// fields in the official order, no trailing newline.
pub fn to_osv_pretty(advisory: &Advisory, dates: Option<&FileDates>) -> String {
    serde_json::to_string_pretty(&Record::new(advisory, dates)).expect("an OSV record is plain JSON data")
}

#[derive(Serialize)]
struct Record<'a> {
    id: &'a str,
    modified: String,
    published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    withdrawn: Option<String>,
    aliases: &'a [String],
    related: &'a [String],
    summary: &'a str,
    details: &'a str,
    severity: Vec<Severity<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    affected: Vec<Affected<'a>>,
    references: Vec<Reference<'a>>,
    database_specific: RecordSpecific<'a>,
}

#[derive(Serialize)]
struct Severity<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    score: &'a str,
}

#[derive(Serialize)]
struct Affected<'a> {
    package: Package<'a>,
    ecosystem_specific: EcosystemSpecific<'a>,
    database_specific: AffectedSpecific<'a>,
    ranges: [Range; 1],
    /// RustSec lists ranges only, never enumerated versions.
    versions: [(); 0],
}

#[derive(Serialize)]
struct Package<'a> {
    ecosystem: &'static str,
    name: &'a str,
    purl: String,
}

#[derive(Serialize)]
struct EcosystemSpecific<'a> {
    affects: Affects<'a>,
    /// A field RustSec still writes, always `null`: the functions are in `affects.functions`.
    affected_functions: Option<()>,
}

#[derive(Serialize)]
struct Affects<'a> {
    arch: &'a [String],
    os: &'a [String],
    /// Function paths only: RustSec drops the per-function version requirements.
    functions: Vec<&'a str>,
}

#[derive(Serialize)]
struct AffectedSpecific<'a> {
    categories: Vec<&'a str>,
    cvss: Option<&'a str>,
    informational: Option<&'a str>,
}

#[derive(Serialize)]
struct Range {
    #[serde(rename = "type")]
    kind: &'static str,
    events: Vec<Event>,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Event {
    Introduced(String),
    Fixed(String),
}

#[derive(Serialize)]
struct Reference<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: Cow<'a, str>,
}

#[derive(Serialize)]
struct RecordSpecific<'a> {
    license: &'a str,
}

impl<'a> Record<'a> {
    fn new(advisory: &'a Advisory, dates: Option<&FileDates>) -> Record<'a> {
        // RustSec has day-precision dates; its export pins them to noon UTC, so the day stays the same
        // in every time zone.
        let published = format!("{}T12:00:00Z", advisory.date);
        let modified = dates.map_or_else(|| published.clone(), |d| d.modified.to_string());
        let is_crate = advisory.collection == Collection::Crates;
        let mut references = Vec::new();
        if is_crate {
            let url = format!("https://crates.io/crates/{}", advisory.package);
            references.push(Reference { kind: "PACKAGE", url: url.into() });
        }
        let url = format!("https://rustsec.org/advisories/{}.html", advisory.id.as_str());
        references.push(Reference { kind: "ADVISORY", url: url.into() });
        // The canonical `url` first, then `references`, each typed by the shape of the URL.
        references.extend(
            advisory
                .url
                .iter()
                .chain(&advisory.references)
                .map(|url| Reference { kind: reference_kind(url), url: url.as_str().into() }),
        );
        Record {
            id: advisory.id.as_str(),
            modified,
            published,
            withdrawn: advisory.withdrawn.map(|date| format!("{date}T12:00:00Z")),
            aliases: &advisory.aliases,
            related: &advisory.related,
            summary: &advisory.title,
            details: &advisory.description,
            severity: advisory
                .cvss
                .iter()
                .map(|cvss| Severity { kind: severity_type(cvss.version()), score: cvss.vector() })
                .collect(),
            affected: if is_crate { vec![Affected::new(advisory)] } else { Vec::new() },
            references,
            database_specific: RecordSpecific { license: advisory.license.as_str() },
        }
    }
}

impl<'a> Affected<'a> {
    fn new(advisory: &'a Advisory) -> Affected<'a> {
        let (arch, os, functions): (&[String], &[String], Vec<&str>) = match &advisory.affected {
            // `functions` is a sorted map, and RustSec's list is sorted too.
            Some(affected) => (&affected.arch, &affected.os, affected.functions.keys().map(String::as_str).collect()),
            None => (&[], &[], Vec::new()),
        };
        Affected {
            package: Package {
                ecosystem: ECOSYSTEM,
                name: &advisory.package,
                purl: format!("pkg:cargo/{}", advisory.package),
            },
            ecosystem_specific: EcosystemSpecific {
                affects: Affects { arch, os, functions },
                affected_functions: None,
            },
            database_specific: AffectedSpecific {
                categories: advisory.categories.iter().map(|c| c.as_str()).collect(),
                cvss: advisory.cvss.as_ref().map(|c| c.vector()),
                informational: advisory.informational.as_ref().map(|i| i.as_str()),
            },
            ranges: [Range { kind: "SEMVER", events: events(advisory.versions.affected_ranges()) }],
            versions: [],
        }
    }
}

/// The SEMVER events of the affected ranges, in order. An open lower bound is written `0.0.0-0`, the
/// lowest semver version, because OSV requires every range to start with an `introduced` event; an open
/// upper bound simply has no `fixed` event.
fn events(ranges: &[AffectedRange]) -> Vec<Event> {
    let mut events = Vec::with_capacity(ranges.len() * 2);
    for range in ranges {
        let introduced = range.introduced.as_ref().map_or_else(|| "0.0.0-0".to_owned(), ToString::to_string);
        events.push(Event::Introduced(introduced));
        if let Some(fixed) = &range.fixed {
            events.push(Event::Fixed(fixed.to_string()));
        }
    }
    events
}

/// OSV has one severity type per CVSS major version; the vector itself says which minor version.
fn severity_type(version: CvssVersion) -> &'static str {
    match version {
        CvssVersion::V2 => "CVSS_V2",
        CvssVersion::V30 | CvssVersion::V31 => "CVSS_V3",
        _ => "CVSS_V4",
    }
}

/// The reference type RustSec guesses from a URL's shape. Checked against every reference of the
/// snapshot: issue trackers on GitHub and GitLab hosts are reports, anything under an `/advisories/`
/// path or on cve.mitre.org is an advisory, a crates.io crate page is a package, the rest is web.
fn reference_kind(url: &str) -> &'static str {
    let forge = url.contains("://github.com/") || url.contains("://gitlab.");
    if forge && url.contains("/issues/") {
        "REPORT"
    } else if url.contains("/advisories/") || url.contains("://cve.mitre.org/") {
        "ADVISORY"
    } else if url.contains("://crates.io/crates/") {
        "PACKAGE"
    } else {
        "WEB"
    }
}
