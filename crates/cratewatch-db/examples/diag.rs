//! Prints the diagnostics of a database (development aid).
fn main() {
    let db = cratewatch_db::Database::load(std::path::Path::new(&std::env::args().nth(1).unwrap())).unwrap();
    for d in db.diagnostics() {
        println!("{} {:?}", d.path, d.diagnostic);
    }
}
