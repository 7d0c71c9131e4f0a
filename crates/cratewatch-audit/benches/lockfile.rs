//! Lockfile parsing, cratewatch against the RustSec project's `cargo-lock` (what cargo-audit uses), on
//! the same real lockfiles in the same run: `cargo bench -p cratewatch-audit`.

use std::str::FromStr;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn lockfiles(c: &mut Criterion) {
    let mut group = c.benchmark_group("lockfile-parse");
    let wanted = ["lapce__", "tauri-apps__", "BurntSushi__ripgrep__2017"];
    for (path, _) in cratewatch_testdata::lockfiles() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(short) = wanted.iter().find(|w| name.starts_with(**w)) else { continue };
        let text = std::fs::read_to_string(&path).unwrap();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("cratewatch", short), &text, |b, text| {
            b.iter(|| cratewatch_audit::Lockfile::parse(text).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("cargo-lock", short), &text, |b, text| {
            b.iter(|| cargo_lock::Lockfile::from_str(text).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, lockfiles);
criterion_main!(benches);
