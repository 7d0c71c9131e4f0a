//! The git mirror against a real local "upstream" (a clone of the shared advisory database that the tests
//! commit to), and file dates against git itself and against RustSec's own OSV export. No network: every
//! URL is a local path or a `file://` URL.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cratewatch_db::{Commit, Database, FileDates, GitError, GitMirror, Timestamp, file_dates, head};
use cratewatch_testdata::{advisory_db, scratch_dir, shared_data};

/// The tip of the shared snapshot, and its committer time.
const SNAPSHOT_TIP: &str = "bf5c0d245a92671908518d7e765914d437954ed6";
const SNAPSHOT_TIME: &str = "2026-08-21T06:28:40Z";

/// Runs git in `dir` for a test's own setup, with commits dated `date` when given, and returns its
/// trimmed standard output. Times print in UTC.
fn git_at(dir: &Path, date: Option<&str>, args: &[&str]) -> String {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args(["-c", "user.name=cratewatch tests", "-c", "user.email=tests@cratewatch.invalid"])
        .args(["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false"])
        .args(args)
        .env("TZ", "UTC")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    if let Some(date) = date {
        command.env("GIT_AUTHOR_DATE", date).env("GIT_COMMITTER_DATE", date);
    }
    let out = command.output().expect("run git");
    assert!(out.status.success(), "git {args:?} in {}: {}", dir.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output").trim().to_owned()
}

fn git(dir: &Path, args: &[&str]) -> String {
    git_at(dir, None, args)
}

/// Commits every change in `repo` at `date` and returns the new commit's id.
fn commit(repo: &Path, message: &str, date: &str) -> String {
    git(repo, &["add", "-A"]);
    git_at(repo, Some(date), &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

/// A local upstream: a clone of the shared database (itself a clone of the shared bundle) in a scratch
/// directory, on branch `main`.
fn upstream(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    git(&dir, &["clone", "-q", advisory_db().to_str().unwrap(), "upstream"]);
    dir.join("upstream")
}

fn url(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The names in a mirror's directory, sorted: what a sync leaves behind.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn mirror_follows_upstream_commits_in_new_trees() {
    let up = upstream("git-follows");
    let cache = scratch_dir("git-follows-cache");
    let mirror = GitMirror::new(url(&up), &cache);
    assert!(mirror.last_synced().is_none());

    let first = mirror.sync().unwrap();
    assert!(first.changed && first.recloned.is_none(), "{first:?}");
    assert_eq!((first.commit.id.as_str(), first.commit.time.to_string()), (SNAPSHOT_TIP, String::from(SNAPSHOT_TIME)));
    assert!(first.work_tree.starts_with(mirror.dir()) && mirror.dir().starts_with(&cache), "{first:?}");
    assert_eq!(head(&first.work_tree).unwrap().as_ref(), Some(&first.commit));
    assert_eq!(git(&first.work_tree, &["rev-list", "--count", "HEAD"]), "3156", "the whole history is there");
    assert_eq!(Database::load(&first.work_tree).unwrap().advisories().len(), 1225);

    let again = mirror.sync().unwrap();
    assert!(!again.changed, "{again:?}");
    assert_eq!((&again.commit, &again.work_tree), (&first.commit, &first.work_tree));

    // A new advisory upstream.
    let original = fs::read_to_string(up.join("crates/bytes/RUSTSEC-2026-0007.md")).unwrap();
    fs::create_dir(up.join("crates/brand-new")).unwrap();
    fs::write(
        up.join("crates/brand-new/RUSTSEC-2026-9001.md"),
        original
            .replace("RUSTSEC-2026-0007", "RUSTSEC-2026-9001")
            .replace("package = \"bytes\"", "package = \"brand-new\""),
    )
    .unwrap();
    let added_id = commit(&up, "Add RUSTSEC-2026-9001", "2026-09-01T10:00:00Z");
    let added = mirror.sync().unwrap();
    assert!(added.changed, "{added:?}");
    assert_eq!(
        (added.commit.id.as_str(), added.commit.time.to_string()),
        (added_id.as_str(), String::from("2026-09-01T10:00:00Z"))
    );
    assert_ne!(added.work_tree, first.work_tree);
    let db = Database::load(&added.work_tree).unwrap();
    assert_eq!(db.advisories().len(), 1226);
    assert_eq!(db.for_package("brand-new").map(|a| a.id.to_string()).collect::<Vec<_>>(), ["RUSTSEC-2026-9001"]);
    // The tree the first sync returned is still there, as it was, for whoever still reads it.
    assert_eq!(head(&first.work_tree).unwrap().as_ref(), Some(&first.commit));
    assert!(!first.work_tree.join("crates/brand-new").exists());

    // An advisory withdrawn upstream.
    let withdrawn = original.replacen(
        "id = \"RUSTSEC-2026-0007\"\n",
        "id = \"RUSTSEC-2026-0007\"\nwithdrawn = \"2026-09-02\"\n",
        1,
    );
    assert_ne!(withdrawn, original);
    fs::write(up.join("crates/bytes/RUSTSEC-2026-0007.md"), &withdrawn).unwrap();
    let withdrawn_id = commit(&up, "Withdraw RUSTSEC-2026-0007", "2026-09-02T08:00:00Z");
    let after = mirror.sync().unwrap();
    assert!(after.changed && after.commit.id == withdrawn_id, "{after:?}");
    let db = Database::load(&after.work_tree).unwrap();
    let advisory = db.advisories().iter().find(|a| a.id.as_str() == "RUSTSEC-2026-0007").unwrap();
    assert_eq!(advisory.withdrawn.map(|d| d.to_string()).as_deref(), Some("2026-09-02"));
    // Only the current tree and the one before it are kept.
    assert!(!first.work_tree.exists());
    assert!(added.work_tree.exists());

    // The file dates of the mirror's tree see both commits.
    let dates = file_dates(&after.work_tree).unwrap();
    let new = dates[Path::new("crates/brand-new/RUSTSEC-2026-9001.md")];
    assert_eq!(
        (new.created.to_string(), new.modified.to_string()),
        (String::from("2026-09-01T10:00:00Z"), String::from("2026-09-01T10:00:00Z"))
    );
    let edited = dates[Path::new("crates/bytes/RUSTSEC-2026-0007.md")];
    assert_eq!(edited.modified.to_string(), "2026-09-02T08:00:00Z");
    assert!(edited.created.to_string().starts_with("2026-02"), "{edited:?}");

    // Nothing new upstream.
    let quiet = mirror.sync().unwrap();
    assert!(!quiet.changed && quiet.work_tree == after.work_tree, "{quiet:?}");

    // A tree that someone changed is checked out again, without the stray file.
    fs::write(quiet.work_tree.join("crates/bytes/stray.md"), "not from upstream").unwrap();
    fs::write(quiet.work_tree.join("crates/bytes/RUSTSEC-2026-0007.md"), "edited in place").unwrap();
    fs::remove_file(quiet.work_tree.join("crates/brand-new/RUSTSEC-2026-9001.md")).unwrap();
    let repaired = mirror.sync().unwrap();
    assert!(!repaired.changed && repaired.work_tree == quiet.work_tree, "{repaired:?}");
    assert!(!repaired.work_tree.join("crates/bytes/stray.md").exists());
    assert_eq!(fs::read_to_string(repaired.work_tree.join("crates/bytes/RUSTSEC-2026-0007.md")).unwrap(), withdrawn);
    assert_eq!(git(&repaired.work_tree, &["status", "--porcelain", "--untracked-files=all", "--ignored"]), "");

    let last = mirror.last_synced().unwrap();
    assert_eq!((&last.commit, &last.work_tree, last.changed), (&repaired.commit, &repaired.work_tree, false));
}

#[test]
fn a_failed_sync_keeps_the_last_good_tree_and_says_why() {
    let up = upstream("git-upstream-gone");
    let cache = scratch_dir("git-upstream-gone-cache");
    let mirror = GitMirror::new(url(&up), &cache);
    let good = mirror.sync().unwrap();
    let layout = entries(mirror.dir());
    assert_eq!(layout, ["current", "lock", "repo.git", "trees"]);

    let away = up.with_file_name("upstream-away");
    fs::rename(&up, &away).unwrap();
    let err = mirror.sync().unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with(&format!("cannot sync {}: git fetch in ", up.display())), "{message}");
    match &err {
        GitError::Sync { source, .. } => match &**source {
            GitError::Failed { command: "fetch", stderr, .. } => {
                assert!(stderr.contains(url(&up)), "git's reason is kept: {stderr}");
            }
            other => panic!("expected a failed fetch, got {other:?}"),
        },
        other => panic!("expected a sync error, got {other:?}"),
    }

    // The last good tree is untouched, and the mirror says where it is.
    let last = mirror.last_synced().unwrap();
    assert_eq!((&last.commit, &last.work_tree), (&good.commit, &good.work_tree));
    assert_eq!(head(&good.work_tree).unwrap().as_ref(), Some(&good.commit));
    assert_eq!(git(&good.work_tree, &["status", "--porcelain", "--untracked-files=all"]), "");
    assert_eq!(entries(mirror.dir()), layout, "nothing left behind");

    // Once upstream is back, with news, the next sync takes it.
    fs::rename(&away, &up).unwrap();
    fs::write(up.join("NOTE.md"), "back\n").unwrap();
    let id = commit(&up, "Back", "2026-09-03T00:00:00Z");
    let back = mirror.sync().unwrap();
    assert!(back.changed && back.commit.id == id && back.recloned.is_none(), "{back:?}");
}

#[test]
fn a_url_that_does_not_exist_is_a_clear_error() {
    let cache = scratch_dir("git-no-such-url");
    for url in ["/nonexistent/advisory-db", "file:///nonexistent/advisory-db.git"] {
        let mirror = GitMirror::new(url, &cache);
        let message = mirror.sync().unwrap_err().to_string();
        assert!(message.starts_with(&format!("cannot sync {url}: git fetch in ")), "{message}");
        assert!(message.contains("/nonexistent/advisory-db"), "{message}");
        assert!(mirror.last_synced().is_none());
        assert_eq!(entries(mirror.dir()), ["lock"], "no half-made repository stays behind");
    }
}

#[test]
fn a_damaged_mirror_is_cloned_again() {
    let up = upstream("git-damaged");
    let cache = scratch_dir("git-damaged-cache");
    let mirror = GitMirror::new(url(&up), &cache);
    let good = mirror.sync().unwrap();
    let repo = mirror.dir().join("repo.git");

    // HEAD deleted.
    fs::remove_file(repo.join("HEAD")).unwrap();
    let report = mirror.sync().unwrap();
    assert!(report.recloned.is_some() && !report.changed, "{report:?}");
    assert_eq!((&report.commit, &report.work_tree), (&good.commit, &good.work_tree));
    assert!(repo.join("HEAD").exists());

    // A truncated pack, with and without news upstream.
    let truncate_pack = || {
        let pack_dir = repo.join("objects/pack");
        let pack = fs::read_dir(&pack_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "pack"))
            .expect("a pack file");
        let mut permissions = fs::metadata(&pack).unwrap().permissions();
        #[expect(clippy::permissions_set_readonly_false, reason = "a test damaging its own scratch file")]
        permissions.set_readonly(false);
        fs::set_permissions(&pack, permissions).unwrap();
        let file = fs::OpenOptions::new().write(true).open(&pack).unwrap();
        let len = file.metadata().unwrap().len();
        file.set_len(len / 2).unwrap();
    };
    truncate_pack();
    let report = mirror.sync().unwrap();
    assert!(report.recloned.is_some() && !report.changed, "{report:?}");
    assert_eq!(report.commit, good.commit);
    // The checkout does not share the damaged objects: it is a copy.
    assert_eq!(head(&good.work_tree).unwrap().as_ref(), Some(&good.commit));

    truncate_pack();
    fs::write(up.join("NOTE.md"), "news\n").unwrap();
    let id = commit(&up, "News", "2026-09-04T00:00:00Z");
    let report = mirror.sync().unwrap();
    assert!(report.changed && report.commit.id == id, "{report:?}");
    assert_eq!(head(&report.work_tree).unwrap().as_ref(), Some(&report.commit));

    // A repository that reads fine but cannot take a fetch, while the remote answers.
    let _ = fs::remove_file(repo.join("FETCH_HEAD"));
    fs::create_dir(repo.join("FETCH_HEAD")).unwrap();
    let report = mirror.sync().unwrap();
    assert!(report.recloned.as_ref().is_some_and(|r| r.contains("while the remote answers")), "{report:?}");
    assert!(!report.changed && report.commit.id == id, "{report:?}");

    // A clone that a crash cut short: an empty repository, and a temporary directory left behind.
    fs::remove_dir_all(&repo).unwrap();
    git(mirror.dir(), &["init", "-q", "--bare", "repo.git"]);
    let leftover = mirror.dir().join(".tmp-repo-99999-0");
    fs::create_dir(&leftover).unwrap();
    fs::write(leftover.join("junk"), "half a clone").unwrap();
    let report = mirror.sync().unwrap();
    assert!(report.recloned.is_some() && !report.changed && report.commit.id == id, "{report:?}");
    assert!(!leftover.exists());
    assert_eq!(entries(mirror.dir()), ["current", "lock", "repo.git", "trees"]);
    assert_eq!(git(&repo, &["rev-list", "--count", "synced"]), "3157");
}

#[test]
fn a_sync_over_its_timeout_is_stopped_and_the_next_one_recovers() {
    let up = upstream("git-timeout");
    let cache = scratch_dir("git-timeout-cache");
    let hasty = GitMirror::new(url(&up), &cache).with_timeout(Duration::from_millis(1));
    let err = hasty.sync().unwrap_err();
    assert!(matches!(&err, GitError::Sync { source, .. } if matches!(**source, GitError::TimedOut { .. })), "{err:?}");
    assert!(err.to_string().contains("did not finish within 1ms and was stopped"), "{err}");

    let mirror = GitMirror::new(url(&up), &cache);
    assert_eq!(mirror.dir(), hasty.dir());
    let report = mirror.sync().unwrap();
    assert!(report.changed && report.commit.id == SNAPSHOT_TIP, "{report:?}");
    assert_eq!(entries(mirror.dir()), ["current", "lock", "repo.git", "trees"]);
}

#[test]
fn a_branch_other_than_the_default_can_be_followed() {
    let up = upstream("git-branch");
    let cache = scratch_dir("git-branch-cache");
    git(&up, &["checkout", "-q", "-b", "staging"]);
    fs::write(up.join("STAGING.md"), "staged\n").unwrap();
    let staged = commit(&up, "Stage", "2026-09-05T00:00:00Z");
    git(&up, &["checkout", "-q", "main"]);

    // A relative cache directory (tests run in the package's directory) works like an absolute one.
    let relative_cache = Path::new("../../target/test-scratch/git-branch-cache");
    assert_eq!(fs::canonicalize(relative_cache).unwrap(), fs::canonicalize(&cache).unwrap());
    let default = GitMirror::new(url(&up), relative_cache);
    let staging = GitMirror::new(url(&up), &cache).with_branch("staging");
    assert_ne!(default.dir(), staging.dir());
    let report = default.sync().unwrap();
    assert_eq!(report.commit.id, SNAPSHOT_TIP);
    // And so does a relative path to a work tree.
    let relative_tree = relative_cache.join(report.work_tree.strip_prefix(default.dir().parent().unwrap()).unwrap());
    assert_eq!(head(&relative_tree).unwrap().map(|c| c.id), Some(SNAPSHOT_TIP.to_owned()));
    assert_eq!(file_dates(&relative_tree).unwrap().len(), 1244);
    // Two syncs of one mirror at once take turns on its lock.
    let both = std::thread::scope(|s| {
        let a = s.spawn(|| default.sync());
        let b = s.spawn(|| default.sync());
        [a.join().unwrap().unwrap(), b.join().unwrap().unwrap()]
    });
    assert!(both.iter().all(|r| r.work_tree == report.work_tree && !r.changed), "{both:?}");
    let report = staging.sync().unwrap();
    assert_eq!(report.commit.id, staged);
    assert!(report.work_tree.join("STAGING.md").exists());

    let message = GitMirror::new(url(&up), &cache).with_branch("no-such-branch").sync().unwrap_err().to_string();
    assert!(message.contains("no-such-branch"), "{message}");
}

/// Seconds of the commits that touched `file` (no merges, all branches of the history), per git.
fn touching_times(db: &Path, file: &str) -> Vec<i64> {
    git(db, &["log", "--full-history", "--no-merges", "--format=%ct", "--", file])
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

/// A file whose last change was made on a side branch that a later merge took the other side of.
const SIDE_BRANCH_FILE: &str = "crates/stderr/RUSTSEC-2020-0109.md";

#[test]
fn file_dates_agree_with_git_log_for_each_file() {
    let db = advisory_db();
    let dates = file_dates(&db).unwrap();
    let files: Vec<String> = git(&db, &["ls-files"]).lines().map(str::to_owned).collect();
    assert_eq!(files.len(), 1244);
    assert_eq!(dates.len(), files.len(), "every file of the tree has dates");

    let sample: Vec<&String> = files.iter().step_by(29).collect();
    assert!(sample.len() > 40);
    for file in sample {
        let found = dates[Path::new(file)];
        let times = touching_times(&db, file);
        let (created, modified) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
        assert_eq!((found.created.unix_seconds(), found.modified.unix_seconds()), (created, modified), "{file}");
        if file != SIDE_BRANCH_FILE {
            let newest =
                git(&db, &["log", "-1", "--date=format-local:%Y-%m-%dT%H:%M:%SZ", "--format=%cd", "--", file.as_str()]);
            assert_eq!(found.modified.to_string(), newest, "{file}");
        }
    }
}

#[test]
fn a_change_on_a_merged_side_branch_counts_as_rustsec_counts_it() {
    let db = advisory_db();
    let dates = file_dates(&db).unwrap();
    let found = dates[Path::new(SIDE_BRANCH_FILE)];
    // 699c1de "Assigned RUSTSEC-2020-0107 to hashconsing, ..." changed the file on a side branch.
    assert_eq!(found.modified.to_string(), "2021-01-20T19:29:04Z");
    assert_eq!(touching_times(&db, SIDE_BRANCH_FILE).into_iter().max(), Some(found.modified.unix_seconds()));
    // git's default history simplification follows the merge's other parent and misses it.
    assert_eq!(git(&db, &["log", "-1", "--format=%ct", "--", SIDE_BRANCH_FILE]), "1611170829");
}

/// The string value of the first `"key": "..."` in pretty-printed JSON.
fn json_string<'a>(json: &'a str, key: &str) -> &'a str {
    let start = json.find(&format!("\"{key}\": \"")).unwrap_or_else(|| panic!("no {key}")) + key.len() + 5;
    &json[start..start + json[start..].find('"').unwrap()]
}

