#!/usr/bin/env bash
# Compares `cratewatch audit` with cargo-audit 0.22.2 on the same offline advisory database and the
# same lockfiles, in the same run, with hyperfine. Prints each tool's mean time and the ratio, warm
# (compiled database cached) and cold (no cache), and the peak memory of one run of each.
#
#   bash bench/audit.sh            # the biggest shared lockfiles and a merged 1,144-package one
#
# Needs ../shared beside the repository. Installs cargo-audit and hyperfine if they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
bash ../shared/data/unpack target/shared-data >/dev/null
data="$root/target/shared-data"
db="$data/advisory-db"
out="$root/target/bench"
mkdir -p "$out"

command -v cargo-audit >/dev/null || cargo install --locked cargo-audit --version 0.22.2
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --quiet --release --locked -p cratewatch
cw="$root/target/release/cratewatch"
cache="$out/cache"

python3 bench/merge_lockfiles.py "$out/merged.Cargo.lock" \
  "$data"/lockfiles/lapce__*.Cargo.lock "$data"/lockfiles/tauri-apps__*.Cargo.lock 2>/dev/null
lockfiles=("$out/merged.Cargo.lock" "$data"/lockfiles/lapce__*.Cargo.lock "$data"/lockfiles/tauri-apps__*.Cargo.lock)

# Entries changed within two seconds of a compile are not trusted by the cache: let the data settle.
sleep 2
"$cw" audit --quiet --no-config --db "$db" --cache-dir "$cache" --file "${lockfiles[0]}" >/dev/null || true

ratio() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(f'{r[0][\"mean\"]*1000:8.2f} ms  {r[1][\"mean\"]*1000:8.2f} ms  {r[0][\"mean\"]/r[1][\"mean\"]:6.1f}x')" "$1"; }
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

printf '\n%-44s %8s %-11s %11s %11s %8s\n' lockfile packages run cargo-audit cratewatch ratio
for lock in "${lockfiles[@]}"; do
  name=$(basename "$lock" .Cargo.lock)
  packages=$(grep -c '^\[\[package\]\]' "$lock")
  # Warm, in both tools' default (human) output and in JSON.
  ca_human=(cargo-audit audit --db "$db" --no-fetch --stale --no-yanked --file "$lock")
  mine_human=("$cw" audit --quiet --no-config --color never --db "$db" --cache-dir "$cache" --file "$lock")
  hyperfine -N -i --warmup 5 --min-runs 40 --export-json "$out/warm-human-$name.json" \
    -n cargo-audit "${ca_human[*]}" -n cratewatch "${mine_human[*]}" >/dev/null 2>&1
  printf '%-44s %8s warm, human %s\n' "${name:0:44}" "$packages" "$(ratio "$out/warm-human-$name.json")"
  ca=(cargo-audit audit --db "$db" --no-fetch --stale --no-yanked --json --file "$lock")
  mine=("$cw" audit --quiet --no-config --json --db "$db" --cache-dir "$cache" --file "$lock")
  hyperfine -N -i --warmup 5 --min-runs 40 --export-json "$out/warm-$name.json" \
    -n cargo-audit "${ca[*]}" -n cratewatch "${mine[*]}" >/dev/null 2>&1
  printf '%-44s %8s warm, json  %s\n' "" "" "$(ratio "$out/warm-$name.json")"
  hyperfine -N -i --warmup 2 --min-runs 10 --export-json "$out/cold-$name.json" \
    --prepare "rm -rf $out/cold-cache" \
    -n cargo-audit "${ca[*]}" \
    -n cratewatch-cold "$cw audit --quiet --no-config --json --db $db --cache-dir $out/cold-cache --file $lock" >/dev/null 2>&1
  printf '%-44s %8s cold, json  %s\n' "" "" "$(ratio "$out/cold-$name.json")"
  printf '%-44s %8s peak RSS: cargo-audit %s KiB, cratewatch %s KiB\n' "" "" "$(rss "${ca[@]}")" "$(rss "${mine[@]}")"
done
