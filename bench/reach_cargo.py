#!/usr/bin/env python3
"""Times Cargo's own resolver on a seeded sample of versions of an index, offline.

    bench/reach_cargo.py INDEX_DIR WORK_DIR SAMPLE SEED

For each sampled non-yanked version, a dummy project depending on `the-root = { package = NAME,
version = "=V" }` runs `cargo generate-lockfile --offline` against a local-registry source whose index
is INDEX_DIR, in an isolated CARGO_HOME (edition 2021; `incompatible-rust-versions = "allow"`), as the
faithfulness test does. Prints one line: `versions=N cargo_seconds_mean=S cargo_seconds_median=M
total=T failures=F`, then one line per version on standard error.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import time


def versions(index):
    out = []
    for top in sorted(os.listdir(index)):
        path = os.path.join(index, top)
        if top.startswith(".") or not os.path.isdir(path):
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                    for line in f:
                        try:
                            entry = json.loads(line)
                        except ValueError:
                            continue
                        if not entry.get("yanked") and "+" not in entry["vers"]:
                            out.append((entry["name"], entry["vers"]))
    return out


def main():
    index, work, sample, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    index = os.path.abspath(index)
    work = os.path.abspath(work)
    registry = os.path.join(work, "registry")
    home = os.path.join(work, "home")
    project = os.path.join(work, "project")
    os.makedirs(registry, exist_ok=True)
    os.makedirs(home, exist_ok=True)
    os.makedirs(os.path.join(project, "src"), exist_ok=True)
    link = os.path.join(registry, "index")
    if os.path.islink(link):
        os.unlink(link)
    os.symlink(index, link)
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write(
            f'[source.crates-io]\nreplace-with = "local"\n\n[source.local]\nlocal-registry = "{registry}"\n\n'
            '[net]\noffline = true\n\n[resolver]\nincompatible-rust-versions = "allow"\n'
        )
    open(os.path.join(project, "src", "lib.rs"), "w").close()
    all_versions = versions(index)
    random.seed(seed)
    picked = random.sample(all_versions, sample)
    times = []
    failures = 0
    env = dict(os.environ, CARGO_HOME=home)
    for name, vers in picked:
        with open(os.path.join(project, "Cargo.toml"), "w") as f:
            f.write(
                '[package]\nname = "reach-probe"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n'
                f'the-root = {{ package = "{name}", version = "={vers}" }}\n\n[workspace]\n'
            )
        lock = os.path.join(project, "Cargo.lock")
        if os.path.exists(lock):
            os.unlink(lock)
        started = time.monotonic()
        result = subprocess.run(
            ["cargo", "generate-lockfile", "--offline", "--quiet", "--manifest-path", os.path.join(project, "Cargo.toml")],
            env=env,
            capture_output=True,
        )
        elapsed = time.monotonic() - started
        failures += result.returncode != 0
        times.append(elapsed)
        print(f"{name} {vers} {elapsed:.3f}s{' (failed)' if result.returncode else ''}", file=sys.stderr)
    print(
        f"versions={len(times)} cargo_seconds_mean={statistics.mean(times):.3f} "
        f"cargo_seconds_median={statistics.median(times):.3f} total={len(all_versions)} failures={failures}"
    )


if __name__ == "__main__":
    main()
