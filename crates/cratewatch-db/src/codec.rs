//! The binary encoding of the compiled database: little-endian integers and length-prefixed UTF-8
//! strings. Decoding re-validates every value through the domain constructors, so a damaged cache is
//! detected (and rebuilt) instead of trusted.

use std::collections::BTreeMap;
use std::str::FromStr;

use cratewatch_advisory::semver::{Comparator, Op, Prerelease, Version, VersionReq};
use cratewatch_advisory::{
    Advisory, AdvisoryId, Affected, Category, Collection, Cvss, CvssVersion, Date, Informational, License, Versions,
};

/// Appends values to a byte buffer.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn i128(&mut self, v: i128) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
    }
    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
    fn strs<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a str>) {
        self.u32(items.len() as u32);
        for s in items {
            self.str(s);
        }
    }
    /// Requirements as their comparators (operator, numbers, pre-release), so that reading them back
    /// needs no parsing: a warm audit decodes a few hundred, and `VersionReq::parse` was 3.5% of its
    /// instructions. An operator of a later semver than this encoding knows is kept as text.
    fn reqs(&mut self, reqs: &[VersionReq]) {
        self.u32(reqs.len() as u32);
        for r in reqs {
            let ops: Option<Vec<u8>> = r.comparators.iter().map(|c| op_code(c.op)).collect();
            let Some(ops) = ops else {
                self.u8(REQ_TEXT);
                self.str(&r.to_string());
                continue;
            };
            self.u8(REQ_COMPARATORS);
            self.u32(r.comparators.len() as u32);
            for (c, op) in r.comparators.iter().zip(ops) {
                self.u8(op);
                self.u64(c.major);
                let parts = u8::from(c.minor.is_some()) + u8::from(c.patch.is_some());
                self.u8(parts);
                self.u64(c.minor.unwrap_or(0));
                self.u64(c.patch.unwrap_or(0));
                self.str(c.pre.as_str());
            }
        }
    }

    /// Writes an advisory as two length-prefixed parts: its `[versions]` first, so that a reader can
    /// decide whether a package version is affected before decoding (or skipping) the rest.
    pub(crate) fn advisory(&mut self, a: &Advisory) {
        let mut versions = Writer::default();
        versions.reqs(a.versions.patched());
        versions.reqs(a.versions.unaffected());
        self.u32(versions.buf.len() as u32);
        self.buf.extend_from_slice(&versions.buf);
        let mut body = Writer::default();
        body.body(a);
        self.u32(body.buf.len() as u32);
        self.buf.extend_from_slice(&body.buf);
    }

    fn body(&mut self, a: &Advisory) {
        self.str(a.id.as_str());
        self.str(&a.package);
        self.u8(match a.collection {
            Collection::Crates => 0,
            Collection::Rust => 1,
        });
        self.str(&a.title);
        self.str(&a.description);
        self.str(&a.date.to_string());
        self.strs(a.aliases.iter().map(String::as_str));
        self.strs(a.related.iter().map(String::as_str));
        self.strs(a.categories.iter().map(Category::as_str));
        self.strs(a.keywords.iter().map(String::as_str));
        match &a.cvss {
            None => self.u8(0),
            Some(cvss) => {
                self.u8(match cvss.version() {
                    CvssVersion::V2 => 1,
                    CvssVersion::V30 => 2,
                    CvssVersion::V31 => 3,
                    _ => 4,
                });
                self.str(cvss.vector());
                self.f64(cvss.score());
            }
        }
        self.opt_str(a.informational.as_ref().map(Informational::as_str));
        self.strs(a.references.iter().map(String::as_str));
        self.opt_str(a.source.as_deref());
        self.opt_str(a.url.as_deref());
        self.opt_str(a.withdrawn.map(|d| d.to_string()).as_deref());
        self.str(a.license.as_str());
        self.u8(u8::from(a.expect_deleted));
        match &a.affected {
            None => self.u8(0),
            Some(affected) => {
                self.u8(1);
                self.strs(affected.arch.iter().map(String::as_str));
                self.strs(affected.os.iter().map(String::as_str));
                self.u32(affected.functions.len() as u32);
                for (path, reqs) in &affected.functions {
                    self.str(path);
                    self.reqs(reqs);
                }
            }
        }
    }
}

/// Why a cache could not be decoded.
#[derive(Debug)]
pub(crate) struct Corrupt;

