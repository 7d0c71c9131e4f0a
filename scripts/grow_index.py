#!/usr/bin/env python3
"""Grow a real registry index (git-index layout) FACTOR-fold with renamed copies of itself.

    scripts/grow_index.py SRC DEST FACTOR

DEST holds the crates of SRC unchanged (copy 0) and FACTOR - 1 renamed copies: in copy k, crate `foo`
is `foo-xk`, and every dependency on a crate of SRC (from the same registry) points at that crate's
copy k, so each copy is a whole registry graph of its own with the real shapes: the same versions,
dependency lists, features, yanked flags and checksums. Renaming follows the index's rules:

- the `name` of each line, and the file's place in the layout (`fo/o-/foo-x1`);
- a dependency's `package` when it is renamed in its manifest, else its `name`, and then the
  feature values that refer to that dependency name (`dep`, `dep/feat`, `dep?/feat`, `dep:dep`);
- dependencies on other registries and on crates that SRC does not hold are left alone.

`config.json` is copied. Lines that are not JSON objects are copied as they are.

Idempotent: DEST gets a `.grown` marker naming SRC and FACTOR, and a DEST whose marker matches is left
alone. The copy is built beside DEST and renamed into place, so an interrupted run leaves no half index
behind. Progress goes to standard error.
"""

import json
import multiprocessing
import os
import shutil
import sys
import time


def index_path(name):
    """The path of crate `name`'s file in the git-index layout."""
    name = name.lower()
    if len(name) <= 2:
        return os.path.join(str(len(name)), name)
    if len(name) == 3:
        return os.path.join("3", name[0], name)
    return os.path.join(name[:2], name[2:4], name)


def crate_files(src):
    """(relative path, crate name) of every crate file where the layout puts it."""
    files = []
    for top in sorted(os.listdir(src)):
        top_path = os.path.join(src, top)
        if top.startswith(".") or not os.path.isdir(top_path):
            continue
        for dirpath, dirnames, filenames in os.walk(top_path):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                rel = os.path.relpath(os.path.join(dirpath, name), src)
                if not name.startswith(".") and index_path(name) == rel:
                    files.append((rel, name))
    return files


# Set in each worker process by `init`.
KNOWN = None
SRC = None
DEST = None
FACTOR = None


def init(known, src, dest, factor):
    global KNOWN, SRC, DEST, FACTOR
    KNOWN, SRC, DEST, FACTOR = known, src, dest, factor


def rename_feature_value(value, renamed):
    """A feature value with the dependency names in `renamed` (old name -> new name) replaced."""
    if value.startswith("dep:"):
        dep = value[4:]
        return "dep:" + renamed.get(dep, dep)
    for sep in ("?/", "/"):
        if sep in value:
            dep, rest = value.split(sep, 1)
            return renamed.get(dep, dep) + sep + rest
    return renamed.get(value, value)


def copy_line(entry, suffix):
    """The index entry `entry` (a parsed line) for the copy with name suffix `suffix`."""
    out = dict(entry)
    out["name"] = entry["name"] + suffix
    renamed = {}
    deps = []
    for dep in entry.get("deps") or []:
        dep = dict(dep)
        if dep.get("registry") is None:
            if dep.get("package") is not None:
                if dep["package"].lower() in KNOWN:
                    dep["package"] = dep["package"] + suffix
            elif dep["name"].lower() in KNOWN:
                renamed[dep["name"]] = dep["name"] + suffix
                dep["name"] = dep["name"] + suffix
        deps.append(dep)
    if "deps" in entry:
        out["deps"] = deps
    if renamed:
        for key in ("features", "features2"):
            features = entry.get(key)
            if isinstance(features, dict):
                # A value naming a feature of the crate itself is not a dependency reference.
                own = set(features)
                out[key] = {
                    k: [v if v in own else rename_feature_value(v, renamed) for v in values]
                    for k, values in features.items()
                }
    return out


def grow_file(job):
    """Writes copy 0 and the renamed copies of one crate file; returns (lines, lines copied verbatim)."""
    rel, name = job
    with open(os.path.join(SRC, rel), "rb") as f:
        data = f.read()
    target = os.path.join(DEST, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)
    entries = []
    verbatim = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            verbatim += 1
            entry = line
        entries.append(entry)
    for k in range(1, FACTOR):
        suffix = "-x%d" % k
        lines = []
        for entry in entries:
            if isinstance(entry, bytes):
                lines.append(entry)
            else:
                text = json.dumps(copy_line(entry, suffix), separators=(",", ":"), ensure_ascii=False)
                lines.append(text.encode("utf-8"))
        target = os.path.join(DEST, index_path(name + suffix))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
    return len(entries), verbatim


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: grow_index.py SRC DEST FACTOR")
    src, dest = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    try:
        factor = int(sys.argv[3])
    except ValueError:
        factor = 0
    if factor < 1:
        sys.exit("grow_index: FACTOR must be a whole number of at least 1, not %r" % sys.argv[3])
    if not os.path.isfile(os.path.join(src, "config.json")):
        sys.exit("grow_index: %s is not a registry index (no config.json)" % src)

    marker = {"src": src, "factor": factor}
    marker_path = os.path.join(dest, ".grown")
    if os.path.exists(dest):
        try:
            with open(marker_path) as f:
                found = json.load(f)
        except (OSError, ValueError):
            sys.exit("grow_index: %s exists and was not made by grow_index.py; remove it first" % dest)
        if {k: found.get(k) for k in marker} == marker:
            print("grow_index: %s is up to date (%d crates, %dx)" % (dest, found.get("crates", 0), factor),
                  file=sys.stderr)
            return

    files = crate_files(src)
    known = {name.lower() for _, name in files}
    normalised = {name.lower().replace("_", "-") for _, name in files}
    clashes = [name + "-x%d" % k for _, name in files for k in range(1, factor)
               if (name + "-x%d" % k).lower().replace("_", "-") in normalised]
    if clashes:
        sys.exit("grow_index: copies would clash with real crates: %s" % ", ".join(clashes[:10]))

    building = "%s.building-%d" % (dest, os.getpid())
    os.makedirs(building)
    shutil.copyfile(os.path.join(src, "config.json"), os.path.join(building, "config.json"))
    start = time.time()
    lines = verbatim = 0
    step = max(1, len(files) // 20)
    with multiprocessing.Pool(os.cpu_count(), init, (known, src, building, factor)) as pool:
        for done, (n, v) in enumerate(pool.imap_unordered(grow_file, files, chunksize=64), 1):
            lines += n
            verbatim += v
            if done % step == 0 or done == len(files):
                print("grow_index: %d/%d crate files (%d%%), %.0f s"
                      % (done, len(files), 100 * done // len(files), time.time() - start), file=sys.stderr)
    marker.update(crates=len(files) * factor, versions=lines * factor)
    with open(os.path.join(building, ".grown"), "w") as f:
        json.dump(marker, f)
        f.write("\n")
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.rename(building, dest)
    print("grow_index: wrote %s: %d crates, %d lines (%d copied verbatim in each copy), %.0f s"
          % (dest, len(files) * factor, lines * factor, verbatim, time.time() - start), file=sys.stderr)


if __name__ == "__main__":
    main()