#[test]
fn file_dates_match_the_modified_times_of_rustsec_osv_export() {
    let dates = file_dates(&advisory_db()).unwrap();
    let by_id: HashMap<&str, FileDates> = dates
        .iter()
        .filter_map(|(path, d)| {
            let id = path.file_name()?.to_str()?.strip_suffix(".md")?;
            id.starts_with("RUSTSEC-").then_some((id, *d))
        })
        .collect();
    let mut compared = 0;
    let mut without_file = Vec::new();
    for entry in fs::read_dir(shared_data().join("osv-export/crates")).unwrap() {
        let json = fs::read_to_string(entry.unwrap().path()).unwrap();
        let id = json_string(&json, "id");
        match by_id.get(id) {
            Some(found) => {
                assert_eq!(found.modified.to_string(), json_string(&json, "modified"), "{id}");
                compared += 1;
            }
            None => without_file.push(id.to_owned()),
        }
    }
    assert_eq!(compared, 1205);
    assert_eq!(without_file, ["RUSTSEC-2025-0000"], "the export's one stale record");
}

#[test]
fn head_and_dates_of_trees_that_are_not_plain_clones() {
    let db = advisory_db();
    let snapshot_time = Timestamp::from_unix_seconds(1_787_293_720).unwrap();
    assert_eq!(head(&db).unwrap(), Some(Commit { id: SNAPSHOT_TIP.to_owned(), time: snapshot_time }));
    // A directory inside a repository is not that repository's work tree.
    assert_eq!(head(&db.join("crates")).unwrap(), None);

    let dir = scratch_dir("git-odd-trees");
    let plain = dir.join("plain");
    fs::create_dir_all(plain.join("crates")).unwrap();
    assert_eq!(head(&plain).unwrap(), None);
    let err = file_dates(&plain).unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
    assert_eq!(err.to_string(), format!("{} is not a git work tree (it has no .git)", plain.display()));

    git(&dir, &["init", "-q", "unborn"]);
    assert_eq!(head(&dir.join("unborn")).unwrap(), None);

    git(&dir, &["clone", "-q", "--depth", "1", &format!("file://{}", db.display()), "shallow"]);
    assert_eq!(head(&dir.join("shallow")).unwrap().map(|c| c.id), Some(SNAPSHOT_TIP.to_owned()));
    let err = file_dates(&dir.join("shallow")).unwrap_err();
    assert!(matches!(err, GitError::Shallow { .. }), "{err:?}");
}
