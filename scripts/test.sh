#!/usr/bin/env bash
# The whole test suite (the README's test command). Unpacks the shared data first; needs ../shared
# beside the repository. Set CRATEWATCH_SLOW_TESTS=1 to include the slow suites (CI does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash ../shared/data/unpack target/shared-data >/dev/null
cargo test --workspace --locked "$@"
