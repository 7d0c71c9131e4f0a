//! The binary encoding of the compiled database: little-endian integers and length-prefixed UTF-8
//! strings. Decoding re-validates every value through the domain constructors, so a damaged cache is
//! detected (and rebuilt) instead of trusted.

use std::collections::BTreeMap;
use std::str::FromStr;

use cratewatch_advisory::semver::{Version, VersionReq};
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
    fn reqs(&mut self, reqs: &[VersionReq]) {
        self.u32(reqs.len() as u32);
        for r in reqs {
            self.str(&r.to_string());
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
    fn reqs(&mut self) -> Result<Vec<VersionReq>, Corrupt> {
        let n = self.u32()? as usize;
        (0..n).map(|_| VersionReq::parse(self.str()?).map_err(|_| Corrupt)).collect()
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
