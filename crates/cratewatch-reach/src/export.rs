//! The Parquet export: the resolved graph and the exposure table, for DuckDB, DataFusion or Spark.
//! This is the crate's one piece of IO.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, StringBuilder, UInt8Builder, UInt32Builder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::exposure::Exposure;
use crate::resolution::{Outcome, Pkg};

/// What [`export_parquet`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParquetExport {
    /// The files, in the order written.
    pub files: Vec<PathBuf>,
    /// Rows over all files.
    pub rows: u64,
}

/// Why the export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A file or the directory could not be created or written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The Parquet writer failed.
    #[error("cannot write Parquet file {path}: {source}")]
    Parquet {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: parquet::errors::ParquetError,
    },
}

const BATCH: usize = 1 << 20;

struct Writer {
    path: PathBuf,
    inner: ArrowWriter<File>,
    schema: Arc<Schema>,
    rows: u64,
}

impl Writer {
    fn create(dir: &Path, name: &str, fields: Vec<Field>) -> Result<Writer, ExportError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| ExportError::Io { path: path.clone(), source })?;
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let inner = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|source| ExportError::Parquet { path: path.clone(), source })?;
        Ok(Writer { path, inner, schema, rows: 0 })
    }

    fn write(&mut self, columns: Vec<ArrayRef>) -> Result<(), ExportError> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| ExportError::Parquet { path: self.path.clone(), source: e.into() })?;
        self.rows += batch.num_rows() as u64;
        self.inner.write(&batch).map_err(|source| ExportError::Parquet { path: self.path.clone(), source })
    }

    fn close(self) -> Result<(PathBuf, u64), ExportError> {
        self.inner.close().map_err(|source| ExportError::Parquet { path: self.path.clone(), source })?;
        Ok((self.path, self.rows))
    }
}

fn field(name: &str, data_type: DataType, nullable: bool) -> Field {
    Field::new(name, data_type, nullable)
}

