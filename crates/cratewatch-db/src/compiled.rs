//! The compiled database: one cache file per advisory tree holding the load diagnostics, a sorted
//! package index, the tree's fingerprint and every advisory in a compact binary form. Opening it maps
//! the file and uses it in place (binary search in the index, verification straight from the encoded
//! fingerprint); the advisories of a package are decoded when asked for, and with a version given, only
//! those that affect it. Freshness is verified against the tree on every open, in parallel
//! with the caller's own work, and a stale or damaged cache is rebuilt.
//!
//! File layout: `CWDB`, format (u32), header length (u64), records length (u64), header, records. The header holds the tool
//! version, the tree's root, the build time, the advisory count, the diagnostics, the index (count,
//! fixed-size entries, names) and the fingerprint (see [`crate::fingerprint`]).

use std::cmp::Ordering;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cratewatch_advisory::semver::Version;
use cratewatch_advisory::{Advisory, Code, Diagnostic, DiagnosticSeverity};

use crate::beside::run_beside;
use crate::codec::{Corrupt, Reader, Writer};
use crate::fingerprint::{EncodedFingerprint, now_ns};
use crate::load::FileDiagnostic;
use crate::sources::load_merged;
use crate::{Database, Error, fnv1a};

const MAGIC: &[u8; 4] = b"CWDB";
/// Bytes before the header: magic, format, header length, records length.
const PREFIX: u64 = 24;
/// Bump whenever the encoding or what the parser accepts changes (format 4: drafts left out, non-http
/// URLs refused; 5: requirements as comparators), so that older caches are rebuilt.
const FORMAT: u32 = 5;
/// Size of one index entry: name offset (u32), name length (u32), record offset (u64), record length (u32).
const INDEX_ENTRY: usize = 20;

/// How the compiled database was obtained on this open.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheStatus {
    /// The cache file matched the tree and was used.
    Fresh,
    /// The cache was missing, stale or damaged and was rebuilt (the reason says which).
    Rebuilt {
        /// Why the cache could not be used.
        reason: String,
    },
    /// The database was compiled in memory but the cache file could not be written.
    Unsaved {
        /// Why writing failed.
        reason: String,
    },
}

/// A compiled advisory database, ready for lookups by package name.
#[derive(Debug)]
pub struct CompiledDb {
    root: PathBuf,
    cache_path: PathBuf,
    /// The whole cache file: prefix, header and records.
    image: Image,
    header: Header,
    status: CacheStatus,
    elapsed: Duration,
}

/// The bytes of a cache file, mapped from disk (Unix), read from disk (elsewhere) or just built in
/// memory.
#[derive(Debug)]
enum Image {
    #[cfg(unix)]
    Mapped(memmap2::Mmap),
    Built(Vec<u8>),
}

impl std::ops::Deref for Image {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            #[cfg(unix)]
            Image::Mapped(map) => map,
            Image::Built(bytes) => bytes,
        }
    }
}

impl Image {
    /// Maps the cache file.
    #[cfg(unix)]
    fn map(file: &File) -> std::io::Result<Image> {
        // SAFETY: a mapping is only sound while nobody changes the file under it. cratewatch never
        // writes a cache file in place: a new one is written beside it and renamed over it, which
        // leaves this mapping on the old file. Every byte read from the map is still treated as
        // untrusted input (lengths and offsets are checked, a damaged record removes the file).
        #[expect(unsafe_code, reason = "mapping saves copying the cache into fresh memory on every run")]
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(Image::Mapped(map))
    }

    /// Reads the cache file. Elsewhere than on Unix the file is read, not mapped: the soundness
    /// argument above rests on renaming a new file over a mapped one, which Windows refuses (a mapped
    /// file cannot be replaced), so a mapping there would block every rebuild while a reader runs.
    #[cfg(not(unix))]
    fn map(mut file: &File) -> std::io::Result<Image> {
        use std::io::Read;
        let mut bytes = Vec::with_capacity(file.metadata().map_or(0, |m| m.len() as usize));
        file.read_to_end(&mut bytes)?;
        Ok(Image::Built(bytes))
    }
}

