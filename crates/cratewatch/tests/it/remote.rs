//! `cratewatch audit --server URL`: the same report as a local audit against the same data, in every
//! format, with the same exit code; the server's merged sources included.

use cratewatch_testdata::{advisory_db, lockfiles};

use crate::serve::start_server_with;
use crate::{Run, cratewatch, without_provenance};

fn compare(local: &[&str], remote: &[&str], what: &str) {
    let for_format = |base: &[&str], format: &str| -> Run {
        let mut args = base.to_vec();
        args.extend(["--format", format]);
        cratewatch(&args)
    };
    for format in ["json", "human", "sarif"] {
        let mine = for_format(local, format);
        let theirs = for_format(remote, format);
        assert!(mine.code == 0 || mine.code == 1, "{what}: {}", mine.stderr);
        assert_eq!(theirs.code, mine.code, "{what} ({format}): exit code; {}", theirs.stderr);
        if format == "json" {
            assert_eq!(without_provenance(&theirs.json()), without_provenance(&mine.json()), "{what}");
            // Byte for byte too, once the server's commit is put back to the local run's null.
            let theirs_text = match theirs.json()["database"]["last-commit"].as_str() {
                Some(c) => theirs.stdout.replace(&format!(",\"last-commit\":\"{c}\""), ",\"last-commit\":null"),
                None => theirs.stdout.clone(),
            };
            assert_eq!(theirs_text, mine.stdout, "{what}: byte for byte");
        } else {
            assert_eq!(theirs.stdout, mine.stdout, "{what} ({format}): byte for byte");
        }
    }
}

#[test]
fn server_audits_equal_local_audits_on_every_shared_lockfile() {
    let server = start_server_with(&["--no-disclosure"], &[]);
    let url = format!("http://{}", server.address);
    let db = advisory_db();
    for (lock, _) in lockfiles() {
        let lock = lock.to_str().unwrap();
        let name = lock.rsplit('/').next().unwrap();
        compare(
            &["audit", "--no-config", "--db", db.to_str().unwrap(), "--file", lock],
            &["audit", "--no-config", "--server", &url, "--file", lock],
            name,
        );
    }
    // Ignores and deny flags apply on the client, as locally.
    let lapce = lockfiles().into_iter().find(|(l, _)| l.to_string_lossy().contains("lapce")).unwrap().0;
    let lapce = lapce.to_str().unwrap();
    compare(
        &["audit", "--no-config", "--ignore", "CVE-2026-25541", "--deny", "warnings", "--file", lapce],
        &[
            "audit",
            "--no-config",
            "--server",
            &url,
            "--ignore",
            "CVE-2026-25541",
            "--deny",
            "warnings",
            "--file",
            lapce,
        ],
        "lapce with an ignore",
    );
    // A server that is not there is an error (exit 2) naming the URL.
    drop(server);
    let gone = cratewatch(&["audit", "--no-config", "--server", &url, "--file", lapce]);
    assert_eq!(gone.code, 2, "{}", gone.stderr);
    assert!(gone.stderr.contains(&url), "{}", gone.stderr);
}

#[test]
fn server_audits_see_the_servers_merged_sources() {
    let crate::MergedSources { private, ghsa, lock } = crate::merged_sources("remote-merged");
    let (private, ghsa) = (private.to_str().unwrap().to_owned(), ghsa.to_str().unwrap().to_owned());
    let server = start_server_with(&["--no-disclosure", "--db", &private, "--db", &ghsa], &[]);
    let url = format!("http://{}", server.address);
    let db = advisory_db();
    let lock = lock.to_str().unwrap();
    compare(
        &["audit", "--no-config", "--db", db.to_str().unwrap(), "--db", &private, "--db", &ghsa, "--file", lock],
        &["audit", "--no-config", "--server", &url, "--file", lock],
        "merged sources",
    );
    let json = cratewatch(&["audit", "--no-config", "--json", "--server", &url, "--file", lock]).json();
    let text = json.to_string();
    assert!(text.contains("GHSA-bbbb-cccc-dddd") && text.contains("RUSTSEC-2099-0001"), "{text}");
    // An alias that only the merge adds ignores as it does locally.
    let ignored = cratewatch(&[
        "audit",
        "--no-config",
        "--json",
        "--server",
        &url,
        "--ignore",
        "GHSA-zzzz-9j62-hq99",
        "--file",
        lock,
    ])
    .json();
    assert_eq!(ignored["ignores"][0]["status"], "applied", "{ignored}");
}
