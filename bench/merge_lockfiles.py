#!/usr/bin/env python3
"""Merges real Cargo.lock files into one larger, still real, lockfile (v3).

Every package entry comes from a real lockfile; entries with the same name, version and source are kept
once, and dependency references are rewritten to the unambiguous "name version" form where a name has
several versions. Used by bench/audit.sh to reach a 1,000+ package lockfile from the shared data.

usage: merge_lockfiles.py OUT LOCKFILE...
"""
import sys
import tomllib


def main() -> None:
    out, inputs = sys.argv[1], sys.argv[2:]
    packages = {}
    for path in inputs:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        entries = doc.get("package", [])
        by_name = {}
        for p in entries:
            by_name.setdefault(p["name"], []).append(p)

        def resolve(spec):
            parts = spec.split(" ", 2)
            candidates = by_name.get(parts[0], [])
            if len(parts) > 1:
                candidates = [c for c in candidates if c["version"] == parts[1]]
            if len(parts) > 2:
                source = parts[2].strip("()")
                candidates = [c for c in candidates if c.get("source") == source]
            assert len(candidates) == 1, (path, spec)
            c = candidates[0]
            return (c["name"], c["version"], c.get("source"))

        for p in entries:
            key = (p["name"], p["version"], p.get("source"))
            deps = sorted({resolve(d) for d in p.get("dependencies", [])})
            if key not in packages:
                packages[key] = {"checksum": p.get("checksum"), "deps": set(deps)}
            else:
                packages[key]["deps"].update(deps)

    versions = {}
    for name, version, source in packages:
        versions.setdefault(name, set()).add((version, source))

    def ref(dep):
        name, version, source = dep
        if len(versions[name]) == 1:
            return name
        if len({v for v, _ in versions[name] if v == version}) == 1 and sum(1 for v, _ in versions[name] if v == version) == 1:
            return f"{name} {version}"
        return f"{name} {version} ({source})"

    lines = ["# Merged from real lockfiles by bench/merge_lockfiles.py", "version = 3", ""]
    for key in sorted(packages, key=lambda k: (k[0], k[1], k[2] or "")):
        name, version, source = key
        entry = packages[key]
        lines.append("[[package]]")
        lines.append(f'name = "{name}"')
        lines.append(f'version = "{version}"')
        if source:
            lines.append(f'source = "{source}"')
        if entry["checksum"]:
            lines.append(f'checksum = "{entry["checksum"]}"')
        deps = sorted(ref(d) for d in entry["deps"])
        if deps:
            lines.append("dependencies = [")
            lines.extend(f' "{d}",' for d in deps)
            lines.append("]")
        lines.append("")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print(f"{out}: {len(packages)} packages", file=sys.stderr)


if __name__ == "__main__":
    main()
