//! Re-syncing a database directory while serving: new and withdrawn advisories appear without a
//! restart, and a broken sync keeps the last good snapshot and says why.

use std::fs;
use std::time::{Duration, Instant};

use crate::harness::Server;

fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sync_swaps_in_new_and_withdrawn_advisories_and_survives_a_broken_database() {
    let db = cratewatch_testdata::advisory_db_copy("server-sync");
    let server = Server::start(&db, Some(&cratewatch_testdata::crates_index_2020()), Some(Duration::from_secs(1)));
    assert_eq!(server.get("/api/v1/advisories/RUSTSEC-2099-0002").status, 404);
    // Warm the cache so that the swap must invalidate it.
    let before = server.get("/crates/smallvec/security").body;

    let advisory = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0002\"\npackage = \"smallvec\"\ndate = \"2099-02-02\"\n\n[versions]\npatched = [\">= 99.0.0\"]\n```\n\n# A new smallvec problem\n\nDetails.\n";
    let file = db.join("crates/smallvec/RUSTSEC-2099-0002.md");
    fs::write(&file, advisory).unwrap();
    wait_for("the new advisory", || server.get("/api/v1/advisories/RUSTSEC-2099-0002").status == 200);
    let after = server.get("/crates/smallvec/security").body;
    assert_ne!(before, after);
    assert!(after.contains("A new smallvec problem"));
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["advisories"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect()
    };
    let v = server.json("/api/v1/crates/smallvec/1.4.0/security");
    assert!(ids(&v).contains(&"RUSTSEC-2099-0002".to_owned()), "the new advisory affects every version below 99");

    // Withdraw it.
    fs::write(&file, advisory.replace("date = \"2099-02-02\"", "date = \"2099-02-02\"\nwithdrawn = \"2099-02-03\""))
        .unwrap();
    wait_for("the withdrawal", || server.json("/api/v1/advisories/RUSTSEC-2099-0002")["withdrawn"] == "2099-02-03");
    let v = server.json("/api/v1/crates/smallvec/1.4.0/security");
    assert!(!ids(&v).contains(&"RUSTSEC-2099-0002".to_owned()), "a withdrawn advisory affects nothing");

    // Break the database: the last good snapshot keeps being served, and health says why.
    let moved = db.with_extension("moved");
    fs::rename(&db, &moved).unwrap();
    wait_for("the failed sync", || server.json("/healthz")["status"] == "degraded");
    let health = server.json("/healthz");
    assert!(health["last_sync_error"].as_str().unwrap().contains("cannot read advisory database"), "{health}");
    assert_eq!(server.get("/api/v1/advisories/RUSTSEC-2099-0002").status, 200);
    assert!(server.get("/metrics").body.lines().any(|l| l == "cratewatch_db_sync_failing 1"));

    // Repair it: healthy again.
    fs::rename(&moved, &db).unwrap();
    wait_for("recovery", || server.json("/healthz")["status"] == "ok");
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=cratewatch test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// The database from a git URL: commits upstream reach the pages without a restart, and an upstream
/// that disappears leaves the last synced commit being served.
#[test]
fn git_source_follows_upstream_commits() {
    let scratch = cratewatch_testdata::scratch_dir("server-git");
    let upstream = scratch.join("upstream");
    let status = std::process::Command::new("git")
        .args(["clone", "--quiet"])
        .arg(cratewatch_testdata::advisory_db())
        .arg(&upstream)
        .status()
        .unwrap();
    assert!(status.success());
    let url = format!("file://{}", upstream.display());
    let mirror = cratewatch_db::GitMirror::new(url.clone(), scratch.join("cache"));
    let server = Server::start_with(
        cratewatch_server::DbSource::Git(std::sync::Arc::new(mirror)),
        Some(&cratewatch_testdata::crates_index_2020()),
        Some(Duration::from_secs(1)),
    );
    let head = |dir: &std::path::Path| {
        let out = std::process::Command::new("git").arg("-C").arg(dir).args(["rev-parse", "HEAD"]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(server.json("/healthz")["commit"], head(&upstream).as_str());
    assert_eq!(server.get("/api/v1/advisories/RUSTSEC-2099-0003").status, 404);

    let advisory = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0003\"\npackage = \"base64\"\ndate = \"2099-03-03\"\n\n[versions]\npatched = [\">= 99.0.0\"]\n```\n\n# Added by a commit\n\nDetails.\n";
    std::fs::write(upstream.join("crates/base64/RUSTSEC-2099-0003.md"), advisory).unwrap();
    git(&upstream, &["add", "-A"]);
    git(&upstream, &["commit", "--quiet", "-m", "Add RUSTSEC-2099-0003"]);
    wait_for("the committed advisory", || server.get("/api/v1/advisories/RUSTSEC-2099-0003").status == 200);
    assert_eq!(server.json("/healthz")["commit"], head(&upstream).as_str());
    assert!(server.get("/crates/base64/security").body.contains("Added by a commit"));

    let withdrawn = advisory.replace("date = \"2099-03-03\"", "date = \"2099-03-03\"\nwithdrawn = \"2099-03-04\"");
    std::fs::write(upstream.join("crates/base64/RUSTSEC-2099-0003.md"), withdrawn).unwrap();
    git(&upstream, &["commit", "--quiet", "-am", "Withdraw RUSTSEC-2099-0003"]);
    wait_for("the withdrawal commit", || {
        server.json("/api/v1/advisories/RUSTSEC-2099-0003")["withdrawn"] == "2099-03-04"
    });

    std::fs::rename(&upstream, scratch.join("gone")).unwrap();
    wait_for("the failed fetch", || server.json("/healthz")["status"] == "degraded");
    assert!(server.json("/healthz")["last_sync_error"].as_str().unwrap().contains(&url));
    assert_eq!(server.get("/api/v1/advisories/RUSTSEC-2099-0003").status, 200, "the last good snapshot is served");
}

/// A commit that breaks a valid advisory file must not make the vulnerability vanish: its last valid
/// version stays served, marked stale, and `/healthz` and `/metrics` say so until the file is fixed.
#[test]
fn a_broken_advisory_file_keeps_its_last_valid_version_marked_stale() {
    let db = cratewatch_testdata::advisory_db_copy("server-sync-stale");
    let server = Server::start(&db, Some(&cratewatch_testdata::crates_index_2020()), Some(Duration::from_secs(1)));
    let file = db.join("crates/smallvec/RUSTSEC-2019-0009.md");
    let valid = fs::read_to_string(&file).unwrap();
    let before = server.json("/api/v1/advisories/RUSTSEC-2019-0009");
    assert_eq!(before["stale"], serde_json::Value::Null);
    assert_eq!(server.json("/healthz")["stale_advisories"], serde_json::json!([]));

    // Break it: the date is no date any more.
    fs::write(&file, valid.replace("date = \"2019-", "date = \"not-a-date-")).unwrap();
    wait_for("the stale mark", || server.json("/api/v1/advisories/RUSTSEC-2019-0009")["stale"].is_string());
    let stale = server.json("/api/v1/advisories/RUSTSEC-2019-0009");
    assert_eq!(stale["title"], before["title"], "the last valid version is served");
    assert!(stale["stale"].as_str().unwrap().contains("RUSTSEC-2019-0009.md"), "{}", stale["stale"]);
    let version = server.json("/api/v1/crates/smallvec/0.6.9/security");
    let ids: Vec<&str> = version["advisories"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"RUSTSEC-2019-0009"), "still affects the versions it affected: {ids:?}");
    let page = server.get("/advisories/RUSTSEC-2019-0009").body;
    assert!(page.contains("banner warn stale") && page.contains("last valid version"), "the page says so");
    let health = server.json("/healthz");
    assert_eq!(health["stale_advisories"], serde_json::json!(["RUSTSEC-2019-0009"]), "{health}");
    assert!(health["first_diagnostics"].to_string().contains("RUSTSEC-2019-0009.md"), "{health}");
    let metrics = server.get("/metrics").body;
    assert!(metrics.lines().any(|l| l == "cratewatch_db_stale_advisories 1"), "{metrics}");
    assert!(metrics.lines().any(|l| l.starts_with("cratewatch_db_diagnostics ") && l != "cratewatch_db_diagnostics 0"));

    // Fix it: no longer stale.
    fs::write(&file, &valid).unwrap();
    wait_for("the fixed file", || server.json("/api/v1/advisories/RUSTSEC-2019-0009")["stale"].is_null());
    assert_eq!(server.json("/healthz")["stale_advisories"], serde_json::json!([]));

    // A deleted file is a deletion, not a breakage: its advisory goes.
    fs::remove_file(&file).unwrap();
    wait_for("the deletion", || server.get("/api/v1/advisories/RUSTSEC-2019-0009").status == 404);
}
