//! The sparse HTTP source against a real HTTP server on loopback serving the real 2020 index.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cratewatch_index::{CrateSource, Error, SparseIndex, SparseOptions};
use cratewatch_testdata::{crates_index_2020, scratch_dir};

use crate::http::{Behaviour, TestServer};
use crate::snapshot::snapshot;

fn files(etag: bool, last_modified: bool) -> TestServer {
    TestServer::start(Behaviour::Files { root: crates_index_2020(), etag, last_modified })
}

/// Options for tests: short timeouts, so that a broken server fails fast.
fn options() -> SparseOptions {
    SparseOptions::default().connect_timeout(Duration::from_secs(2)).read_timeout(Duration::from_secs(2))
}

/// A sample of crate names: some with every name length of the layout, mixed case, and every 400th
/// crate of the index.
fn sample() -> Vec<String> {
    let mut names: Vec<String> =
        ["a", "cc", "syn", "Inflector", "serde", "tokio", "bbs", "log"].iter().map(|s| s.to_string()).collect();
    names.extend(snapshot().names().step_by(400).map(str::to_owned));
    names.sort_by_key(|n| n.to_lowercase());
    names.dedup_by_key(|n| n.to_lowercase());
    names
}

/// Every crate of the sample reads the same over HTTP as from the snapshot; once the TTL has passed,
/// each is revalidated with `If-None-Match` and the server's 304 reuses the cached answer.
#[test]
fn sparse_agrees_with_the_snapshot_and_revalidates_with_etags() {
    let server = files(true, false);
    let sparse = SparseIndex::open(&server.url, options().ttl(Duration::ZERO)).unwrap();
    assert_eq!(sparse.download_url(), "https://crates.io/api/v1/crates");
    let sparse: &dyn CrateSource = &sparse;
    let local: &dyn CrateSource = snapshot();
    let names = sample();
    assert!(names.len() > 100);

    let mut first = Vec::new();
    for name in &names {
        let fetched = sparse.crate_versions(name).unwrap().unwrap_or_else(|| panic!("{name} not served"));
        let expected = local.crate_versions(name).unwrap().unwrap();
        assert_eq!(fetched.versions, expected.versions, "{name}");
        assert_eq!(fetched.diagnostics, expected.diagnostics, "{name}");
        assert_eq!(fetched.name, expected.name, "{name}");
        first.push(fetched);
    }
    assert_eq!(server.requests(), 1 + names.len(), "config.json, then one request per crate");
    assert_eq!(server.conditional(), 0);
    assert!(server.paths().contains(&"/in/fl/inflector".to_owned()), "paths are lowercase");
    assert!(server.paths().contains(&"/1/a".to_owned()) && server.paths().contains(&"/3/s/syn".to_owned()));

    for (name, before) in names.iter().zip(&first) {
        let again = sparse.crate_versions(name).unwrap().unwrap();
        assert!(Arc::ptr_eq(&again, before), "{name}: a 304 reuses the cached answer");
    }
    assert_eq!(server.requests(), 1 + 2 * names.len());
    assert_eq!(server.conditional(), names.len());
    assert_eq!(server.not_modified(), names.len());
}

#[test]
fn last_modified_is_revalidated_with_if_modified_since() {
    let server = files(false, true);
    let sparse = SparseIndex::open(&server.url, options().ttl(Duration::ZERO)).unwrap();
    let first = sparse.crate_versions("serde").unwrap().unwrap();
    let second = sparse.crate_versions("serde").unwrap().unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!((server.requests(), server.conditional(), server.not_modified()), (3, 1, 1));
}

#[test]
fn fresh_answers_come_from_memory_without_a_request() {
    let server = files(true, false);
    let sparse = SparseIndex::open(&server.url, options().ttl(Duration::from_secs(3600))).unwrap();
    let first = sparse.crate_versions("rand").unwrap().unwrap();
    assert!(sparse.crate_versions("no-such-crate-here").unwrap().is_none());
    let before = server.requests();
    for _ in 0..5 {
        assert!(Arc::ptr_eq(&sparse.crate_versions("RAND").unwrap().unwrap(), &first));
        assert!(sparse.crate_versions("no-such-crate-here").unwrap().is_none(), "a 404 is cached too");
    }
    assert_eq!(server.requests(), before);
    assert_eq!(before, 3);
}

/// Without validators from the server, an expired answer is fetched again in full.
#[test]
fn without_validators_an_expired_answer_is_fetched_again() {
    let server = files(false, false);
    let sparse = SparseIndex::open(&server.url, options().ttl(Duration::ZERO)).unwrap();
    let first = sparse.crate_versions("log").unwrap().unwrap();
    let second = sparse.crate_versions("log").unwrap().unwrap();
    assert!(!Arc::ptr_eq(&first, &second));
    assert_eq!(first, second);
    assert_eq!((server.requests(), server.conditional()), (3, 0));
}