/// The decoded parts of a header, and the byte ranges (in the image) of the parts used in place.
#[derive(Debug)]
struct Header {
    root: String,
    built_ns: i128,
    advisory_count: usize,
    diagnostics: Vec<FileDiagnostic>,
    index_entries: std::ops::Range<usize>,
    index_names: std::ops::Range<usize>,
    fingerprint: std::ops::Range<usize>,
    /// Where the records start; record offsets count from here.
    records_start: usize,
}

impl Header {
    /// Decodes the header at `range` of `image`.
    fn decode(image: &[u8], range: std::ops::Range<usize>) -> Result<Header, Corrupt> {
        let bytes = image.get(range.clone()).ok_or(Corrupt)?;
        let at = |rest: usize| range.end - rest;
        let mut r = Reader::new(bytes);
        if r.str()? != env!("CARGO_PKG_VERSION") {
            return Err(Corrupt);
        }
        let root = r.str()?.to_owned();
        let built_ns = r.i128()?;
        let advisory_count = r.u32()? as usize;
        let mut diagnostics = Vec::new();
        for _ in 0..r.u32()? {
            let path = r.str()?.to_owned();
            let code = Code::parse(r.str()?).ok_or(Corrupt)?;
            let severity = if r.u8()? == 1 { DiagnosticSeverity::Error } else { DiagnosticSeverity::Warning };
            let line = Some(r.u32()?).filter(|&l| l != 0);
            let message = r.str()?.to_owned();
            diagnostics.push(FileDiagnostic { path, diagnostic: Diagnostic { code, severity, line, message } });
        }
        let packages = r.u32()? as usize;
        let entries_start = at(r.remaining());
        let entries_len = packages.checked_mul(INDEX_ENTRY).ok_or(Corrupt)?;
        r.skip(entries_len)?;
        let names_len = r.u32()? as usize;
        let names_start = at(r.remaining());
        r.skip(names_len)?;
        let fingerprint_start = at(r.remaining());
        let (_, rest) = EncodedFingerprint::split(&image[fingerprint_start..range.end]).ok_or(Corrupt)?;
        let fingerprint = fingerprint_start..range.end - rest.len();
        Ok(Header {
            root,
            built_ns,
            advisory_count,
            diagnostics,
            index_entries: entries_start..entries_start + entries_len,
            index_names: names_start..names_start + names_len,
            fingerprint,
            records_start: range.end,
        })
    }

    fn fingerprint<'a>(&self, image: &'a [u8]) -> EncodedFingerprint<'a> {
        EncodedFingerprint::split(&image[self.fingerprint.clone()]).expect("checked when decoded").0
    }

    /// The record range of `package`, by binary search in the sorted index.
    fn find(&self, image: &[u8], package: &str) -> Option<(u64, u32)> {
        let entries = &image[self.index_entries.clone()];
        let names = &image[self.index_names.clone()];
        let entry = |i: usize| &entries[i * INDEX_ENTRY..(i + 1) * INDEX_ENTRY];
        let u32_at = |e: &[u8], at: usize| u32::from_le_bytes(e[at..at + 4].try_into().expect("4 bytes"));
        let name = |e: &[u8]| {
            let (offset, len) = (u32_at(e, 0) as usize, u32_at(e, 4) as usize);
            names.get(offset..offset + len).unwrap_or_default()
        };
        let (mut low, mut high) = (0, entries.len() / INDEX_ENTRY);
        while low < high {
            let mid = (low + high) / 2;
            match name(entry(mid)).cmp(package.as_bytes()) {
                Ordering::Less => low = mid + 1,
                Ordering::Greater => high = mid,
                Ordering::Equal => {
                    let e = entry(mid);
                    return Some((u64::from_le_bytes(e[8..16].try_into().expect("8 bytes")), u32_at(e, 16)));
                }
            }
        }
        None
    }
}

