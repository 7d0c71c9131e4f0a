#!/usr/bin/env bash
# Writes a Cargo.lock that no shared lockfile resembles: Cargo itself resolves a dummy project that
# depends on a mix of popular mid-2020 crates (web servers, databases, graphics, cloud SDKs, GUI),
# offline, against the 2020 registry index as a local-registry source. About 1,000 packages.
#
#   bash bench/generate_lockfile.sh INDEX_DIR OUT_LOCKFILE
set -euo pipefail
index=$(cd "$1" && pwd)
out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/registry" "$work/home" "$work/project/src"
ln -s "$index" "$work/registry/index"
cat >"$work/home/config.toml" <<TOML
[source.crates-io]
replace-with = "local"

[source.local]
local-registry = "$work/registry"

[net]
offline = true

[resolver]
incompatible-rust-versions = "allow"
TOML
touch "$work/project/src/lib.rs"
cat >"$work/project/Cargo.toml" <<'TOML'
[package]
name = "held-out"
version = "0.1.0"
edition = "2018"

[dependencies]
actix-web = "2"
tokio = { version = "0.2", features = ["full"] }
diesel = { version = "1", features = ["postgres", "mysql", "sqlite", "chrono", "uuid"] }
rocket = "0.4"
reqwest = { version = "0.10", features = ["blocking", "json", "cookies"] }
rusoto_s3 = "0.44"
rusoto_dynamodb = "0.44"
image = "0.23"
wgpu = "0.5"
winit = "0.22"
glium = "0.27"
gtk = "0.8"
wasm-bindgen = "0.2"
web-sys = { version = "0.3", features = ["Window", "Document", "HtmlElement", "WebGlRenderingContext"] }
juniper = "0.14"
tantivy = "0.12"
lettre = "0.9"
redis = "0.16"
mongodb = "1"
rdkafka = "0.23"
clap = "2"
structopt = "0.3"
tracing-subscriber = "0.2"
prost = "0.6"
tonic = "0.2"
rustls = "0.17"
openssl = "0.10"
git2 = "0.13"
rayon = "1"
nalgebra = "0.21"
ndarray = "0.13"
amethyst = "0.15"
ggez = "0.5"
iced = "0.1"
druid = "0.6"
yew = "0.16"
warp = "0.2"
tide = "0.11"
async-std = "1"
surf = "1"
serenity = "0.8"
sqlx = { version = "0.3", features = ["postgres", "mysql"] }
sled = "0.31"
arrow = "0.17"
rusqlite = "0.23"
tokio-postgres = "0.5"
cursive = "0.15"
tui = "0.9"
rodio = "0.11"
trust-dns-resolver = "0.19"
azure_sdk_storage_blob = "0.44"
rusoto_ec2 = "0.44"
plotters = "0.2"
syntect = "4"
pulldown-cmark = "0.7"
handlebars = "3"
tera = "1"
TOML
CARGO_HOME="$work/home" cargo generate-lockfile --offline --quiet --manifest-path "$work/project/Cargo.toml"
cp "$work/project/Cargo.lock" "$out"
echo "$out: $(grep -c '^\[\[package\]\]' "$out") packages" >&2