#[test]
fn missing_crates_are_none_and_other_statuses_are_errors() {
    let server = files(true, false);
    let sparse = SparseIndex::open(&server.url.replace("sparse+", ""), options()).unwrap();
    assert!(sparse.crate_versions("no-such-crate-anywhere").unwrap().is_none());
    let before = server.requests();
    for name in ["", "../config.json", "se/rd/serde", "serde?x", "sérde"] {
        assert!(sparse.crate_versions(name).unwrap().is_none(), "{name:?}");
    }
    assert_eq!(server.requests(), before, "names that cannot be crates are never requested");

    for status in [404, 410, 451] {
        let server = TestServer::start(Behaviour::Status(status));
        let sparse = SparseIndex::open(&server.url, options()).unwrap();
        assert!(sparse.crate_versions("serde").unwrap().is_none(), "{status}");
    }
    for status in [500, 403] {
        let server = TestServer::start(Behaviour::Status(status));
        let sparse = SparseIndex::open(&server.url, options()).unwrap();
        let err = sparse.crate_versions("serde").unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::Fetch { .. }), "{err:?}");
        assert!(message.contains("/se/rd/serde") && message.contains(&status.to_string()), "{message}");
    }
}

#[test]
fn a_server_that_answers_garbage_is_an_error_naming_the_url() {
    let server = TestServer::start(Behaviour::Garbage);
    let sparse = SparseIndex::open(&server.url, options()).unwrap();
    let err = sparse.crate_versions("serde").unwrap_err();
    assert!(matches!(err, Error::Fetch { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with("cannot fetch http://127.0.0.1:") && message.contains("/se/rd/serde: "), "{message}");
}

#[test]
fn a_server_that_hangs_times_out() {
    let server = TestServer::start(Behaviour::Hang);
    let start = Instant::now();
    let err = SparseIndex::open(&server.url, options().read_timeout(Duration::from_millis(300))).unwrap_err();
    let elapsed = start.elapsed();
    let message = err.to_string();
    assert!(matches!(err, Error::Fetch { .. }), "{err:?}");
    assert!(message.contains("/config.json") && message.contains("timed out"), "{message}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn responses_over_the_size_limit_are_refused() {
    let server = files(true, false);
    let sparse = SparseIndex::open(&server.url, options().max_response_bytes(4096)).unwrap();
    assert!(sparse.crate_versions("a").unwrap().is_some(), "small files still load");
    let err = sparse.crate_versions("serde").unwrap_err();
    assert!(err.to_string().contains("larger than the limit of 4096 bytes"), "{err}");
}

#[test]
fn bad_urls_unreachable_servers_and_missing_configs_fail_clearly() {
    for url in ["ftp://example.invalid/", "sparse+", "index.crates.io", "http://", "https:///x", "http://h/?q"] {
        let err = SparseIndex::open(url, options()).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains(url), "{err}");
    }

    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = SparseIndex::open(&format!("http://127.0.0.1:{port}"), options()).unwrap_err();
    assert!(matches!(err, Error::Fetch { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("http://127.0.0.1:{port}/config.json")), "{err}");

    let empty = scratch_dir("sparse-no-config");
    let server = TestServer::start(Behaviour::Files { root: empty.clone(), etag: true, last_modified: false });
    let err = SparseIndex::open(&server.url, options()).unwrap_err();
    assert!(matches!(err, Error::InvalidRemoteConfig { .. }), "{err:?}");
    std::fs::write(empty.join("config.json"), r#"{"api":"x"}"#).unwrap();
    let err = SparseIndex::open(&server.url, options()).unwrap_err();
    assert!(err.to_string().contains("`dl`"), "{err}");
}

/// The source is shared between threads, as the server will share it.
#[test]
fn many_threads_share_one_sparse_index() {
    let server = files(true, false);
    let sparse = Arc::new(SparseIndex::open(&server.url, options()).unwrap());
    let names = ["serde", "rand", "log", "syn", "tokio", "regex"];
    std::thread::scope(|scope| {
        for t in 0..4 {
            let sparse = sparse.clone();
            scope.spawn(move || {
                for name in names.iter().cycle().skip(t).take(12) {
                    let krate = sparse.crate_versions(name).unwrap().unwrap();
                    assert_eq!(krate.name, *name);
                }
            });
        }
    });
    assert!(server.requests() <= 1 + 4 * names.len(), "{}", server.requests());
    assert!(sparse.describe().starts_with("sparse index http://127.0.0.1:"), "{}", sparse.describe());
    assert!(sparse.may_block());
}
