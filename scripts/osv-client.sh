#!/usr/bin/env bash
# Sets up the third-party OSV client used by the OSV client test (crates/cratewatch/tests/it/osv_client.rs)
# in target/osv-client: a Python virtual environment with osv-lib, and osv.dev's own `osv` library
# unpacked apart in target/osv-client/osv-dev (both are Python packages named `osv`). Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=target/osv-client
stamp="$venv/.installed"
if [ -f "$stamp" ] && cmp -s "$stamp" tests/osv-client/requirements.txt; then
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/osv-client/requirements.txt
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --target "$venv/osv-dev" osv==0.0.22
cp tests/osv-client/requirements.txt "$stamp"
echo "OSV client ready in $venv" >&2
