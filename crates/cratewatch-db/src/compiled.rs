//! The compiled database: one cache file per advisory tree holding a package index, the load
//! diagnostics, the tree's fingerprint and every advisory in a compact binary form. Opening it reads only
//! the index; the advisories of a package are decoded when asked for. Freshness is verified against the
//! tree on every open (in parallel with the caller's own work), and a stale or damaged cache is rebuilt.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cratewatch_advisory::{Advisory, Code, Diagnostic, DiagnosticSeverity};

use crate::codec::{Corrupt, Reader, Writer};
use crate::fingerprint::{Fingerprint, Stamp, now_ns};
use crate::load::{FileDiagnostic, parse_files, walk};
use crate::{Database, Error};

const MAGIC: &[u8; 4] = b"CWDB";
/// Bump whenever the encoding changes; older caches are then rebuilt.
const FORMAT: u32 = 1;

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
    advisory_count: usize,
    diagnostics: Vec<FileDiagnostic>,
    index: HashMap<String, (u64, u32)>,
    records: Records,
    status: CacheStatus,
    elapsed: Duration,
}

#[derive(Debug)]
enum Records {
    File { file: File, start: u64 },
    Memory(Vec<u8>),
}

/// What the header of a cache file holds.
struct Header {
    root: String,
    built_ns: i128,
    advisory_count: usize,
    diagnostics: Vec<FileDiagnostic>,
    index: HashMap<String, (u64, u32)>,
    fingerprint: Fingerprint,
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
        let started = Instant::now();
        let root = fs::canonicalize(root).map_err(|source| Error::Open { path: root.to_owned(), source })?;
        let cache_path = cache_dir.join(format!("db-{:016x}.cwdb", fnv1a(root.to_string_lossy().as_bytes())));
        let reason = match read_cache(&cache_path, &root) {
            Err(reason) => reason,
            Ok((header, file, start)) => {
                let db = CompiledDb {
                    root: root.clone(),
                    advisory_count: header.advisory_count,
                    diagnostics: header.diagnostics,
                    index: header.index,
                    records: Records::File { file, start },
                    status: CacheStatus::Fresh,
                    elapsed: Duration::ZERO,
                };
                // Verify on a second thread while `work` runs here; this thread joins the check when done.
                let racy = header.fingerprint.is_racy(header.built_ns);
                let verification = header.fingerprint.verification(&root);
                let (fresh, result) = std::thread::scope(|scope| {
                    let helper = scope.spawn(|| verification.help());
                    let result = work(&db);
                    verification.help();
                    let helped = helper.join().is_ok();
                    (helped && !racy && verification.is_fresh(), result)
                });
                if fresh {
                    let db = CompiledDb { elapsed: started.elapsed(), ..db };
                    return Ok((db, result));
                }
                "the advisory database changed".to_owned()
            }
        };
        let mut db = build(&root, &cache_path, reason)?;
        db.elapsed = started.elapsed();
        let result = work(&db);
        Ok((db, result))
    }

    /// The canonical path of the advisory tree.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How many advisories loaded.
    pub fn advisory_count(&self) -> usize {
        self.advisory_count
    }

    /// Problems found when the tree was compiled.
    pub fn diagnostics(&self) -> &[FileDiagnostic] {
        &self.diagnostics
    }

    /// How many advisory files were skipped because of errors.
    pub fn skipped_count(&self) -> usize {
        let mut paths: Vec<&str> = self
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

    /// Whether any advisory concerns `package`.
    pub fn has_package(&self, package: &str) -> bool {
        self.index.contains_key(package)
    }

    /// Decodes the advisories about `package`.
    pub fn advisories_for(&self, package: &str) -> Result<Vec<Advisory>, Error> {
        let Some(&(offset, len)) = self.index.get(package) else { return Ok(Vec::new()) };
        let damaged = || Error::CorruptCache { path: self.root.clone() };
        let mut owned;
        let bytes: &[u8] = match &self.records {
            Records::Memory(all) => all.get(offset as usize..offset as usize + len as usize).ok_or_else(damaged)?,
            Records::File { file, start } => {
                owned = vec![0; len as usize];
                read_exact_at(file, &mut owned, start + offset).map_err(|_| damaged())?;
                &owned
            }
        };
        let mut reader = Reader::new(bytes);
        let count = reader.u32().map_err(|_| damaged())?;
        (0..count).map(|_| reader.advisory().map_err(|_| damaged())).collect()
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut file = file.try_clone()?;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn read_cache(path: &Path, root: &Path) -> Result<(Header, File, u64), String> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err("no compiled database yet".into()),
        Err(e) => return Err(format!("cannot open {}: {e}", path.display())),
    };
    let mut prefix = [0u8; 16];
    file.read_exact(&mut prefix).map_err(|_| "the compiled database is truncated".to_owned())?;
    let format = u32::from_le_bytes(prefix[4..8].try_into().expect("4 bytes"));
    if &prefix[..4] != MAGIC || format != FORMAT {
        return Err("the compiled database has another format".into());
    }
    let header_len = u64::from_le_bytes(prefix[8..16].try_into().expect("8 bytes"));
    let mut header = vec![0; usize::try_from(header_len).map_err(|_| "bad header length".to_owned())?];
    file.read_exact(&mut header).map_err(|_| "the compiled database is truncated".to_owned())?;
    let header = decode_header(&header).map_err(|_| "the compiled database is damaged".to_owned())?;
    if header.root != root.to_string_lossy() {
        return Err("the compiled database belongs to another tree".into());
    }
    Ok((header, file, 16 + header_len))
}

