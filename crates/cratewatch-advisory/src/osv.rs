//! Importing OSV records (schema 1.x) as advisories: the inverse of RustSec's own export to OSV (which
//! `cratewatch-osv` reproduces field for field), general enough for the other producers of crates.io
//! records, such as GitHub's advisory database.
//!
//! The record is walked as a `serde_json::Value` rather than deserialized into a typed view, so that every
//! error names the JSON location at fault (`affected[0].ranges[1].events[2]`).
//!
//! The export adds two references of its own, and they are dropped again here: the `PACKAGE` link to the
//! crate's crates.io page and the `ADVISORY` link to `https://rustsec.org/advisories/<id>.html` (the first
//! occurrence of each, as the export writes its own before the advisory's). The export also loses some
//! fields for good: it writes the advisory's `url` as the first ordinary reference, so that URL stays in
//! `references` and `url` is `None`; it drops `keywords`, `expect-deleted` and `source`; and it lists the
//! affected functions by path only, so they come back with an empty requirement list, which reads "in
//! every affected version".
//!
//! Affected versions follow the OSV evaluation pseudo-code. A version is affected if it lies in one of the
//! ranges or is listed in `versions`. In a range, events are sorted by version (`0` first): an `introduced`
//! event makes the versions from it on affected, a `fixed` event makes the versions from it on unaffected,
//! and a `last_affected` event makes the versions above it unaffected. `limit` events keep the range below
//! the largest limit (`*` is infinity). `SEMVER` ranges and `ECOSYSTEM` ranges are both read with SemVer
//! precedence, because Cargo requires SemVer versions, so SemVer is the ecosystem's own order; GitHub writes
//! only `ECOSYSTEM` ranges. `GIT` ranges name commits, not releases, and are skipped; any other range type is
//! an error. An entry that says nothing about releases (no `SEMVER` or `ECOSYSTEM` range, no `versions`) is
//! an error too, rather than a guess either way. The affected set then becomes RustSec's `[versions]`
//! table: the gap below the first affected version is `unaffected` (`< introduced`), and every other gap is
//! `patched` (`>= fixed` or `> last_affected`, bounded by the next `introduced`).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use semver::{Comparator, Op, Prerelease, Version, VersionReq};
use serde_json::{Map, Value};

use crate::url::{UrlError, check_url};
use crate::{
    Advisory, AdvisoryId, Affected, Category, Collection, Cvss, CvssVersion, Date, Informational, License, Versions,
};

/// The OSV ecosystem of the default public registry.
const ECOSYSTEM: &str = "crates.io";

/// Why an OSV record cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsvError {
    /// Where in the record the problem is, as a JSON path such as `affected[0].ranges[1].events[2]`;
    /// `None` for the record as a whole.
    pub location: Option<String>,
    /// A lowercase sentence naming the problem.
    pub message: String,
}

impl fmt::Display for OsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for OsvError {}

/// The advisories an OSV record describes: one per affected package of the `crates.io` ecosystem, in the
/// order of the record (records about other ecosystems give none). Several `affected` entries about the
/// same crate become one advisory, provided they agree on everything but the versions.
pub fn parse_osv_record(json: &str) -> Result<Vec<Advisory>, OsvError> {
    let value: Value = serde_json::from_str(json).map_err(|e| Loc::root().error(format!("invalid JSON: {e}")))?;
    let record = Obj::new(&value, Loc::root())?;
    let id_text = record.required_str("id")?;
    let id = AdvisoryId::new(id_text).map_err(|e| record.loc.key("id").error(e))?;

    // The crates.io entries first: a record about other ecosystems is not ours to judge further.
    let mut entries = Vec::new();
    for (loc, value) in record.array("affected")? {
        let entry = Obj::new(value, loc)?;
        let package = entry.required_object("package")?;
        if package.required_str("ecosystem")? == ECOSYSTEM {
            entries.push((entry, package));
        }
    }
    if entries.is_empty() {
        return Ok(Vec::new());
    }

    let common = Common::new(&record, &id)?;
    // One advisory per crate, in the order crates first appear.
    let mut crates: Vec<(String, Entry)> = Vec::new();
    for (entry, package) in &entries {
        let name = package.required_str("name")?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(package.loc.key("name").error(format!("`{name}` is not a valid crate name")));
        }
        let parsed = Entry::new(entry, &common)?;
        match crates.iter_mut().find(|(known, _)| known == name) {
            Some((_, first)) => first.merge(parsed, &entry.loc, name)?,
            None => crates.push((name.to_owned(), parsed)),
        }
    }

    crates
        .into_iter()
        .map(|(package, entry)| {
            let (patched, unaffected) = requirements(entry.spans);
            let versions = Versions::new(patched, unaffected).map_err(|e| {
                entry.loc.error(format!("the affected versions cannot be written as requirements: {e}"))
            })?;
            let references = common.references_for(&package);
            Ok(Advisory {
                id: id.clone(),
                package,
                collection: Collection::Crates,
                title: common.title.clone(),
                description: common.description.clone(),
                date: common.date,
                aliases: common.aliases.clone(),
                related: common.related.clone(),
                categories: entry.categories,
                keywords: Vec::new(),
                cvss: entry.cvss,
                informational: entry.informational,
                references,
                source: None,
                url: None,
                withdrawn: common.withdrawn,
                license: common.license.clone(),
                expect_deleted: false,
                affected: entry.affected,
                versions,
            })
        })
        .collect()
}

