#!/usr/bin/env bash
# The whole test suite (the README's test command). Unpacks the shared data first; needs ../shared
# beside the repository. Extra arguments go to `cargo test` (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash ../shared/data/unpack target/shared-data >/dev/null
# The browser tests (crates/cratewatch-server/tests/browser.rs) drive a real headless Chromium.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "installing chromium and chromedriver for the browser tests" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >/dev/null ||
    echo "warning: could not install chromium and chromedriver; the browser tests will fail" >&2
fi
# The OSV client test (crates/cratewatch/tests/it/osv_client.rs) drives a third-party Python OSV client.
bash scripts/osv-client.sh || echo "warning: could not install the OSV client; the OSV client test will fail" >&2
# The differential lockfile test (crates/cratewatch/tests/it/differential.rs) runs cargo-audit 0.22.2, and
# the configuration tests (config_files.rs) cargo-audit and cargo-deny 0.20.2, both
# built from crates.io into target/tools the first time (a few minutes).
CRATEWATCH_CARGO_AUDIT="$(bash scripts/reference-tools.sh)" && export CRATEWATCH_CARGO_AUDIT && export CRATEWATCH_CARGO_DENY="${CRATEWATCH_CARGO_AUDIT%/*}/cargo-deny" ||
  echo "warning: could not install cargo-audit; the differential lockfile test will fail" >&2
# The ecosystem-reach export test (crates/cratewatch/tests/it/reach.rs) reads the Parquet files back with
# DuckDB, from PyPI.
bash scripts/duckdb.sh || echo "warning: could not install DuckDB; the reach Parquet test will fail" >&2
# The distributed auditor (the static musl build) is compared with the tested one
# (crates/cratewatch/tests/it/static_build.rs).
CRATEWATCH_DIST_AUDITOR="$(bash scripts/build-auditor.sh)" && export CRATEWATCH_DIST_AUDITOR ||
  echo "warning: could not build the distributed auditor; the static build test will fail" >&2
# The store suite (and the workflow tests) run against a real PostgreSQL server as well as SQLite: a
# throwaway server on 127.0.0.1:54329, started here (installing PostgreSQL if missing) and stopped on exit.
export CRATEWATCH_TEST_POSTGRES_URL="$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
cargo test --workspace --locked "$@"