fn decode_header(bytes: &[u8]) -> Result<Header, Corrupt> {
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
    let mut index = HashMap::with_capacity(packages);
    for _ in 0..packages {
        let name = r.str()?.to_owned();
        let offset = r.u64()?;
        let len = r.u32()?;
        index.insert(name, (offset, len));
    }
    let mut fingerprint = Fingerprint::default();
    for _ in 0..r.u32()? {
        let path = r.str()?.to_owned();
        let stamp = Stamp { dev: r.u64()?, ino: r.u64()?, size: r.u64()?, mtime_ns: r.i128()?, ctime_ns: r.i128()? };
        fingerprint.push(path, stamp);
    }
    Ok(Header { root, built_ns, advisory_count, diagnostics, index, fingerprint })
}

/// Compiles the tree and writes the cache file (atomically, through a temporary file and a rename).
/// The file is not fsynced: a cache torn by a crash fails its length and decoding checks and is rebuilt.
fn build(root: &Path, cache_path: &Path, reason: String) -> Result<CompiledDb, Error> {
    let built_ns = now_ns();
    let walk = walk(root)?;
    let (advisories, mut diagnostics) = parse_files(root, &walk.files);
    diagnostics.extend(walk.diagnostics);
    let db = Database::from_parts(root.to_owned(), advisories, diagnostics);

    let mut by_package: Vec<(&str, Vec<&Advisory>)> = Vec::new();
    let mut names: Vec<&str> = db.advisories().iter().map(|a| a.package.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        by_package.push((name, db.for_package(name).collect()));
    }
    let mut records = Writer::default();
    let mut index = HashMap::with_capacity(by_package.len());
    for (name, advisories) in &by_package {
        let offset = records.buf.len() as u64;
        records.u32(advisories.len() as u32);
        for advisory in advisories {
            records.advisory(advisory);
        }
        index.insert((*name).to_owned(), (offset, (records.buf.len() as u64 - offset) as u32));
    }

    let mut header = Writer::default();
    header.str(env!("CARGO_PKG_VERSION"));
    header.str(&root.to_string_lossy());
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
    header.u32(by_package.len() as u32);
    for (name, _) in &by_package {
        let (offset, len) = index[*name];
        header.str(name);
        header.u64(offset);
        header.u32(len);
    }
    header.u32(walk.fingerprint.entries.len() as u32);
    for (path, s) in &walk.fingerprint.entries {
        header.str(path);
        header.u64(s.dev);
        header.u64(s.ino);
        header.u64(s.size);
        header.i128(s.mtime_ns);
        header.i128(s.ctime_ns);
    }

    let status = match write_atomically(cache_path, &header.buf, &records.buf) {
        Ok(()) => CacheStatus::Rebuilt { reason },
        Err(e) => CacheStatus::Unsaved { reason: format!("cannot write {}: {e}", cache_path.display()) },
    };
    Ok(CompiledDb {
        root: root.to_owned(),
        advisory_count: db.advisories().len(),
        diagnostics: db.diagnostics().to_vec(),
        index,
        records: Records::Memory(records.buf),
        status,
        elapsed: Duration::ZERO,
    })
}

fn write_atomically(path: &Path, header: &[u8], records: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp =
        dir.join(format!(".{}.{}.tmp", path.file_name().unwrap_or_default().to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(MAGIC)?;
        file.write_all(&FORMAT.to_le_bytes())?;
        file.write_all(&(header.len() as u64).to_le_bytes())?;
        file.write_all(header)?;
        file.write_all(records)?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