/// Writes four Parquet files (Snappy-compressed) into `dir`, creating it if needed:
///
/// - `versions.parquet`: every version, with its `id` (the key the other files use), `name`,
///   `version`, `yanked`, `newest` (the crate's newest release), `resolved`, `unresolved` (the reason's
///   code) and `packages` (how many packages its lockfile holds);
/// - `graph.parquet`: the resolved graph, one row per version and package of its resolution (`root`,
///   `package`, `depth`, `kind` = `root`/`normal`/`build`, `parent` on a shortest path);
/// - `exposure.parquet`: one row per finding (`advisory`, `root`, `package`, `depth`, `class`,
///   `blocker`, `requirement`, `fixed_in`);
/// - `advisories.parquet`: the per-advisory counts that `cratewatch reach` shows.
pub fn export_parquet(exposure: &Exposure, dir: &Path) -> Result<ParquetExport, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io { path: dir.to_owned(), source })?;
    let r = exposure.resolution();
    let mut done = Vec::new();

    // versions.parquet
    let mut w = Writer::create(
        dir,
        "versions.parquet",
        vec![
            field("id", DataType::UInt32, false),
            field("name", DataType::Utf8, false),
            field("version", DataType::Utf8, false),
            field("yanked", DataType::Boolean, false),
            field("newest", DataType::Boolean, false),
            field("resolved", DataType::Boolean, false),
            field("unresolved", DataType::Utf8, true),
            field("packages", DataType::UInt32, true),
        ],
    )?;
    let total = r.version_count();
    for start in (0..total).step_by(BATCH) {
        let end = (start + BATCH).min(total);
        let (mut id, mut name, mut version) = (UInt32Builder::new(), StringBuilder::new(), StringBuilder::new());
        let (mut yanked, mut newest, mut resolved) =
            (BooleanBuilder::new(), BooleanBuilder::new(), BooleanBuilder::new());
        let (mut unresolved, mut packages) = (StringBuilder::new(), UInt32Builder::new());
        for v in start..end {
            let pkg = Pkg(v as u32);
            id.append_value(pkg.0);
            name.append_value(r.name(pkg));
            version.append_value(r.version(pkg).to_string());
            yanked.append_value(r.is_yanked(pkg));
            newest.append_value(r.newest_of_crate(pkg) == pkg);
            match r.outcome(pkg) {
                Outcome::Resolved(g) => {
                    resolved.append_value(true);
                    unresolved.append_null();
                    packages.append_value(g.len() as u32);
                }
                Outcome::Unresolved(why) => {
                    resolved.append_value(false);
                    unresolved.append_value(why.code());
                    packages.append_null();
                }
            }
        }
        w.write(vec![
            Arc::new(id.finish()),
            Arc::new(name.finish()),
            Arc::new(version.finish()),
            Arc::new(yanked.finish()),
            Arc::new(newest.finish()),
            Arc::new(resolved.finish()),
            Arc::new(unresolved.finish()),
            Arc::new(packages.finish()),
        ])?;
    }
    done.push(w.close()?);

    // graph.parquet
    let mut w = Writer::create(
        dir,
        "graph.parquet",
        vec![
            field("root", DataType::UInt32, false),
            field("package", DataType::UInt32, false),
            field("depth", DataType::UInt8, false),
            field("kind", DataType::Utf8, false),
            field("parent", DataType::UInt32, true),
        ],
    )?;
    let mut builders = GraphBuilders::default();
    for v in 0..total {
        let Some(g) = r.graph(Pkg(v as u32)) else { continue };
        for p in g.packages() {
            builders.root.append_value(v as u32);
            builders.package.append_value(p.pkg.0);
            builders.depth.append_value(p.depth.min(255) as u8);
            builders.kind.append_value(p.kind.as_str());
            match p.parent {
                Some(parent) => builders.parent.append_value(g.get(parent).pkg.0),
                None => builders.parent.append_null(),
            }
            builders.len += 1;
        }
        if builders.len >= BATCH {
            w.write(builders.finish())?;
        }
    }
    if builders.len > 0 {
        w.write(builders.finish())?;
    }
    done.push(w.close()?);

    // exposure.parquet
    let mut w = Writer::create(
        dir,
        "exposure.parquet",
        vec![
            field("advisory", DataType::Utf8, false),
            field("root", DataType::UInt32, false),
            field("package", DataType::UInt32, false),
            field("depth", DataType::UInt8, false),
            field("class", DataType::Utf8, false),
            field("blocker", DataType::UInt32, true),
            field("requirement", DataType::Utf8, true),
            field("fixed_in", DataType::UInt32, true),
        ],
    )?;
    for a in exposure.advisories() {
        let findings = exposure.findings(&a.id, 0, usize::MAX).unwrap_or_default();
        for chunk in findings.chunks(BATCH) {
            let (mut advisory, mut root, mut package) =
                (StringBuilder::new(), UInt32Builder::new(), UInt32Builder::new());
            let (mut depth, mut class) = (UInt8Builder::new(), StringBuilder::new());
            let (mut blocker, mut requirement, mut fixed_in) =
                (UInt32Builder::new(), StringBuilder::new(), UInt32Builder::new());
            for f in chunk {
                advisory.append_value(&a.id);
                root.append_value(f.root().0);
                package.append_value(f.package().0);
                depth.append_value(f.depth().min(255) as u8);
                class.append_value(f.class().code());
                blocker.append_option(f.blocker().map(|b| b.0));
                requirement.append_option(f.blocking_requirement());
                fixed_in.append_option(f.fixed_in().map(|p| p.0));
            }
            w.write(vec![
                Arc::new(advisory.finish()),
                Arc::new(root.finish()),
                Arc::new(package.finish()),
                Arc::new(depth.finish()),
                Arc::new(class.finish()),
                Arc::new(blocker.finish()),
                Arc::new(requirement.finish()),
                Arc::new(fixed_in.finish()),
            ])?;
        }
    }
    done.push(w.close()?);

    // advisories.parquet
    let counts = [
        "affected_versions",
        "exposed_versions",
        "direct",
        "transitive",
        "exposed_crates",
        "newest_releases_exposed",
        "own_manifest",
        "upstream_manifest",
        "no_fixed_release",
        "cargo_update",
        "cargo_update_crates",
    ];
    let mut fields = vec![
        field("id", DataType::Utf8, false),
        field("package", DataType::Utf8, false),
        field("kind", DataType::Utf8, false),
    ];
    fields.extend(counts.iter().map(|c| field(c, DataType::UInt64, false)));
    fields.push(field("title", DataType::Utf8, false));
    let mut w = Writer::create(dir, "advisories.parquet", fields)?;
    let (mut id, mut package, mut kind, mut title) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut columns: Vec<UInt64Builder> = counts.iter().map(|_| UInt64Builder::new()).collect();
    for a in exposure.advisories() {
        id.append_value(&a.id);
        package.append_value(&a.package);
        kind.append_value(a.kind.as_str());
        title.append_value(&a.title);
        let values = [
            a.affected_versions,
            a.exposed_versions,
            a.direct,
            a.transitive,
            a.exposed_crates,
            a.newest_releases_exposed,
            a.own_manifest,
            a.upstream_manifest,
            a.no_fixed_release,
            a.cargo_update,
            a.cargo_update_crates,
        ];
        for (c, v) in columns.iter_mut().zip(values) {
            c.append_value(v as u64);
        }
    }
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(id.finish()), Arc::new(package.finish()), Arc::new(kind.finish())];
    arrays.extend(columns.iter_mut().map(|c| Arc::new(c.finish()) as ArrayRef));
    arrays.push(Arc::new(title.finish()));
    w.write(arrays)?;
    done.push(w.close()?);

    let rows = done.iter().map(|d| d.1).sum();
    Ok(ParquetExport { files: done.into_iter().map(|d| d.0).collect(), rows })
}

#[derive(Default)]
struct GraphBuilders {
    root: UInt32Builder,
    package: UInt32Builder,
    depth: UInt8Builder,
    kind: StringBuilder,
    parent: UInt32Builder,
    len: usize,
}

impl GraphBuilders {
    fn finish(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        vec![
            Arc::new(self.root.finish()),
            Arc::new(self.package.finish()),
            Arc::new(self.depth.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.parent.finish()),
        ]
    }
}
