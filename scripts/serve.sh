#!/usr/bin/env bash
# The main job on a fresh machine: unpack the shared data, build, and serve the Security tab pages, feeds
# and JSON API for the real RustSec database and the 2020 registry index, offline, on
# http://127.0.0.1:8080/ (override with LISTEN=ADDR). Extra arguments go to `cratewatch serve`.
# The disclosure workflow's store is target/disclosure.db (SQLite; set CRATEWATCH_DATABASE_URL for
# another). Needs ../shared beside the repository.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash ../shared/data/unpack target/shared-data >/dev/null
cargo build --release --locked -p cratewatch
exec target/release/cratewatch serve \
  --db target/shared-data/advisory-db \
  --index target/shared-data/crates-index-2020 \
  --listen "${LISTEN:-127.0.0.1:8080}" \
  --database-url "${CRATEWATCH_DATABASE_URL:-sqlite:target/disclosure.db}" "$@"
