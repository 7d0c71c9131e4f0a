//! Parsing every advisory of the real RustSec database, cratewatch against the official `rustsec`
//! crate (what cargo-audit parses with on every run), in the same run: `cargo bench -p cratewatch-advisory`.

use std::str::FromStr;

use cratewatch_advisory::{Collection, parse_advisory};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn advisories(c: &mut Criterion) {
    let db = cratewatch_testdata::advisory_db();
    let mut texts = Vec::new();
    for dir in std::fs::read_dir(db.join("crates")).unwrap() {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            texts.push(std::fs::read_to_string(file.unwrap().path()).unwrap());
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("advisory-parse-all-crates");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("cratewatch", |b| {
        b.iter(|| texts.iter().filter(|t| parse_advisory(t, Collection::Crates).advisory.is_some()).count())
    });
    group.bench_function("rustsec", |b| {
        b.iter(|| texts.iter().filter(|t| rustsec::Advisory::from_str(t).is_ok()).count())
    });
    group.finish();
}

criterion_group!(benches, advisories);
criterion_main!(benches);