impl CompiledDb {
    /// Opens the compiled form of the tree at `root`, kept in `cache_dir`, building or rebuilding it
    /// when needed.
    pub fn open(root: &Path, cache_dir: &Path) -> Result<CompiledDb, Error> {
        Self::open_with(root, cache_dir, |_| ()).map(|(db, ())| db)
    }

    /// Like [`CompiledDb::open`], and runs `work` on the database while its freshness is verified on
    /// another thread. If the cache turns out stale, it is rebuilt and `work` runs again on the fresh
    /// database, so the result always reflects the tree as it is.
    pub fn open_with<R: Send>(
        root: &Path,
        cache_dir: &Path,
        work: impl Fn(&CompiledDb) -> R + Sync,
    ) -> Result<(CompiledDb, R), Error> {
        Self::open_all_with(&[root.to_owned()], cache_dir, work)
    }

    /// Like [`CompiledDb::open_with`], for several sources merged into one view (see
    /// [`Database::load_all`]). The cache belongs to this list of sources, in this order.
    pub fn open_all_with<R: Send>(
        roots: &[PathBuf],
        cache_dir: &Path,
        work: impl Fn(&CompiledDb) -> R + Sync,
    ) -> Result<(CompiledDb, R), Error> {
        let started = Instant::now();
        let roots: Vec<PathBuf> = roots
            .iter()
            .map(|r| fs::canonicalize(r).map_err(|source| Error::Open { path: r.clone(), source }))
            .collect::<Result<_, _>>()?;
        let (key, cache_path) = cache_path(&roots, cache_dir);
        let reason = match read_cache(&cache_path, &key) {
            Err(reason) => reason,
            Ok((image, header)) => {
                let db = CompiledDb {
                    root: roots[0].clone(),
                    cache_path: cache_path.clone(),
                    image,
                    header,
                    status: CacheStatus::Fresh,
                    elapsed: Duration::ZERO,
                };
                // Verify on another CPU while `work` runs here; this thread joins the check when done.
                let verification = db.header.fingerprint(&db.image).verification(&roots, db.header.built_ns);
                let (result, helped) = run_beside(
                    || verification.help(),
                    || {
                        let result = work(&db);
                        verification.help();
                        result
                    },
                );
                let fresh = helped && verification.is_fresh();
                if fresh {
                    let db = CompiledDb { elapsed: started.elapsed(), ..db };
                    return Ok((db, result));
                }
                "the advisory database changed".to_owned()
            }
        };
        // The build reads the tree on every CPU: a helper still standing by would take one.
        crate::beside::cancel_standby();
        let mut db = build(&roots, &key, &cache_path, reason)?;
        db.elapsed = started.elapsed();
        let result = work(&db);
        Ok((db, result))
    }

    /// Removes the cache file of the sources at `roots`, if there is one: for a tree that will not be
    /// read again (a git checkout that a newer commit replaced). A reader that has it mapped keeps its
    /// copy.
    pub fn forget(roots: &[PathBuf], cache_dir: &Path) {
        let Ok(canonical) = roots.iter().map(fs::canonicalize).collect::<Result<Vec<_>, _>>() else { return };
        let _ = fs::remove_file(cache_path(&canonical, cache_dir).1);
    }

    /// The canonical path of the advisory tree (the first one, when there are several).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How many advisories loaded.
    pub fn advisory_count(&self) -> usize {
        self.header.advisory_count
    }

    /// Problems found when the tree was compiled.
    pub fn diagnostics(&self) -> &[FileDiagnostic] {
        &self.header.diagnostics
    }

    /// How many advisory files were skipped because of errors.
    pub fn skipped_count(&self) -> usize {
        let mut paths: Vec<&str> = self
            .header
            .diagnostics
            .iter()
            .filter(|d| d.diagnostic.severity == DiagnosticSeverity::Error)
            .map(|d| d.path.as_str())
            .collect();
        paths.dedup();
        paths.len()
    }

    /// Whether the cache was used, rebuilt or could not be saved.
    pub fn status(&self) -> &CacheStatus {
        &self.status
    }

    /// How long opening took (including verification and any rebuild).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Decodes every advisory about `package`.
    pub fn advisories_for(&self, package: &str) -> Result<Vec<Advisory>, Error> {
        self.decode(package, None)
    }

