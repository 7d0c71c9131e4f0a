//! Development helper: resolves a whole index and prints statistics.
use std::path::Path;

fn main() {
    let dir = std::env::args().nth(1).expect("index dir");
    let t = std::time::Instant::now();
    let index = cratewatch_index::IndexSnapshot::load(Path::new(&dir)).unwrap();
    eprintln!("loaded in {:?}", t.elapsed());
    let mut codes = std::collections::BTreeMap::new();
    for d in index.diagnostics() {
        *codes.entry(d.code).or_insert(0) += 1;
    }
    eprintln!("diagnostics: {codes:?}");
    let r = cratewatch_reach::Resolution::build(&index, &|p| eprintln!("{} {}/{}", p.stage, p.done, p.total));
    eprintln!("{:#?}", r.stats());
    if std::env::var_os("REACH_LIST").is_some() {
        for (pkg, why) in r.unresolved() {
            println!("{} {} {}", r.name(pkg), r.version(pkg), why.code());
        }
    }
    eprintln!("total {:?}", t.elapsed());
}
