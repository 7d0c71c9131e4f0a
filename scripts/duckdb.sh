#!/usr/bin/env bash
# Sets up DuckDB for the Parquet export test (crates/cratewatch/tests/it/reach.rs) in target/duckdb: a
# Python virtual environment with the `duckdb` package from PyPI, pinned in tests/reach/requirements.txt.
# Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=target/duckdb
stamp="$venv/.installed"
if [ -f "$stamp" ] && cmp -s "$stamp" tests/reach/requirements.txt; then
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/reach/requirements.txt
cp tests/reach/requirements.txt "$stamp"
echo "DuckDB ready in $venv" >&2