/// Reads values back from a byte slice.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], Corrupt> {
        if self.buf.len() < n {
            return Err(Corrupt);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }
    /// How many bytes are left.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }
    /// Skips `n` bytes.
    pub(crate) fn skip(&mut self, n: usize) -> Result<(), Corrupt> {
        self.take(n).map(drop)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, Corrupt> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32, Corrupt> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| Corrupt)?))
    }
    pub(crate) fn f64(&mut self) -> Result<f64, Corrupt> {
        Ok(f64::from_bits(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| Corrupt)?)))
    }
    pub(crate) fn i128(&mut self) -> Result<i128, Corrupt> {
        Ok(i128::from_le_bytes(self.take(16)?.try_into().map_err(|_| Corrupt)?))
    }
    pub(crate) fn str(&mut self) -> Result<&'a str, Corrupt> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.take(len)?).map_err(|_| Corrupt)
    }
    pub(crate) fn opt_str(&mut self) -> Result<Option<&'a str>, Corrupt> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.str().map(Some),
            _ => Err(Corrupt),
        }
    }
    fn strings(&mut self) -> Result<Vec<String>, Corrupt> {
        let n = self.u32()? as usize;
        (0..n).map(|_| self.str().map(str::to_owned)).collect()
    }
    pub(crate) fn u64(&mut self) -> Result<u64, Corrupt> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| Corrupt)?))
    }
    fn reqs(&mut self) -> Result<Vec<VersionReq>, Corrupt> {
        let n = self.u32()? as usize;
        (0..n).map(|_| self.req()).collect()
    }
    /// One requirement as [`Writer::reqs`] wrote it. Values the parser would refuse (a pre-release on
    /// a comparator without a patch number, a wildcard with one) are refused here too.
    fn req(&mut self) -> Result<VersionReq, Corrupt> {
        match self.u8()? {
            REQ_TEXT => VersionReq::parse(self.str()?).map_err(|_| Corrupt),
            REQ_COMPARATORS => {
                let n = self.u32()? as usize;
                let mut comparators = Vec::with_capacity(n.min(16));
                for _ in 0..n {
                    let op = op_of(self.u8()?)?;
                    let major = self.u64()?;
                    let parts = self.u8()?;
                    let (minor, patch) = (self.u64()?, self.u64()?);
                    let pre = match self.str()? {
                        "" => Prerelease::EMPTY,
                        text => Prerelease::new(text).map_err(|_| Corrupt)?,
                    };
                    let (minor, patch) = match parts {
                        0 => (None, None),
                        1 => (Some(minor), None),
                        2 => (Some(minor), Some(patch)),
                        _ => return Err(Corrupt),
                    };
                    if (!pre.is_empty() && patch.is_none()) || (op == Op::Wildcard && patch.is_some()) {
                        return Err(Corrupt);
                    }
                    comparators.push(Comparator { op, major, minor, patch, pre });
                }
                Ok(VersionReq { comparators })
            }
            _ => Err(Corrupt),
        }
    }

    /// Reads the next advisory; when `affecting` is given and the advisory affects none of those
    /// versions, skips its body and returns `None`.
    pub(crate) fn advisory(&mut self, affecting: Option<&[&Version]>) -> Result<Option<Advisory>, Corrupt> {
        let versions_len = self.u32()? as usize;
        let mut versions = Reader::new(self.take(versions_len)?);
        let patched = versions.reqs()?;
        let unaffected = versions.reqs()?;
        let versions = Versions::new(patched, unaffected).map_err(|_| Corrupt)?;
        let body_len = self.u32()? as usize;
        let body = self.take(body_len)?;
        if affecting.is_some_and(|any| !any.iter().any(|v| versions.is_affected(v))) {
            return Ok(None);
        }
        Reader::new(body).body(versions).map(Some)
    }

    fn body(&mut self, versions: Versions) -> Result<Advisory, Corrupt> {
        let id = AdvisoryId::new(self.str()?).map_err(|_| Corrupt)?;
        let package = self.str()?.to_owned();
        let collection = match self.u8()? {
            0 => Collection::Crates,
            1 => Collection::Rust,
            _ => return Err(Corrupt),
        };
        let title = self.str()?.to_owned();
        let description = self.str()?.to_owned();
        let date = Date::from_str(self.str()?).map_err(|_| Corrupt)?;
        let aliases = self.strings()?;
        let related = self.strings()?;
        let categories = self.strings()?.iter().map(|c| Category::parse(c)).collect();
        let keywords = self.strings()?;
        let cvss = match self.u8()? {
            0 => None,
            tag => {
                let version = match tag {
                    1 => CvssVersion::V2,
                    2 => CvssVersion::V30,
                    3 => CvssVersion::V31,
                    4 => CvssVersion::V40,
                    _ => return Err(Corrupt),
                };
                let vector = self.str()?.to_owned();
                let score = self.f64()?;
                if !(0.0..=10.0).contains(&score) {
                    return Err(Corrupt);
                }
                Some(Cvss::from_scored(vector, version, score))
            }
        };
        let informational = self.opt_str()?.map(Informational::parse);
        let references = self.strings()?;
        let source = self.opt_str()?.map(str::to_owned);
        let url = self.opt_str()?.map(str::to_owned);
        let withdrawn = self.opt_str()?.map(Date::from_str).transpose().map_err(|_| Corrupt)?;
        let license = match self.str()? {
            "CC0-1.0" => License::Cc0,
            "CC-BY-4.0" => License::CcBy40,
            other => License::Other(other.to_owned()),
        };
        let expect_deleted = self.u8()? == 1;
        let affected = match self.u8()? {
            0 => None,
            1 => {
                let arch = self.strings()?;
                let os = self.strings()?;
                let n = self.u32()? as usize;
                let mut functions = BTreeMap::new();
                for _ in 0..n {
                    let path = self.str()?.to_owned();
                    functions.insert(path, self.reqs()?);
                }
                Some(Affected { arch, os, functions })
            }
            _ => return Err(Corrupt),
        };
        Ok(Advisory {
            id,
            package,
            collection,
            title,
            description,
            date,
            aliases,
            related,
            categories,
            keywords,
            cvss,
            informational,
            references,
            source,
            url,
            withdrawn,
            license,
            expect_deleted,
            affected,
            versions,
        })
    }
}