    /// Decodes the advisories about `package` whose `[versions]` say `version` is affected; the others
    /// are skipped without decoding.
    pub fn advisories_affecting(&self, package: &str, version: &Version) -> Result<Vec<Advisory>, Error> {
        self.decode(package, Some(&[version]))
    }

    /// Decodes the advisories about `package` that affect at least one of `versions` (the versions of a
    /// crate that a lockfile holds), each once.
    pub fn advisories_affecting_any(&self, package: &str, versions: &[&Version]) -> Result<Vec<Advisory>, Error> {
        self.decode(package, Some(versions))
    }

    fn decode(&self, package: &str, affecting: Option<&[&Version]>) -> Result<Vec<Advisory>, Error> {
        let Some((offset, len)) = self.header.find(&self.image, package) else { return Ok(Vec::new()) };
        // A damaged record passed the length checks: remove the file so that the next open rebuilds it.
        let damaged = || {
            let _ = fs::remove_file(&self.cache_path);
            Error::CorruptCache { path: self.root.clone() }
        };
        let start = usize::try_from(offset).ok().and_then(|o| o.checked_add(self.header.records_start));
        let bytes =
            start.and_then(|start| self.image.get(start..start.checked_add(len as usize)?)).ok_or_else(damaged)?;
        let mut reader = Reader::new(bytes);
        let count = reader.u32().map_err(|_| damaged())?;
        let mut advisories = Vec::new();
        for _ in 0..count {
            advisories.extend(reader.advisory(affecting).map_err(|_| damaged())?);
        }
        Ok(advisories)
    }
}

fn read_cache(path: &Path, key: &str) -> Result<(Image, Header), String> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err("no compiled database yet".into()),
        Err(e) => return Err(format!("cannot open {}: {e}", path.display())),
    };
    let image = Image::map(&file).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let header = decode_image(&image).map_err(|e| match e {
        ImageError::Format => "the compiled database has another format".to_owned(),
        ImageError::Truncated => "the compiled database is truncated".to_owned(),
        ImageError::Damaged => "the compiled database is damaged".to_owned(),
    })?;
    if header.root != key {
        return Err("the compiled database belongs to another tree".into());
    }
    Ok((image, header))
}

/// Why a cache image cannot be used.
enum ImageError {
    Format,
    Truncated,
    Damaged,
}

/// Checks the prefix of a cache image and decodes its header.
fn decode_image(image: &[u8]) -> Result<Header, ImageError> {
    let prefix = image.get(..PREFIX as usize).ok_or(ImageError::Truncated)?;
    let format = u32::from_le_bytes(prefix[4..8].try_into().expect("4 bytes"));
    if &prefix[..4] != MAGIC || format != FORMAT {
        return Err(ImageError::Format);
    }
    let header_len = u64::from_le_bytes(prefix[8..16].try_into().expect("8 bytes"));
    let records_len = u64::from_le_bytes(prefix[16..24].try_into().expect("8 bytes"));
    if Some(image.len() as u64) != PREFIX.checked_add(header_len).and_then(|n| n.checked_add(records_len)) {
        return Err(ImageError::Truncated);
    }
    let header_end = PREFIX as usize + header_len as usize;
    Header::decode(image, PREFIX as usize..header_end).map_err(|_| ImageError::Damaged)
}

/// The cache key of a list of canonical roots, and the cache file's path.
fn cache_path(roots: &[PathBuf], cache_dir: &Path) -> (String, PathBuf) {
    let key = roots.iter().map(|r| r.to_string_lossy()).collect::<Vec<_>>().join("\n");
    let path = cache_dir.join(format!("db-{:016x}.cwdb", fnv1a(key.as_bytes())));
    (key, path)
}

