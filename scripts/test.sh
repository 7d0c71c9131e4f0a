#!/usr/bin/env bash
# The whole test suite (the README's test command). Unpacks the shared data first; needs ../shared
# beside the repository. Extra arguments go to `cargo test` (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash ../shared/data/unpack target/shared-data >/dev/null
cargo test --workspace --locked "$@"
