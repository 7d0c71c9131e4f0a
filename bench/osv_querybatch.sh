#!/usr/bin/env bash
# Server time of an OSV querybatch of 1,000 packages with versions (the first 1,000 distinct registry
# packages of the shared lockfiles), from `cratewatch serve` over loopback. Prints the round trip (curl)
# and the server time (the /metrics histogram sum divided by the count). Target: under 20 ms.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash ../shared/data/unpack target/shared-data >/dev/null
cargo build --quiet --release --locked -p cratewatch
out=target/bench
mkdir -p "$out"
python3 - "$out/querybatch.json" <<'PY'
import glob, json, re, sys
seen, queries = set(), []
for path in sorted(glob.glob("target/shared-data/lockfiles/*.lock")):
    text = open(path).read()
    pattern = r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"\nsource = "registry\+https://github.com/rust-lang/crates.io-index"'
    for name, version in re.findall(pattern, text):
        if (name, version) not in seen and len(queries) < 1000:
            seen.add((name, version))
            queries.append({"package": {"name": name, "ecosystem": "crates.io"}, "version": version})
assert len(queries) == 1000, len(queries)
json.dump({"queries": queries}, open(sys.argv[1], "w"))
PY
port=${PORT:-18123}
metrics_port=$((port + 1))
target/release/cratewatch serve --db target/shared-data/advisory-db --index target/shared-data/crates-index-2020 \
  --listen "127.0.0.1:$port" --metrics-listen "127.0.0.1:$metrics_port" --sync-interval 0 --no-disclosure --log warn &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
for _ in $(seq 50); do
  curl -s -o /dev/null -H 'Expect:' -H 'content-type: application/json' -w '%{time_total}\n' \
    --data-binary "@$out/querybatch.json" "http://127.0.0.1:$port/v1/querybatch"
done | sort -n | awk '{t[NR]=$1*1000} END {printf "round trip over loopback: min %.2f ms, median %.2f ms, max %.2f ms (50 requests)\n", t[1], t[int(NR/2)+1], t[NR]}'
curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/duration_seconds_sum\{route="\/v1\/querybatch"\}/ {s=$2} /duration_seconds_count\{route="\/v1\/querybatch"\}/ {c=$2} END {printf "server time: mean %.2f ms per querybatch of 1,000 (target: under 20 ms)\n", s/c*1000}'
