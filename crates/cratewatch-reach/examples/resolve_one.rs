//! Development helper: resolves one version and prints its resolution.
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("index dir");
    let name = args.next().expect("name");
    let version = semver::Version::parse(&args.next().expect("version")).unwrap();
    let index = cratewatch_index::IndexSnapshot::load(Path::new(&dir)).unwrap();
    let r = cratewatch_reach::Resolution::build_one(&index, &name, &version);
    println!("{r}");
}
