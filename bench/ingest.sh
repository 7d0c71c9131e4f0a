#!/usr/bin/env bash
# Whole-index ingestion: cratewatch's IndexSnapshot::load against the tame-index crate
# (IndexKrate::from_slice on every file, same directory walk and threads), on the real 2020 index
# grown 1x, 2x, 5x and 10x by scripts/grow_index.py.
#
#   bench/ingest.sh                 # all factors
#   FACTORS="1 2" bench/ingest.sh   # some
#
# Grown indexes are kept under target/bench/ and reused. After one untimed read of every file (so the
# page cache is warm for both), the two tools run RUNS times each (default 3), taking turns, so that
# other work on the machine hits both alike. For each tool's fastest run the table shows its load
# time (measured inside the process, from the first directory read until everything is in memory),
# the CPU time of the whole process (user + system, /usr/bin/time %U + %S: on a machine shared with
# other work it is steadier than the wall clock) and the peak RSS (%M); then tame-index's figures
# divided by cratewatch's (above 1: cratewatch is faster or smaller).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
data=${CRATEWATCH_SHARED_DATA:-$root/target/shared-data}
src=$data/crates-index-2020
factors=${FACTORS:-1 2 5 10}
runs=${RUNS:-3}

if [ ! -f "$src/.unpacked" ]; then
    bash "$root/../shared/data/unpack" "$data"
fi
cargo build --quiet --release -p cratewatch-index --example ingest --example ingest_tame_index
ours=$CARGO_TARGET_DIR/release/examples/ingest
peer=$CARGO_TARGET_DIR/release/examples/ingest_tame_index
mkdir -p target/bench

# once BIN DIR: prints "seconds cpu_seconds rss_mib output-line" for one run.
once() {
    local out secs rss cpu
    out=$(/usr/bin/time -f 'rss_kib=%M cpu=%U+%S' "$1" "$2" 2>&1)
    secs=$(grep -o 'seconds=[0-9.]*' <<<"$out" | cut -d= -f2)
    rss=$(grep -o 'rss_kib=[0-9]*' <<<"$out" | cut -d= -f2)
    cpu=$(grep -o 'cpu=[0-9.+]*' <<<"$out" | cut -d= -f2 | bc -l)
    echo "$secs $cpu $((rss / 1024)) $(grep '^crates=' <<<"$out")"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-8s %-9s | %-26s | %-34s | %-18s | %s\n' factor crates versions \
    "cratewatch load/CPU s, MiB" "tame-index load/CPU s, MiB (failed)" "ratio load/CPU/RSS" "load avg"
for factor in $factors; do
    if [ "$factor" = 1 ]; then
        dir=$src
    else
        dir=$root/target/bench/index-x$factor
        python3 scripts/grow_index.py "$src" "$dir" "$factor"
    fi
    find "$dir" -type f -print0 | xargs -0 cat >/dev/null
    : >target/bench/ingest-ours.txt
    : >target/bench/ingest-peer.txt
    for ((i = 0; i < runs; i++)); do
        once "$ours" "$dir" >>target/bench/ingest-ours.txt
        once "$peer" "$dir" >>target/bench/ingest-peer.txt
    done
    read -r our_s our_cpu our_mib our_out < <(sort -n target/bench/ingest-ours.txt | head -1)
    read -r peer_s peer_cpu peer_mib peer_out < <(sort -n target/bench/ingest-peer.txt | head -1)
    crates=$(grep -o 'crates=[0-9]*' <<<"$our_out" | cut -d= -f2)
    versions=$(grep -o 'versions=[0-9]*' <<<"$our_out" | cut -d= -f2)
    failed=$(grep -o 'failed=[0-9]*' <<<"$peer_out" | cut -d= -f2)
    printf '%-6s %-8s %-9s | %6.2f %6.2f %6s MiB       | %6.2f %6.2f %6s MiB (%5s)      | %.2f %.2f %.2f     | %s\n' \
        "${factor}x" "$crates" "$versions" "$our_s" "$our_cpu" "$our_mib" \
        "$peer_s" "$peer_cpu" "$peer_mib" "$failed" \
        "$(echo "$peer_s / $our_s" | bc -l)" "$(echo "$peer_cpu / $our_cpu" | bc -l)" \
        "$(echo "$peer_mib / $our_mib" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
done
echo "cratewatch keeps every line that parses (crate files with a bad line included); tame-index drops a"
echo "whole crate file at its first bad line, which is what 'failed' counts."
