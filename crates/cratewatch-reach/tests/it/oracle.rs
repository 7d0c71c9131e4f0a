//! Cargo itself as the reference resolver, offline: a dummy project that depends on exactly one
//! version, resolved by `cargo generate-lockfile` against a `local-registry` source whose index is the
//! registry under test.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cratewatch_testdata::scratch_dir;
use semver::Version;

/// A `(name, version)` set: what a lockfile locks from the registry.
pub(crate) type Locked = BTreeSet<(String, String)>;

/// Runs Cargo in an isolated `CARGO_HOME` under `target/test-scratch/NAME`.
pub(crate) struct Oracle {
    dir: PathBuf,
}

impl Oracle {
    /// An oracle for the git-layout index at `index`.
    pub(crate) fn new(name: &str, index: &Path) -> Oracle {
        let dir = scratch_dir(name);
        let registry = dir.join("registry");
        fs::create_dir_all(&registry).unwrap();
        std::os::unix::fs::symlink(index.canonicalize().unwrap(), registry.join("index")).unwrap();
        let home = dir.join("home");
        fs::create_dir_all(&home).unwrap();
        // The dummy project uses edition 2021, so resolver 2, whose MSRV policy is already "allow"; the
        // setting says it again so that no future default changes what Cargo picks. The index predates
        // `rust-version` anyway. Our resolver models the same policy: the highest compatible version.
        fs::write(
            home.join("config.toml"),
            format!(
                "[source.crates-io]\nreplace-with = \"local\"\n\n[source.local]\nlocal-registry = \"{}\"\n\n\
                 [net]\noffline = true\n\n[resolver]\nincompatible-rust-versions = \"allow\"\n",
                registry.display()
            ),
        )
        .unwrap();
        Oracle { dir }
    }

    /// Cargo's lockfile for a project depending on `name = "=version"` with default features, parsed;
    /// or Cargo's first error line. `worker` names a project directory, one per concurrent caller.
    ///
    /// Two kinds of version cannot be chosen by `=V` alone: a yanked version is never chosen afresh,
    /// and `=1.0.6+a` also matches `1.0.6+b` (requirements ignore build metadata), of which Cargo picks
    /// the highest. For those, the project starts from a lockfile that already holds the version, and
    /// `cargo update --workspace` resolves the rest, as in a project that locked it earlier.
    pub(crate) fn lock(
        &self,
        worker: usize,
        name: &str,
        version: &Version,
        yanked: bool,
    ) -> Result<rustsec::Lockfile, String> {
        let project = self.dir.join(format!("project-{worker}"));
        fs::create_dir_all(project.join("src")).unwrap();
        fs::write(project.join("src/lib.rs"), "").unwrap();
        fs::write(
            project.join("Cargo.toml"),
            format!(
                "[package]\nname = \"reach-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n\
                 the-root = {{ package = \"{name}\", version = \"={version}\" }}\n\n[workspace]\n"
            ),
        )
        .unwrap();
        let lock = project.join("Cargo.lock");
        let _ = fs::remove_file(&lock);
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command.env("CARGO_HOME", self.dir.join("home")).env_remove("RUSTC_WRAPPER").arg("--quiet");
        if yanked || !version.build.is_empty() {
            fs::write(
                &lock,
                format!(
                    "version = 4\n\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\n\
                     source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
                ),
            )
            .unwrap();
            command.args(["update", "--workspace", "--offline"]);
        } else {
            command.args(["generate-lockfile", "--offline"]);
        }
        let output = command.arg("--manifest-path").arg(project.join("Cargo.toml")).output().expect("run cargo");
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let first = stderr.lines().find(|l| l.starts_with("error")).unwrap_or("cargo failed");
            return Err(first.to_owned());
        }
        rustsec::Lockfile::load(&lock).map_err(|e| format!("cannot parse {}: {e}", lock.display()))
    }
}

/// The registry packages a lockfile holds.
pub(crate) fn locked(lockfile: &rustsec::Lockfile) -> Locked {
    lockfile
        .packages
        .iter()
        .filter(|p| p.source.is_some())
        .map(|p| (p.name.as_str().to_owned(), p.version.to_string()))
        .collect()
}
