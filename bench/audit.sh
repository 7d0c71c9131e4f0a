#!/usr/bin/env bash
# Compares `cratewatch audit` with cargo-audit 0.22.2 on the same offline advisory database and the
# same lockfiles, in the same run, with hyperfine (both as processes; warm: five alternating rounds
# of 40 runs of each, CRATEWATCH_BENCH_ROUNDS to change; cold: at least 30 runs each). Prints each
# tool's median and mean and the ratios, warm (compiled database cached) and cold (no cache), and the
# peak memory of one run of each.
#
#   bash bench/audit.sh
#   CRATEWATCH_BIN=target/release/cratewatch bash bench/audit.sh   # another binary (here the glibc build)
#
# Lockfiles: a 1,043-package lockfile that Cargo itself resolves for a project no shared lockfile
# resembles (bench/generate_lockfile.sh, against the 2020 index), a 1,144-package one merged from the
# real lapce and tauri lockfiles (bench/merge_lockfiles.py), and those two, the biggest shared ones.
# Needs ../shared beside the repository. Installs cargo-audit (scripts/reference-tools.sh) and hyperfine
# if they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
bash ../shared/data/unpack target/shared-data >/dev/null
data="$root/target/shared-data"
db="$data/advisory-db"
out="$root/target/bench"
mkdir -p "$out"

cargo_audit=$(bash scripts/reference-tools.sh)
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
# CRATEWATCH_BIN: measure that binary instead of building the distributed one (the static musl build of
# scripts/build-auditor.sh; target/release/cratewatch is the glibc build).
if [ -n "${CRATEWATCH_BIN:-}" ]; then
  cw=$CRATEWATCH_BIN
else
  cw=$(bash scripts/build-auditor.sh)
fi
case "$(file -b "$cw")" in
  *static-pie*|*statically*) echo "cratewatch: $cw (static)" ;;
  *) echo "cratewatch: $cw (dynamically linked)" ;;
esac
cache="$out/cache"

bash bench/generate_lockfile.sh "$data/crates-index-2020" "$out/held-out.Cargo.lock" 2>/dev/null
python3 bench/merge_lockfiles.py "$out/merged.Cargo.lock" \
  "$data"/lockfiles/lapce__*.Cargo.lock "$data"/lockfiles/tauri-apps__*.Cargo.lock 2>/dev/null
lockfiles=("$out/held-out.Cargo.lock" "$out/merged.Cargo.lock" "$data"/lockfiles/lapce__*.Cargo.lock
  "$data"/lockfiles/tauri-apps__*.Cargo.lock)

# Entries changed within two seconds of a compile are not trusted by the cache: let the data settle.
sleep 2
"$cw" audit --quiet --no-config --db "$db" --cache-dir "$cache" --file "${lockfiles[0]}" >/dev/null || true

# "median_a median_b ratio | mean_a mean_b ratio" of hyperfine exports with two commands each (one per
# round): medians and means over every round's runs, and in brackets the lowest and highest of the
# rounds' median ratios.
ratio() { python3 -c "
import json,statistics as st,sys
rounds=[json.load(open(f))['results'] for f in sys.argv[1:]]
a=[t for r in rounds for t in r[0]['times']]; b=[t for r in rounds for t in r[1]['times']]
per=[st.median(r[0]['times'])/st.median(r[1]['times']) for r in rounds]
print(f'{st.median(a)*1000:7.2f} {st.median(b)*1000:6.2f} {st.median(a)/st.median(b):5.1f}x | {st.mean(a)*1000:7.2f} {st.mean(b)*1000:6.2f} {st.mean(a)/st.mean(b):5.1f}x  ({len(a)}/{len(b)} runs; rounds {min(per):.1f}-{max(per):.1f}x)')
" "$@"; }
# Warm runs: the machine's speed drifts over a run of this script (a VM's neighbours come and go), so
# the two tools are measured in alternating rounds rather than one long block each, which would let
# the drift fall on one tool only.
rounds=${CRATEWATCH_BENCH_ROUNDS:-5}
warm() {
  local file=$1 a=$2 b=$3
  for round in $(seq "$rounds"); do
    hyperfine -N -i --warmup 3 --runs 40 --export-json "$file-$round.json" \
      -n cargo-audit "$a" -n cratewatch "$b" >/dev/null 2>&1
  done
  ratio $(seq -f "$file-%g.json" "$rounds")
}
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-44s %8s %-11s %s\n' lockfile packages run 'median ms: cargo-audit cratewatch ratio | mean ms: cargo-audit cratewatch ratio'

for lock in "${lockfiles[@]}"; do
  name=$(basename "$lock" .Cargo.lock)
  packages=$(grep -c '^\[\[package\]\]' "$lock")
  # Warm, in both tools' default (human) output and in JSON.
  ca_human=("$cargo_audit" audit --db "$db" --no-fetch --stale --no-yanked --file "$lock")
  mine_human=("$cw" audit --quiet --no-config --color never --db "$db" --cache-dir "$cache" --file "$lock")
  printf '%-44s %8s warm, human %s\n' "${name:0:44}" "$packages" \
    "$(warm "$out/warm-human-$name" "${ca_human[*]}" "${mine_human[*]}")"
  ca=("$cargo_audit" audit --db "$db" --no-fetch --stale --no-yanked --json --file "$lock")
  mine=("$cw" audit --quiet --no-config --json --db "$db" --cache-dir "$cache" --file "$lock")
  printf '%-44s %8s warm, json  %s\n' "" "" "$(warm "$out/warm-$name" "${ca[*]}" "${mine[*]}")"
  hyperfine -N -i --warmup 2 --min-runs 30 --export-json "$out/cold-$name.json" \
    --prepare "rm -rf $out/cold-cache" \
    -n cargo-audit "${ca[*]}" \
    -n cratewatch-cold "$cw audit --quiet --no-config --json --db $db --cache-dir $out/cold-cache --file $lock" >/dev/null 2>&1
  printf '%-44s %8s cold, json  %s\n' "" "" "$(ratio "$out/cold-$name.json")"
  printf '%-44s %8s peak RSS: cargo-audit %s KiB, cratewatch %s KiB\n' "" "" "$(rss "${ca[@]}")" "$(rss "${mine[@]}")"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
