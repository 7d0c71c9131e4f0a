#!/usr/bin/env bash
# Throughput of `cratewatch serve` against nginx serving the very same bytes as static files, in the
# same run, with wrk. For two URLs (the JSON API and the HTML Security tab of smallvec) it prints
# requests/s for each server, the ratio cratewatch/nginx, and the p50/p99 latency.
#
#   bash bench/serve.sh                       # 2 wrk threads, 64 connections, 10 s per run
#   DURATION=30s CONNECTIONS=128 bash bench/serve.sh
#   CRATEWATCH_BIN=/path/to/cratewatch bash bench/serve.sh   # measure that binary instead of building
#
# Targets (from the issue): cratewatch at least half of nginx's requests/s, p99 under 10 ms at 64
# connections. Needs ../shared beside the repository. Installs wrk and nginx if they are missing.
# wrk and both servers share this machine's cores, so the figures compare the servers with each
# other; they are not the servers' ceilings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
threads=${THREADS:-2}
connections=${CONNECTIONS:-64}
duration=${DURATION:-10s}
urls=(/api/v1/crates/smallvec/security /crates/smallvec/security)

bash ../shared/data/unpack target/shared-data >/dev/null
data="$root/target/shared-data"
out="$root/target/bench"
mkdir -p "$out"

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

if [ -n "${CRATEWATCH_BIN:-}" ]; then
  cw=$CRATEWATCH_BIN # another build to compare, e.g. one with a candidate optimisation
else
  cargo build --quiet --release --locked -p cratewatch
  target_dir=${CARGO_TARGET_DIR:-$root/target}
  case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
  cw="$target_dir/release/cratewatch"
fi

tmp=$(mktemp -d)
cw_pid=""
nginx_pid=""
cleanup() {
  [ -n "$cw_pid" ] && kill "$cw_pid" 2>/dev/null && wait "$cw_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

# cratewatch, over the shared index directory and advisory database, never re-syncing.
cw_port=$(free_port)
"$cw" serve --db "$data/advisory-db" --index "$data/crates-index-2020" --listen "127.0.0.1:$cw_port" \
  --sync-interval 0 --log warn >"$tmp/cratewatch.log" 2>&1 &
cw_pid=$!
wait_for "http://127.0.0.1:$cw_port/healthz"

# The exact response bytes and content types, to be served by nginx from files at the same paths.
www="$tmp/www"
locations=""
for url in "${urls[@]}"; do
  mkdir -p "$www$(dirname "$url")"
  type=$(curl -sf -o "$www$url" -w '%{content_type}' "http://127.0.0.1:$cw_port$url")
  locations+="    location = $url { default_type \"$type\"; }"$'\n'
done
chmod -R a+rX "$tmp"

nginx_port=$(free_port)
cat >"$tmp/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  types {}
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/client_body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fastcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $www;
$locations  }
}
EOF
"$nginx_bin" -e "$tmp/nginx-error.log" -p "$tmp" -c "$tmp/nginx.conf" &
nginx_pid=$!
wait_for "http://127.0.0.1:$nginx_port${urls[0]}"

# Both servers must send the same bytes with the same content type.
for url in "${urls[@]}"; do
  for port in "$cw_port" "$nginx_port"; do
    got=$(curl -sf -o "$tmp/check" -w '%{content_type}' "http://127.0.0.1:$port$url")
    cmp -s "$tmp/check" "$www$url" || { echo "port $port serves other bytes for $url" >&2; exit 2; }
    [ "$got" = "$(grep -F "location = $url " "$tmp/nginx.conf" | sed 's/.*default_type "\(.*\)";.*/\1/')" ] ||
      { echo "port $port serves $url as $got" >&2; exit 2; }
  done
done

# wrk's latency figures in milliseconds.
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }'; }
field() { grep -E "$2" "$1" | awk '{ print $2 }' | head -1; }

run() { # name port url -> prints "rps p50 p99"
  local file="$out/serve-$1-$(echo "$3" | tr '/' '_').txt"
  wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$2$3" >/dev/null # warm-up
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://127.0.0.1:$2$3" >"$file"
  if grep -qE 'Non-2xx|Socket errors' "$file"; then echo "errors in $file:" >&2; grep -E 'Non-2xx|Socket errors' "$file" >&2; exit 2; fi
  echo "$(grep '^Requests/sec' "$file" | awk '{ print $2 }') $(field "$file" '^ +50%' | to_ms) $(field "$file" '^ +99%' | to_ms)"
}

echo
echo "wrk -t$threads -c$connections -d$duration, $(nproc) cores shared by wrk and the server under test"
printf '%-34s %-11s %10s %9s %9s %8s\n' url server 'req/s' 'p50 ms' 'p99 ms' bytes
for url in "${urls[@]}"; do
  bytes=$(stat -c %s "$www$url")
  read -r n_rps n_p50 n_p99 < <(run nginx "$nginx_port" "$url")
  read -r c_rps c_p50 c_p99 < <(run cratewatch "$cw_port" "$url")
  printf '%-34s %-11s %10.0f %9s %9s %8s\n' "$url" nginx "$n_rps" "$n_p50" "$n_p99" "$bytes"
  printf '%-34s %-11s %10.0f %9s %9s %8s\n' "" cratewatch "$c_rps" "$c_p50" "$c_p99" "$bytes"
  ratio=$(awk -v c="$c_rps" -v n="$n_rps" 'BEGIN { printf "%.2f", c / n }')
  ok=$(awk -v r="$ratio" -v p="$c_p99" 'BEGIN { print (r >= 0.5 && p < 10) ? "meets" : "misses" }')
  printf '%-34s ratio cratewatch/nginx %s; target (>= 0.50, p99 < 10 ms): %s\n' "" "$ratio" "$ok"
done
echo "raw wrk output: $out/serve-*.txt"
