//! `--index sparse+http://...`: yanked versions and fixes from a sparse registry index, here served
//! over loopback from the 2020 index's files, agree with the same index read as a directory; a crate
//! the index cannot serve is said, never taken as "not yanked".

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cratewatch_testdata::{crates_index_2020, scratch_dir};

use crate::cratewatch_in;

/// A sparse index over loopback: `config.json`, and each crate's file from the 2020 index (404 when
/// there is none). Crates named in `failing` answer 500. Returns the base URL and a request counter.
fn serve_index(failing: &'static [&'static str]) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    std::thread::spawn(move || {
        let root = crates_index_2020();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Skip the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_owned();
            let (status, body) = if path == "config.json" {
                ("200 OK", br#"{"dl": "https://example.invalid/api/v1/crates"}"#.to_vec())
            } else if failing.iter().any(|name| path.ends_with(&format!("/{name}"))) {
                ("500 Internal Server Error", b"down".to_vec())
            } else {
                match std::fs::read(root.join(&path)) {
                    Ok(bytes) if !path.contains("..") => ("200 OK", bytes),
                    _ => ("404 Not Found", Vec::new()),
                }
            };
            let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(&body);
        }
    });
    (format!("sparse+http://{address}/"), requests)
}

const LOCKFILE: &str = r#"version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde", "smallvec"]

[[package]]
name = "serde"
version = "1.0.95"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "smallvec"
version = "0.6.10"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

#[test]
fn a_sparse_index_gives_what_the_same_index_as_a_directory_gives() {
    let dir = scratch_dir("sparse-index");
    std::fs::write(dir.join("Cargo.lock"), LOCKFILE).unwrap();
    let (url, requests) = serve_index(&[]);
    let index = crates_index_2020();
    let from_dir = cratewatch_in(&dir, &["audit", "--json", "--index", index.to_str().unwrap()]);
    let from_http = cratewatch_in(&dir, &["audit", "--json", "--index", &url]);
    assert_eq!(from_http.code, from_dir.code, "{}", from_http.stderr);
    // The fixes are classified from either (reach resolves the part of the index the findings'
    // dependents reach, fetched over HTTP like any crate): the reports are the same, `update` keys
    // included.
    let dir_json = from_dir.json();
    assert_eq!(dir_json["vulnerabilities"]["list"][0]["update"]["class"], "cargo-update", "{dir_json}");
    let findings: Vec<&serde_json::Value> = dir_json["vulnerabilities"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .chain(dir_json["warnings"].as_object().unwrap().values().flat_map(|l| l.as_array().unwrap()))
        .collect();
    assert_eq!(findings.len(), 3, "{dir_json}");
    assert!(findings.iter().all(|f| f.get("update").is_some()), "every finding of the report has the key");
    assert_eq!(from_http.json(), dir_json);
    assert!(from_http.stderr.contains("note: reading what the findings' dependents depend on"), "{}", from_http.stderr);
    assert!(from_http.stderr.contains("note: resolved "), "{}", from_http.stderr);
    let json = from_http.json();
    assert_eq!(json["warnings"]["yanked"][0]["package"]["version"], "1.0.95", "serde 1.0.95 is yanked");
    // The fix is a real release from the index, not only what the advisory's ranges name.
    assert_eq!(json["vulnerabilities"]["list"][0]["fix"]["version"], "0.6.14");
    assert!(requests.load(Ordering::SeqCst) >= 3, "config.json, both crates and smallvec's closure were fetched");
    assert_eq!(cratewatch_in(&dir, &["audit", "--deny", "yanked", "--index", &url]).code, 1);
}

#[test]
fn a_crate_the_sparse_index_cannot_serve_is_said_not_hidden() {
    let dir = scratch_dir("sparse-index-failing");
    std::fs::write(dir.join("Cargo.lock"), LOCKFILE).unwrap();
    let (url, _) = serve_index(&["serde"]);
    let run = cratewatch_in(&dir, &["audit", "--json", "--index", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("the registry index could not be read for 1 crate(s)"), "{}", run.stderr);
    assert!(run.stderr.contains("500"), "{}", run.stderr);
    // serde is in smallvec's dependency closure (an optional dependency), so the fixes cannot be
    // classified: that is said, and the findings are still reported.
    assert!(run.stderr.contains("warning: cannot tell which fixes need a manifest change"), "{}", run.stderr);
    assert_eq!(run.json()["vulnerabilities"]["count"], 1, "{}", run.stdout);
    assert!(run.json()["vulnerabilities"]["list"][0].get("update").is_none());
    let denied = cratewatch_in(&dir, &["audit", "--deny", "yanked", "--index", &url]);
    assert_eq!(denied.code, 2, "{}", denied.stderr);
    // Not an index at all: one line, exit 2.
    let bad = cratewatch_in(&dir, &["audit", "--index", "sparse+ftp://example.invalid/"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("sparse+ftp://example.invalid/"), "{}", bad.stderr);
}
