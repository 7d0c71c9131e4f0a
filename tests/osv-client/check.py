"""Drives a third-party OSV client (osv-lib) against a running `cratewatch serve` and checks that it
gets the answers the public OSV service gives for RustSec data.

The public service serves RustSec's official OSV export (in ../shared/data) and matches a version
against a record's SEMVER ranges with osv.dev's own version ordering (`semver_index` of its `osv`
library). So the expected answer of every call is what the same client makes of the official records
chosen that way: equal objects, or the same error where the client cannot read a record (osv-lib
predates CVSS v4 severities; it fails on those records whichever server sends them).

Usage: check.py BASE_URL EXPORT_DIR OSV_DEV_DIR LOCKFILE...
Prints one JSON summary line and exits 0 when every answer matches, 1 otherwise.
"""

import datetime
import enum
import glob
import importlib.util
import json
import os
import re
import sys

from osv.api import OsvApi
from osv.model import OsvPackage, OsvVulnerability
from packageurl import PackageURL

ECOSYSTEM = 'crates.io'
CRATES_IO_SOURCE = 'registry+https://github.com/rust-lang/crates.io-index'


def load_semver_index(osv_dev_dir):
    """osv.dev's SemVer ordering, loaded by path: its package `osv` clashes with osv-lib's."""
    path = os.path.join(osv_dev_dir, 'osv', 'semver_index.py')
    spec = importlib.util.spec_from_file_location('osv_dev_semver_index', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_affected(semver_index, record, name, version):
    """The OSV schema's evaluation of `version` against `record` for package `name`."""
    v = semver_index.parse(version)
    for affected in record.get('affected', []):
        package = affected.get('package', {})
        if package.get('ecosystem') != ECOSYSTEM or package.get('name') != name:
            continue
        if version in affected.get('versions', []):
            return True
        for r in affected.get('ranges', []):
            if r.get('type') != 'SEMVER':
                continue
            included = False
            events = sorted(r['events'], key=lambda e: (
                semver_index.parse('0.0.0-0') if e.get('introduced') == '0' else semver_index.parse(next(iter(e.values())))))
            for event in events:
                if 'introduced' in event and (event['introduced'] == '0' or v >= semver_index.parse(event['introduced'])):
                    included = True
                elif 'fixed' in event and v >= semver_index.parse(event['fixed']):
                    included = False
                elif 'last_affected' in event and v > semver_index.parse(event['last_affected']):
                    included = False
            if included:
                return True
    return False


def plain(value):
    """The client's objects as plain data, every attribute included, for comparison."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, '__dict__'):
        return {type(value).__name__: {k: plain(v) for k, v in vars(value).items()}}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def client_view(call):
    """What a client call gives: its objects as canonical JSON text, or its error."""
    try:
        result = call()
    except Exception as error:  # the client's own failure is part of its answer
        return ('error', type(error).__name__, str(error))
    return ('ok', json.dumps(plain(result), sort_keys=True))


def parse_all(records):
    """The client's reading of several records, as a set (what its query methods return)."""
    return {OsvVulnerability.from_json(data=r) for r in records}


def lockfile_packages(paths):
    packages = set()
    for path in paths:
        text = open(path, encoding='utf-8').read()
        for block in text.split('[[package]]')[1:]:
            name = re.search(r'^name = "([^"]+)"', block, re.M)
            version = re.search(r'^version = "([^"]+)"', block, re.M)
            source = re.search(r'^source = "([^"]+)"', block, re.M)
            if name and version and source and source.group(1) == CRATES_IO_SOURCE:
                packages.add((name.group(1), version.group(1)))
    return sorted(packages)


def probe_versions(semver_index, record):
    """Versions at and around each range bound of a record: where a wrong comparison shows."""
    versions = {'0.0.0', '0.1.0', '1.0.0', '99.0.0'}
    for affected in record.get('affected', []):
        for r in affected.get('ranges', []):
            for event in r.get('events', []):
                for bound in event.values():
                    if bound in ('0', '0.0.0-0'):
                        continue
                    versions.add(bound)
                    parsed = semver_index.parse(bound)
                    if parsed.prerelease is None and parsed.patch > 0:
                        versions.add(f'{parsed.major}.{parsed.minor}.{parsed.patch - 1}')
                    versions.add(f'{parsed.major}.{parsed.minor}.{parsed.patch + 1}')
    return versions


def main():
    base_url, export_dir, osv_dev_dir, *lockfiles = sys.argv[1:]
    semver_index = load_semver_index(osv_dev_dir)

    class Cratewatch(OsvApi):
        _api_host = base_url.rstrip('/')

    client = Cratewatch()
    records = [json.load(open(p, encoding='utf-8'))
               for p in sorted(glob.glob(os.path.join(export_dir, '**', '*.json'), recursive=True))]
    # RUSTSEC-2025-0000 is the export's stale copy of RUSTSEC-2025-0065 (same crate, CVE and GHSA; no
    # source advisory in the database): cratewatch shows it as that advisory's alias, so it is not expected.
    records = [r for r in records if r['id'] != 'RUSTSEC-2025-0000']
    by_id = {r['id']: r for r in records}
    by_package = {}
    for record in records:
        if record.get('withdrawn'):
            continue
        for affected in record.get('affected', []):
            package = affected.get('package', {})
            if package.get('ecosystem') == ECOSYSTEM:
                by_package.setdefault(package['name'], []).append(record)

    def expected_query(name, version):
        return [r for r in by_package.get(name, []) if version is None or is_affected(semver_index, r, name, version)]

    mismatches = []
    counts = {'vulns': 0, 'query': 0, 'query_affected': 0, 'querybatch_queries': 0,
              'querybatch_findings': 0, 'client_errors': 0}

    def check(what, got, want):
        if got != want:
            mismatches.append({'call': what, 'cratewatch': str(got)[:400], 'expected': str(want)[:400]})
        elif got[0] == 'error':
            counts['client_errors'] += 1

    # GET /v1/vulns/{id}: every record of the official export.
    for vuln_id, record in sorted(by_id.items()):
        counts['vulns'] += 1
        check(f'vulns {vuln_id}', client_view(lambda: client.vulns(id_=vuln_id)),
              client_view(lambda: OsvVulnerability.from_json(data=record)))

    # POST /v1/query by package and version: the lockfiles' crates.io packages, and versions at and
    # around every range bound of every advisory's crate; by package alone for every advisory's crate.
    queries = set(lockfile_packages(lockfiles))
    for name, package_records in by_package.items():
        queries.add((name, None))
        for record in package_records:
            for version in probe_versions(semver_index, record):
                queries.add((name, version))
    # The package goes as a purl: osv-lib sends an `ecosystem` given by name as a JSON object under
    # Python 3.11 (its encoder walks the enum's attributes), which the public service refuses too.
    for index, (name, version) in enumerate(sorted(queries, key=lambda q: (q[0], q[1] or ''))):
        want = expected_query(name, version)
        counts['query'] += 1
        counts['query_affected'] += bool(want)
        if version is not None and index % 2:
            # Every other query puts the version in the purl instead: `pkg:cargo/NAME@VERSION`.
            package = OsvPackage(purl=PackageURL(type='cargo', name=name, version=version))
            call = lambda: client.query(package=package)
        else:
            package = OsvPackage(purl=PackageURL(type='cargo', name=name))
            call = lambda: client.query(package=package, version=version)
        check(f'query {name} {version}', client_view(call), client_view(lambda: parse_all(want)))

    # POST /v1/querybatch with the lockfiles' packages, 1,000 queries at a time (the API's limit). The
    # client merges a batch's answers into one set of (id, modified) records.
    batch_packages = lockfile_packages(lockfiles)
    for start in range(0, len(batch_packages), 1000):
        chunk = batch_packages[start:start + 1000]
        counts['querybatch_queries'] += len(chunk)
        # osv-lib's objects compare by identity, so its set keeps one object per (query, finding).
        want = [{'id': r['id'], 'modified': r['modified']} for n, v in chunk for r in expected_query(n, v)]
        counts['querybatch_findings'] += len(want)
        batch = [{'package': OsvPackage(purl=PackageURL(type='cargo', name=n)), 'version': v} for n, v in chunk]
        check(f'querybatch {start}..{start + len(chunk)}', client_view(lambda: client.query_batch(queries=batch)),
              client_view(lambda: parse_all(want)))

    print(json.dumps({'counts': counts, 'mismatches': len(mismatches), 'first_mismatches': mismatches[:10]}))
    return 1 if mismatches else 0


if __name__ == '__main__':
    sys.exit(main())