/// The fields of the record shared by all its advisories.
struct Common {
    id: String,
    title: String,
    description: String,
    date: Date,
    withdrawn: Option<Date>,
    aliases: Vec<String>,
    related: Vec<String>,
    /// `(type, url)` pairs, in order.
    references: Vec<(String, String)>,
    license: License,
    /// The record-level severity, used when an entry has none of its own.
    cvss: Option<Cvss>,
    /// Record-level `database_specific.categories` and `.informational`, used when an entry has none.
    categories: Option<Vec<Category>>,
    informational: Option<Option<Informational>>,
}

impl Common {
    fn new(record: &Obj<'_>, id: &AdvisoryId) -> Result<Common, OsvError> {
        let description = record.str("details")?.unwrap_or_default().trim().to_owned();
        // Like the advisory parser, which keeps the title as written but for trailing white space.
        let title = match record.str("summary")?.map(str::trim_end).filter(|s| !s.trim().is_empty()) {
            Some(summary) => summary.to_owned(),
            None => description.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(id.as_str()).to_owned(),
        };
        let date = match record.str("published")? {
            Some(published) => timestamp_date(published, &record.loc.key("published"))?,
            None => match record.str("modified")? {
                Some(modified) => timestamp_date(modified, &record.loc.key("modified"))?,
                None => return Err(record.loc.error("missing both `published` and `modified`")),
            },
        };
        let withdrawn = match record.str("withdrawn")? {
            Some(withdrawn) => Some(timestamp_date(withdrawn, &record.loc.key("withdrawn"))?),
            None => None,
        };
        let mut references = Vec::new();
        for (loc, value) in record.array("references")? {
            let reference = Obj::new(value, loc)?;
            let kind = reference.required_str("type")?;
            let url = reference.required_str("url")?;
            // Refused like in an advisory file: the pages and APIs show references as links, and a
            // record with a `javascript:` link is not one to believe in part.
            match check_url(url) {
                Ok(_) => {}
                Err(UrlError::NotAbsolute) => {
                    return Err(reference.loc.key("url").error(format!("`{url}` is not an absolute URL")));
                }
                Err(UrlError::Scheme(scheme)) => {
                    return Err(reference.loc.key("url").error(format!(
                        "`{url}` is a `{scheme}:` URL; only http and https URLs are accepted, as they are shown as links"
                    )));
                }
            }
            references.push((kind.to_owned(), url.to_owned()));
        }
        let specific = record.object("database_specific")?;
        let license = match specific.as_ref().map(|s| s.str("license")).transpose()?.flatten() {
            Some("CC0-1.0") => License::Cc0,
            Some("CC-BY-4.0") => License::CcBy40,
            Some(other) => License::Other(other.to_owned()),
            // Without a licence in the record, the licence of the database the id belongs to.
            None if id.as_str().starts_with("RUSTSEC-") => License::Cc0,
            None if id.as_str().starts_with("GHSA-") => License::CcBy40,
            // SPDX's "no licence information given": claiming one would be a guess.
            None => License::Other("NOASSERTION".to_owned()),
        };
        let (categories, informational) = match &specific {
            Some(specific) => (categories(specific)?, informational(specific)?),
            None => (None, None),
        };
        Ok(Common {
            id: id.as_str().to_owned(),
            title,
            description,
            date,
            withdrawn,
            aliases: record.strings("aliases")?,
            related: record.strings("related")?,
            references,
            license,
            cvss: best_cvss(record, "severity")?,
            categories,
            informational,
        })
    }

