#!/usr/bin/env bash
# The full comparison of cratewatch's resolver with Cargo's on the real 2020 index: SAMPLE versions
# (default 400) drawn uniformly with SEED (default 2020), each resolved by `cargo generate-lockfile
# --offline` against the index as a local registry, plus the exposure check against the `rustsec`
# crate on Cargo's own lockfiles. Prints every disagreement and the figures of the README. CI runs the
# same test on 48 versions with a seed that changes every run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash ../shared/data/unpack target/shared-data >/dev/null
CRATEWATCH_REACH_SAMPLE=${SAMPLE:-400} CRATEWATCH_REACH_SEED=${SEED:-2020} \
    cargo test --locked -p cratewatch-reach --test it faithfulness -- --nocapture 2>&1 |
    grep -v '^\(running\|test result\)' | sed -n '/seed\|cargo \|we lock\|versions (\|exposure equals\|panicked/p'
