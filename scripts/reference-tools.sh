#!/usr/bin/env bash
# Installs the reference tools that the differential tests compare cratewatch with, into target/tools
# (never on the user's PATH): cargo-audit 0.22.2, the version whose JSON findings the shared data holds.
# Idempotent: does nothing when the right version is already there. Prints the binary's path.
#
# Built with `--no-default-features`: the default feature is binary scanning (`cargo audit bin`, which
# pulls in `object`, `syn` and `rustc-demangle`); the lockfile audit does not use it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD/target/tools"
bin="$root/bin/cargo-audit"
version=0.22.2
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "cargo-audit $version" ]; then
  echo "$bin"
  exit 0
fi
echo "installing cargo-audit $version into $root (a few minutes, once)" >&2
cargo install --quiet --locked --no-default-features cargo-audit --version "$version" --root "$root" >&2
echo "$bin"