    /// The references of the advisory about `package`, without the two the RustSec export adds.
    fn references_for(&self, package: &str) -> Vec<String> {
        let package_page = format!("https://crates.io/crates/{package}");
        let rustsec_page = format!("https://rustsec.org/advisories/{}.html", self.id);
        let (mut package_seen, mut rustsec_seen) = (false, false);
        let mut urls = Vec::with_capacity(self.references.len());
        for (kind, url) in &self.references {
            if !package_seen && kind == "PACKAGE" && *url == package_page {
                package_seen = true;
            } else if !rustsec_seen && kind == "ADVISORY" && *url == rustsec_page {
                rustsec_seen = true;
            } else {
                urls.push(url.clone());
            }
        }
        urls
    }
}

/// What one `affected` entry says about its crate.
struct Entry {
    loc: Loc,
    affected: Option<Affected>,
    categories: Vec<Category>,
    informational: Option<Informational>,
    cvss: Option<Cvss>,
    spans: Vec<Span>,
}

impl Entry {
    fn new(entry: &Obj<'_>, common: &Common) -> Result<Entry, OsvError> {
        let specific = entry.object("database_specific")?;
        let (mut categories_here, mut informational_here, mut cvss_here) = (None, None, None);
        if let Some(specific) = &specific {
            categories_here = categories(specific)?;
            informational_here = informational(specific)?;
            if let Some(vector) = specific.str("cvss")? {
                let cvss = Cvss::from_str(vector)
                    .map_err(|e| specific.loc.key("cvss").error(format!("invalid CVSS vector `{vector}`: {e}")))?;
                cvss_here = Some(cvss);
            }
        }
        // The standard `severity` fields first (the entry's own, then the record's), then the RustSec export's
        // copy of the vector in `database_specific`.
        let cvss = best_cvss(entry, "severity")?.or_else(|| common.cvss.clone()).or(cvss_here);

        let affected = match entry.object("ecosystem_specific")? {
            Some(specific) => match specific.object("affects")? {
                Some(affects) => parse_affects(&affects)?,
                None => None,
            },
            None => None,
        };

        let mut spans = Vec::new();
        let mut described = false;
        for (loc, value) in entry.array("ranges")? {
            let range = Obj::new(value, loc)?;
            match range.required_str("type")? {
                "SEMVER" | "ECOSYSTEM" => {
                    described = true;
                    spans.extend(range_spans(&range)?);
                }
                "GIT" => {}
                other => return Err(range.loc.key("type").error(format!("unknown range type `{other}`"))),
            }
        }
        for (loc, value) in entry.array("versions")? {
            described = true;
            let version = parse_version(string(value, &loc)?, &loc)?;
            spans.push(Span { start: Some(version.clone()), end: Upper::Through(version) });
        }
        if !described {
            return Err(entry
                .loc
                .error("no SEMVER or ECOSYSTEM range and no `versions` list: the affected releases are unknown"));
        }

        Ok(Entry {
            loc: entry.loc.clone(),
            affected,
            categories: categories_here.or_else(|| common.categories.clone()).unwrap_or_default(),
            informational: informational_here.or_else(|| common.informational.clone()).flatten(),
            cvss,
            spans,
        })
    }

    /// Adds the versions of a second entry about the same crate, which must say the same about the rest.
    fn merge(&mut self, other: Entry, loc: &Loc, name: &str) -> Result<(), OsvError> {
        let same = self.affected == other.affected
            && self.categories == other.categories
            && self.informational == other.informational
            && self.cvss == other.cvss;
        if !same {
            return Err(loc.error(format!(
                "a second entry for `{name}` with other platforms, functions, categories, informational kind or \
                 severity cannot be part of the same advisory"
            )));
        }
        self.spans.extend(other.spans);
        Ok(())
    }
}