/// Compiles the tree and writes the cache file (atomically, through a temporary file and a rename).
/// The file is not fsynced: a cache torn by a crash fails its length and decoding checks and is rebuilt.
fn build(roots: &[PathBuf], key: &str, cache_path: &Path, reason: String) -> Result<CompiledDb, Error> {
    let built_ns = now_ns();
    let merged = load_merged(roots)?;
    let fingerprint = merged.fingerprint;
    let db = Database::from_merged(roots[0].clone(), merged.advisories, merged.diagnostics);

    let mut names: Vec<&str> = db.advisories().iter().map(|a| a.package.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    // Sized up front (a record is about its description plus a kilobyte of fields): grown by doubling
    // to its megabyte and more, the buffer would be copied and fresh pages touched at every step.
    let estimate = db.advisories().iter().map(|a| a.description.len() + 1024).sum();
    let mut records = Writer { buf: Vec::with_capacity(estimate) };
    let mut index = Vec::with_capacity(names.len());
    for name in &names {
        let offset = records.buf.len() as u64;
        let advisories: Vec<&Advisory> = db.for_package(name).collect();
        records.u32(advisories.len() as u32);
        for advisory in advisories {
            records.advisory(advisory);
        }
        index.push((offset, (records.buf.len() as u64 - offset) as u32));
    }

    let mut header = Writer { buf: Vec::with_capacity(16 * 1024 + names.len() * 48) };
    header.str(env!("CARGO_PKG_VERSION"));
    header.str(key);
    header.i128(built_ns);
    header.u32(db.advisories().len() as u32);
    header.u32(db.diagnostics().len() as u32);
    for d in db.diagnostics() {
        header.str(&d.path);
        header.str(d.diagnostic.code.as_str());
        header.u8(u8::from(d.diagnostic.severity == DiagnosticSeverity::Error));
        header.u32(d.diagnostic.line.unwrap_or(0));
        header.str(&d.diagnostic.message);
    }
    header.u32(names.len() as u32);
    let mut name_blob = Vec::new();
    for (name, (offset, len)) in names.iter().zip(&index) {
        header.u32(name_blob.len() as u32);
        header.u32(name.len() as u32);
        header.u64(*offset);
        header.u32(*len);
        name_blob.extend_from_slice(name.as_bytes());
    }
    header.u32(name_blob.len() as u32);
    header.buf.extend_from_slice(&name_blob);
    fingerprint.encode(&mut header.buf);

    let mut prefix = Vec::with_capacity(PREFIX as usize);
    prefix.extend_from_slice(MAGIC);
    prefix.extend_from_slice(&FORMAT.to_le_bytes());
    prefix.extend_from_slice(&(header.buf.len() as u64).to_le_bytes());
    prefix.extend_from_slice(&(records.buf.len() as u64).to_le_bytes());
    let parts = [&prefix[..], &header.buf, &records.buf];
    // The file just written is mapped as the image, as a warm run maps it: its pages are in the page
    // cache already, where copying the parts into one buffer would fill 1.4 MB of fresh pages.
    let (image, status) = match write_atomically(cache_path, &parts) {
        Ok(file) => {
            let image = Image::map(&file).unwrap_or_else(|_| Image::Built(parts.concat()));
            (image, CacheStatus::Rebuilt { reason })
        }
        Err(e) => (
            Image::Built(parts.concat()),
            CacheStatus::Unsaved { reason: format!("cannot write {}: {e}", cache_path.display()) },
        ),
    };
    let header = decode_image(&image).map_err(|_| Error::CorruptCache { path: roots[0].clone() })?;
    Ok(CompiledDb {
        root: roots[0].clone(),
        cache_path: cache_path.to_owned(),
        image,
        header,
        status,
        elapsed: Duration::ZERO,
    })
}

/// Writes `parts` one after the other to a new file and renames it to `path`. Returns the file, open
/// for reading.
fn write_atomically(path: &Path, parts: &[&[u8]]) -> std::io::Result<File> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp =
        dir.join(format!(".{}.{}.tmp", path.file_name().unwrap_or_default().to_string_lossy(), std::process::id()));
    let result =
        fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&tmp).and_then(|mut file| {
            parts.iter().try_for_each(|part| file.write_all(part))?;
            fs::rename(&tmp, path)?;
            Ok(file)
        });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
