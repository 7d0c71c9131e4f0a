#!/usr/bin/env bash
# Installs the reference tools that the differential tests compare cratewatch with, into target/tools
# (never on the user's PATH): cargo-audit 0.22.2, the version whose JSON findings the shared data holds,
# and cargo-deny 0.20.2, whose reading of this repository's deny.toml is tested
# (crates/cratewatch/tests/it/config_files.rs). Idempotent: does nothing for a tool whose right version
# is already there. Prints cargo-audit's path (cargo-deny is beside it).
#
# cargo-audit is built with `--no-default-features`: the default feature is binary scanning (`cargo
# audit bin`, which pulls in `object`, `syn` and `rustc-demangle`); the lockfile audit does not use it.
# cargo-deny 0.20.2 has no optional features to trim. Its build takes about 240 s of CPU (measured: 17 min
# wall on two cores shared with two other builds; a few minutes on an idle machine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD/target/tools"
install() { # name version extra-args...
  local name=$1 version=$2
  shift 2
  local bin="$root/bin/$name"
  if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "$name $version" ]; then
    return 0
  fi
  echo "installing $name $version into $root (a few minutes, once)" >&2
  cargo install --quiet --locked "$@" "$name" --version "$version" --root "$root" >&2
}
install cargo-audit 0.22.2 --no-default-features
install cargo-deny 0.20.2
echo "$root/bin/cargo-audit"