/// RustSec's `[affected]` table from the export's `ecosystem_specific.affects`; `None` when it limits
/// nothing.
fn parse_affects(affects: &Obj<'_>) -> Result<Option<Affected>, OsvError> {
    let mut affected = Affected::default();
    for (loc, value) in affects.array("os")? {
        let os = string(value, &loc)?;
        if platforms::target::OS::from_str(os).is_err() {
            return Err(loc.error(format!("unknown operating system `{os}`")));
        }
        affected.os.push(os.to_owned());
    }
    for (loc, value) in affects.array("arch")? {
        let arch = string(value, &loc)?;
        if platforms::target::Arch::from_str(arch).is_err() {
            return Err(loc.error(format!("unknown architecture `{arch}`")));
        }
        affected.arch.push(arch.to_owned());
    }
    for (loc, value) in affects.array("functions")? {
        // The export writes paths only; an empty requirement list means every affected version.
        affected.functions.insert(string(value, &loc)?.to_owned(), Vec::new());
    }
    Ok((affected != Affected::default()).then_some(affected))
}

/// `database_specific.categories`, when present.
fn categories(specific: &Obj<'_>) -> Result<Option<Vec<Category>>, OsvError> {
    if specific.get("categories").is_none() {
        return Ok(None);
    }
    Ok(Some(specific.strings("categories")?.iter().map(|c| Category::parse(c)).collect()))
}

/// `database_specific.informational`, when present (`Some(None)` for an explicit `null`).
fn informational(specific: &Obj<'_>) -> Result<Option<Option<Informational>>, OsvError> {
    if !specific.map.contains_key("informational") {
        return Ok(None);
    }
    Ok(Some(specific.str("informational")?.map(|i| Informational::parse(i.trim()))))
}

/// The CVSS vector of a `severity` list, preferring v4 to v3 to v2; other severity types are ignored, and
/// every CVSS entry must parse.
fn best_cvss(parent: &Obj<'_>, key: &str) -> Result<Option<Cvss>, OsvError> {
    let mut best: Option<(u8, Cvss)> = None;
    for (loc, value) in parent.array(key)? {
        let severity = Obj::new(value, loc)?;
        let kind = severity.required_str("type")?;
        let rank = match kind {
            "CVSS_V2" => 2,
            "CVSS_V3" => 3,
            "CVSS_V4" => 4,
            _ => continue,
        };
        let score = severity.required_str("score")?;
        let score_loc = severity.loc.key("score");
        let cvss =
            Cvss::from_str(score).map_err(|e| score_loc.error(format!("invalid {kind} vector `{score}`: {e}")))?;
        let version_rank = match cvss.version() {
            CvssVersion::V2 => 2,
            CvssVersion::V30 | CvssVersion::V31 => 3,
            CvssVersion::V40 => 4,
        };
        if version_rank != rank {
            return Err(score_loc.error(format!("`{score}` is not a {kind} vector")));
        }
        if best.as_ref().is_none_or(|(r, _)| rank > *r) {
            best = Some((rank, cvss));
        }
    }
    Ok(best.map(|(_, cvss)| cvss))
}

/// The day of an RFC 3339 timestamp, as written (OSV timestamps are in UTC).
fn timestamp_date(text: &str, loc: &Loc) -> Result<Date, OsvError> {
    let bad = |why: String| loc.error(format!("invalid timestamp `{text}`: {why}"));
    let (day, rest) = text.split_at_checked(10).unwrap_or((text, ""));
    if !(rest.is_empty() || rest.starts_with(['T', 't', ' '])) {
        return Err(bad("expected YYYY-MM-DDTHH:MM:SSZ".to_owned()));
    }
    Date::from_str(day).map_err(bad)
}

// ---------------------------------------------------------------------------------------------------
// Affected versions
// ---------------------------------------------------------------------------------------------------

/// A non-empty interval of affected versions: from `start` (inclusive; `None` for the lowest version) to
/// `end`.
#[derive(Clone, Debug)]
struct Span {
    start: Option<Version>,
    end: Upper,
}

/// The upper end of an affected interval.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Upper {
    /// Below this version (a `fixed` event or a `limit`).
    Before(Version),
    /// Up to and including this version (a `last_affected` event or a listed version).
    Through(Version),
    /// No end.
    Unbounded,
}

impl Ord for Upper {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Upper::Unbounded, Upper::Unbounded) => Ordering::Equal,
            (Upper::Unbounded, _) => Ordering::Greater,
            (_, Upper::Unbounded) => Ordering::Less,
            (Upper::Before(a) | Upper::Through(a), Upper::Before(b) | Upper::Through(b)) => {
                a.cmp(b).then_with(|| matches!(self, Upper::Through(_)).cmp(&matches!(other, Upper::Through(_))))
            }
        }
    }
}

