//! Times opening the compiled database and decoding advisories (development aid):
//! `open_time DB CACHE_DIR [ITERATIONS] [PACKAGE...]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(3).map_or(5, |n| n.parse().unwrap());
    for _ in 0..n {
        let t = std::time::Instant::now();
        let db = cratewatch_db::CompiledDb::open(args[1].as_ref(), args[2].as_ref()).unwrap();
        let opened = t.elapsed();
        let t = std::time::Instant::now();
        let mut count = 0;
        for name in &args[4.min(args.len())..] {
            count += db.advisories_for(name).unwrap().len();
        }
        println!(
            "open {opened:?} ({:?}), decode {count} advisories of {} packages {:?}",
            db.status(),
            args.len().saturating_sub(4),
            t.elapsed()
        );
    }
}
