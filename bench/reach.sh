#!/usr/bin/env bash
# Ecosystem reach at scale: `cratewatch reach` over the whole 2020 index and every advisory, then over
# the index grown tenfold by scripts/grow_index.py (2.6 million versions), each RUNS times (default 3;
# the best run is reported, as other work shares the machine), with wall time and peak RSS from
# /usr/bin/time. In the same run, Cargo's own resolver (`cargo generate-lockfile --offline`) on a
# seeded sample of versions, and the ratio against resolving every version that way.
#
#   bench/reach.sh
#   RUNS=1 CARGO_SAMPLE=10 FACTORS=1 bench/reach.sh
#
# Writes target/bench/reach-*.txt and prints a summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
data=${CRATEWATCH_SHARED_DATA:-$root/target/shared-data}
src=$data/crates-index-2020
db=$data/advisory-db
runs=${RUNS:-3}
factors=${FACTORS:-1 10}
sample=${CARGO_SAMPLE:-30}
seed=${SEED:-2020}

if [ ! -f "$src/.unpacked" ]; then
    bash "$root/../shared/data/unpack" "$data"
fi
cargo build --quiet --release --locked -p cratewatch
bin=$CARGO_TARGET_DIR/release/cratewatch
mkdir -p target/bench
echo "machine: $(nproc) cores; load before the runs: $(uptime | sed 's/.*load average: //')"

# once DIR: one run; prints "wall_s rss_mib resolve_s match_s versions".
once() {
    local out wall rss resolve match versions
    out=$(/usr/bin/time -f 'wall=%e rss_kib=%M' "$bin" reach --index "$1" --db "$db" --format json \
        --out "$root/target/bench/reach-out.json" 2>&1)
    wall=$(grep -o 'wall=[0-9.]*' <<<"$out" | cut -d= -f2)
    rss=$(grep -o 'rss_kib=[0-9]*' <<<"$out" | cut -d= -f2)
    resolve=$(grep -o 'versions in [0-9.]* s' <<<"$out" | grep -o '[0-9.]* s' | cut -d' ' -f1)
    match=$(grep -o 'advisories in [0-9.]* s' <<<"$out" | grep -o '[0-9.]* s' | cut -d' ' -f1)
    versions=$(grep -o 'resolved [0-9]* of [0-9]*' <<<"$out" | awk '{print $4}')
    echo "$wall $((rss / 1024)) $resolve $match $versions"
}

declare -A best
for factor in $factors; do
    if [ "$factor" = 1 ]; then
        dir=$src
    else
        dir=$root/target/bench/index-x$factor
        python3 scripts/grow_index.py "$src" "$dir" "$factor"
    fi
    : >"target/bench/reach-x$factor.txt"
    for _ in $(seq "$runs"); do
        once "$dir" | tee -a "target/bench/reach-x$factor.txt"
    done
    best[$factor]=$(sort -n "target/bench/reach-x$factor.txt" | head -1)
done

echo
echo "Cargo's resolver on $sample sampled versions (seed $seed):"
cargo_line=$(python3 bench/reach_cargo.py "$src" "$root/target/bench/reach-cargo" "$sample" "$seed" 2>"target/bench/reach-cargo.txt")
echo "  $cargo_line"
mean=$(grep -o 'cargo_seconds_mean=[0-9.]*' <<<"$cargo_line" | cut -d= -f2)

echo
printf '%-7s %10s %9s %12s %11s %10s\n' factor versions wall_s resolve_s match_s rss_mib
for factor in $factors; do
    read -r wall rss resolve match versions <<<"${best[$factor]}"
    printf '%-7s %10s %9s %12s %11s %10s\n' "${factor}x" "$versions" "$wall" "$resolve" "$match" "$rss"
done
read -r wall _ _ _ versions <<<"${best[${factors%% *}]}"
echo
awk -v mean="$mean" -v n="$versions" -v wall="$wall" 'BEGIN {
    total = mean * n;
    printf "Cargo, one process per version: %.0f s (%.1f h) for %d versions; cratewatch reach: %s s: %.0fx faster\n",
        total, total / 3600, n, wall, total / wall
}'
