//! Development helper: resolves a whole index, prints the statistics, and with an advisory database
//! also times the exposure.
//!
//! `cargo run --release -p cratewatch-reach --example resolve_all -- INDEX_DIR [ADVISORY_DB]`
use std::path::Path;
use std::sync::Arc;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("index dir");
    let db = args.next();
    let t = std::time::Instant::now();
    let index = cratewatch_index::IndexSnapshot::load(Path::new(&dir)).unwrap();
    eprintln!("loaded in {:?}", t.elapsed());
    let r = cratewatch_reach::Resolution::build(&index, &|_| {});
    eprintln!("{:#?}", r.stats());
    if let Some(db) = db {
        let db = cratewatch_db::Database::load(Path::new(&db)).unwrap();
        let r = Arc::new(r);
        for _ in 0..3 {
            let e = cratewatch_reach::Exposure::compute(r.clone(), db.advisories());
            eprintln!("{:?}", e.stats());
        }
    }
    eprintln!("total {:?}", t.elapsed());
}