impl PartialOrd for Upper {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Span {
    fn is_empty(&self) -> bool {
        match (&self.start, &self.end) {
            (_, Upper::Unbounded) => false,
            (None, Upper::Before(end)) => *end == lowest(),
            (None, Upper::Through(_)) => false,
            (Some(start), Upper::Before(end)) => end <= start,
            (Some(start), Upper::Through(end)) => end < start,
        }
    }
}

/// `0.0.0-0`, the lowest SemVer version, which the RustSec export writes for an open lower bound.
fn lowest() -> Version {
    Version { pre: Prerelease::new("0").expect("`0` is a valid pre-release"), ..Version::new(0, 0, 0) }
}

/// One event of a range's timeline. Only an introduction may be at the lowest version (`None`).
enum Event {
    Introduced(Option<Version>),
    Fixed(Version),
    LastAffected(Version),
}

impl Event {
    /// The version, `None` for the lowest.
    fn version(&self) -> Option<&Version> {
        match self {
            Event::Introduced(version) => version.as_ref(),
            Event::Fixed(version) | Event::LastAffected(version) => Some(version),
        }
    }
}

/// The affected intervals of one SEMVER or ECOSYSTEM range, by the OSV evaluation algorithm.
fn range_spans(range: &Obj<'_>) -> Result<Vec<Span>, OsvError> {
    let mut timeline: Vec<Event> = Vec::new();
    // `None` is infinity.
    let mut limits: Vec<Option<Version>> = Vec::new();
    for (loc, value) in range.array("events")? {
        let event = Obj::new(value, loc)?;
        let mut fields = event.map.iter();
        let (Some((key, value)), None) = (fields.next(), fields.next()) else {
            return Err(event
                .loc
                .error("an event must have exactly one of `introduced`, `fixed`, `last_affected` and `limit`"));
        };
        let loc = event.loc.key(key);
        let text = string(value, &loc)?;
        match key.as_str() {
            "introduced" => {
                // `0` and `0.0.0-0` both name the lowest version.
                let version = if text == "0" { None } else { Some(parse_version(text, &loc)?) };
                timeline.push(Event::Introduced(version.filter(|v| *v != lowest())));
            }
            "fixed" => timeline.push(Event::Fixed(parse_version(text, &loc)?)),
            "last_affected" => timeline.push(Event::LastAffected(parse_version(text, &loc)?)),
            "limit" => limits.push(if text.contains('*') { None } else { Some(parse_version(text, &loc)?) }),
            other => return Err(event.loc.error(format!("unknown event `{other}`"))),
        }
    }
    if !timeline.iter().any(|event| matches!(event, Event::Introduced(_))) {
        return Err(range.loc.key("events").error("a range needs an `introduced` event"));
    }
    // The evaluation sorts the events; a stable sort keeps the record's order between equal versions.
    timeline.sort_by(|a, b| a.version().cmp(&b.version()));
    let cap = match limits.iter().max() {
        Some(Some(limit)) if limits.iter().all(Option::is_some) => Upper::Before(limit.clone()),
        _ => Upper::Unbounded,
    };
    // A version is affected when the last event that applies to it is an `introduced` one: so from each
    // `introduced` event up to where the first later `fixed` or `last_affected` event starts to apply.
    let mut spans = Vec::new();
    for (i, event) in timeline.iter().enumerate() {
        let Event::Introduced(start) = event else { continue };
        let mut end = cap.clone();
        for later in &timeline[i + 1..] {
            let bound = match later {
                Event::Introduced(_) => continue,
                Event::Fixed(version) => Upper::Before(version.clone()),
                Event::LastAffected(version) => Upper::Through(version.clone()),
            };
            end = end.min(bound);
        }
        let span = Span { start: start.clone(), end };
        if !span.is_empty() {
            spans.push(span);
        }
    }
    Ok(spans)
}

/// `(patched, unaffected)` requirements whose complement is exactly the union of `spans`.
fn requirements(mut spans: Vec<Span>) -> (Vec<VersionReq>, Vec<VersionReq>) {
    spans.sort_by(|a, b| a.start.cmp(&b.start));
    let mut spans = spans.into_iter();
    let Some(first) = spans.next() else {
        // Nothing is affected.
        return (Vec::new(), vec![VersionReq::STAR]);
    };
    // The merged intervals: the first may start at the lowest version, and every later one starts at a
    // version (a span from the lowest version joins the first, which it overlaps).
    let mut first_end = first.end;
    let mut later: Vec<(Version, Upper)> = Vec::new();
    for span in spans {
        let last_end = match later.last_mut() {
            Some((_, end)) => end,
            None => &mut first_end,
        };
        let joins = match &*last_end {
            Upper::Unbounded => true,
            Upper::Before(end) | Upper::Through(end) => span.start.as_ref().is_none_or(|start| start <= end),
        };
        match span.start {
            Some(start) if !joins => later.push((start, span.end)),
            _ => *last_end = last_end.clone().max(span.end),
        }
    }

    let comparator = |op, v: &Version| Comparator {
        op,
        major: v.major,
        minor: Some(v.minor),
        patch: Some(v.patch),
        pre: v.pre.clone(),
    };
    let mut unaffected = Vec::new();
    if let Some(start) = &first.start {
        unaffected.push(VersionReq { comparators: vec![comparator(Op::Less, start)] });
    }
    let mut patched = Vec::new();
    let ends = std::iter::once(&first_end).chain(later.iter().map(|(_, end)| end));
    let next_starts = later.iter().map(|(start, _)| Some(start)).chain(std::iter::once(None));
    for (end, next_start) in ends.zip(next_starts) {
        let after = match end {
            Upper::Before(v) => comparator(Op::GreaterEq, v),
            Upper::Through(v) => comparator(Op::Greater, v),
            Upper::Unbounded => break,
        };
        let mut comparators = vec![after];
        comparators.extend(next_start.map(|start| comparator(Op::Less, start)));
        patched.push(VersionReq { comparators });
    }
    (patched, unaffected)
}

fn parse_version(text: &str, loc: &Loc) -> Result<Version, OsvError> {
    Version::parse(text).map_err(|e| loc.error(format!("invalid version `{text}`: {e}")))
}

// ---------------------------------------------------------------------------------------------------
// Walking the JSON with locations
// ---------------------------------------------------------------------------------------------------

/// A JSON path such as `affected[0].ranges[1]`; empty for the record itself.
#[derive(Clone, Debug)]
struct Loc(String);

impl Loc {
    fn root() -> Loc {
        Loc(String::new())
    }