/// How [`Writer::reqs`] wrote a requirement.
const REQ_COMPARATORS: u8 = 0;
const REQ_TEXT: u8 = 1;

/// The code of a comparator's operator, if this encoding knows it.
fn op_code(op: Op) -> Option<u8> {
    Some(match op {
        Op::Exact => 0,
        Op::Greater => 1,
        Op::GreaterEq => 2,
        Op::Less => 3,
        Op::LessEq => 4,
        Op::Tilde => 5,
        Op::Caret => 6,
        Op::Wildcard => 7,
        _ => return None,
    })
}

fn op_of(code: u8) -> Result<Op, Corrupt> {
    Ok(match code {
        0 => Op::Exact,
        1 => Op::Greater,
        2 => Op::GreaterEq,
        3 => Op::Less,
        4 => Op::LessEq,
        5 => Op::Tilde,
        6 => Op::Caret,
        7 => Op::Wildcard,
        _ => return Err(Corrupt),
    })
}

#[cfg(test)]
mod tests {
    use cratewatch_advisory::semver::{Comparator, Op, Prerelease, VersionReq};

    use super::{Reader, Writer};

    fn round_trip(reqs: &[VersionReq]) -> Vec<VersionReq> {
        let mut w = Writer::default();
        w.reqs(reqs);
        let mut r = Reader::new(&w.buf);
        let back = r.reqs().expect("decodes");
        assert_eq!(r.remaining(), 0);
        back
    }

    /// Requirements come back as they went in, in every form semver writes: operators, wildcards,
    /// missing minor or patch numbers, pre-releases, several comparators, none.
    #[test]
    fn requirements_round_trip() {
        let reqs: Vec<VersionReq> =
            cratewatch_testdata::REQUIREMENT_FORMS.iter().map(|t| VersionReq::parse(t).unwrap()).collect();
        assert_eq!(round_trip(&reqs), reqs);
        assert_eq!(round_trip(&[]), Vec::<VersionReq>::new());
    }

    /// A comparator no parser would produce is a damaged cache, not a requirement.
    #[test]
    fn impossible_comparators_are_refused() {
        let pre = Prerelease::new("alpha").unwrap();
        for c in [
            Comparator { op: Op::GreaterEq, major: 1, minor: Some(2), patch: None, pre },
            Comparator { op: Op::Wildcard, major: 1, minor: Some(2), patch: Some(3), pre: Prerelease::EMPTY },
        ] {
            let mut w = Writer::default();
            w.reqs(&[VersionReq { comparators: vec![c] }]);
            assert!(Reader::new(&w.buf).reqs().is_err());
        }
        let mut w = Writer::default();
        w.reqs(&[VersionReq::parse(">=1").unwrap()]);
        w.buf[9] = 99; // the operator's code
        assert!(Reader::new(&w.buf).reqs().is_err());
    }
}
