#!/usr/bin/env bash
# Builds the release auditor the way it is distributed: a static binary linked with musl, for
# x86_64 Linux. glibc spends close to a millisecond of every process start probing the CPU's caches
# (about ninety CPUID instructions, each a trip to the hypervisor on a virtual machine), a fifth of a
# warm audit; a static musl binary starts in a tenth of a millisecond. See "Performance" in the README.
#
#   bash scripts/build-auditor.sh        # prints the binary's path on standard output
#
# Installs what the build needs when it is missing: Rust's x86_64-unknown-linux-musl target (rustup)
# and Debian's musl-tools (musl-gcc, for the C in SQLite, ring and mimalloc). Where either cannot be
# installed (no network to the Rust distribution server, not x86_64 Linux), it builds the ordinary
# glibc binary instead and says so on standard error: the auditor is the same program, only its start
# is slower on virtual machines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=x86_64-unknown-linux-musl

glibc_build() {
  echo "warning: $1; building the glibc auditor instead (slower to start on virtual machines)" >&2
  cargo build --quiet --release --locked -p cratewatch --bin cratewatch >&2
  echo "$PWD/target/release/cratewatch"
  exit 0
}

[ "$(uname -sm)" = "Linux x86_64" ] || glibc_build "the static build is for x86_64 Linux, not $(uname -sm)"
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "installing Rust's $target target (once)" >&2
  rustup target add "$target" >&2 || glibc_build "cannot install Rust's $target target"
fi
if ! command -v musl-gcc >/dev/null; then
  echo "installing musl-tools (once)" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools; } >&2 ||
    glibc_build "cannot install musl-tools (musl-gcc)"
fi
# mimalloc reserves its first arena at start-up and zeroes bitmaps sized for it: with its default of
# 1 GiB, 35 of a warm audit's ~710 page faults, before main. An audit needs a few megabytes; a 64 MiB
# arena (more are reserved if ever needed) keeps the bitmaps to a page or two.
CC_x86_64_unknown_linux_musl=musl-gcc CFLAGS_x86_64_unknown_linux_musl="-DMI_DEFAULT_ARENA_RESERVE=65536" \
  cargo build --quiet --release --locked --target "$target" -p cratewatch --bin cratewatch >&2
echo "$PWD/target/$target/release/cratewatch"