    fn key(&self, key: &str) -> Loc {
        if self.0.is_empty() { Loc(key.to_owned()) } else { Loc(format!("{}.{key}", self.0)) }
    }

    fn index(&self, index: usize) -> Loc {
        Loc(format!("{}[{index}]", self.0))
    }

    fn error(&self, message: impl Into<String>) -> OsvError {
        OsvError { location: (!self.0.is_empty()).then(|| self.0.clone()), message: message.into() }
    }
}

/// A JSON object and where it is.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    loc: Loc,
}

impl<'a> Obj<'a> {
    fn new(value: &'a Value, loc: Loc) -> Result<Obj<'a>, OsvError> {
        match value {
            Value::Object(map) => Ok(Obj { map, loc }),
            other => Err(loc.error(format!("expected an object, found {}", kind(other)))),
        }
    }

    /// The value of `key`; `null` counts as absent.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn str(&self, key: &str) -> Result<Option<&'a str>, OsvError> {
        self.get(key).map(|v| string(v, &self.loc.key(key))).transpose()
    }

    fn required_str(&self, key: &str) -> Result<&'a str, OsvError> {
        self.str(key)?.ok_or_else(|| self.loc.error(format!("missing the required field `{key}`")))
    }

    fn object(&self, key: &str) -> Result<Option<Obj<'a>>, OsvError> {
        self.get(key).map(|v| Obj::new(v, self.loc.key(key))).transpose()
    }

    fn required_object(&self, key: &str) -> Result<Obj<'a>, OsvError> {
        self.object(key)?.ok_or_else(|| self.loc.error(format!("missing the required field `{key}`")))
    }

    /// The items of an array with their locations; an absent array is empty.
    fn array(&self, key: &str) -> Result<Vec<(Loc, &'a Value)>, OsvError> {
        let loc = self.loc.key(key);
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.iter().enumerate().map(|(i, v)| (loc.index(i), v)).collect()),
            Some(other) => Err(loc.error(format!("expected an array, found {}", kind(other)))),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, OsvError> {
        self.array(key)?.into_iter().map(|(loc, v)| string(v, &loc).map(str::to_owned)).collect()
    }
}

fn string<'a>(value: &'a Value, loc: &Loc) -> Result<&'a str, OsvError> {
    value.as_str().ok_or_else(|| loc.error(format!("expected a string, found {}", kind(value))))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
