//! Which locked packages are really built: Cargo's own feature resolution of the manifest, through
//! `cargo tree --locked --offline`, with the audit's feature and target flags.
//!
//! Why `cargo tree` and not `cargo metadata`: the resolution `cargo metadata` prints comes from Cargo's
//! dependency resolver, which keeps optional dependencies that only a weak feature (`dep?/feature`)
//! names. In this repository it lists `sqlx-mysql` and `rsa` (sqlx's `any` feature names
//! `sqlx-mysql?/any`), which nothing builds; `cargo tree`, like `cargo build`, uses the feature
//! resolver, and leaves them out.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use cratewatch_advisory::semver::Version;

use crate::cli::AuditArgs;

/// The `(name, version)` of every package Cargo builds for the workspace of `manifest` with the audit's
/// features and targets (`--target`, else every platform): normal, build and dev-dependencies of its
/// members, as `cargo build` and `cargo test` compile them. Locked packages outside it are never
/// built. An error says why Cargo could not tell (no `cargo`, an out-of-date lockfile, crates not
/// downloaded while offline, ...).
pub(crate) fn built_packages(manifest: &Path, args: &AuditArgs) -> Result<HashSet<(String, Version)>, String> {
    let cargo = std::env::var_os("CARGO").filter(|c| !c.is_empty()).unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    // Run where the manifest is, so that Cargo reads that project's `.cargo/config.toml` (source
    // replacements, vendored crates) as a build there would.
    if let Some(dir) = manifest.parent().filter(|d| !d.as_os_str().is_empty()) {
        command.current_dir(dir);
    }
    command.args(["tree", "--locked", "--offline", "--workspace", "--edges", "normal,build,dev", "--prefix", "none"]);
    command.args(["--format", "{p}", "--color", "never", "--manifest-path"]);
    command.arg(std::path::absolute(manifest).unwrap_or_else(|_| manifest.to_owned()));
    for features in &args.features {
        command.args(["--features", features]);
    }
    if args.all_features {
        command.arg("--all-features");
    }
    if args.no_default_features {
        command.arg("--no-default-features");
    }
    if args.target.is_empty() {
        command.args(["--target", "all"]);
    }
    for target in &args.target {
        command.args(["--target", target]);
    }
    let output = command.output().map_err(|e| format!("cannot run {}: {e}", cargo.to_string_lossy()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let reason = match lines.iter().position(|l| l.starts_with("error:")) {
            Some(i) => lines[i..].join(" "),
            None => lines.last().copied().unwrap_or("no message").to_owned(),
        };
        return Err(format!("`cargo tree` failed ({}): {reason}", output.status));
    }
    parse(&String::from_utf8_lossy(&output.stdout))
}

/// `name vVERSION [(source)] [(*)]` lines, one per package (repeated ones marked `(*)`).
fn parse(text: &str) -> Result<HashSet<(String, Version)>, String> {
    let mut built = HashSet::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut words = line.split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            return Err(format!("unexpected line in the output of `cargo tree`: {line}"));
        };
        let version = version
            .strip_prefix('v')
            .and_then(|v| v.parse::<Version>().ok())
            .ok_or_else(|| format!("unexpected line in the output of `cargo tree`: {line}"))?;
        built.insert((name.to_owned(), version));
    }
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_the_package_of_each_line() {
        let text = "app v0.1.0 (/work/app)\nsqlx-core v0.8.6\nserde v1.0.228 (*)\n\nsqlx-macros v0.8.6 (proc-macro)\n";
        let built = parse(text).unwrap();
        assert_eq!(built.len(), 4);
        assert!(built.contains(&("serde".to_owned(), "1.0.228".parse().unwrap())));
        assert!(parse("garbage\n").is_err());
        assert!(parse("name version-without-v\n").is_err());
    }
}
