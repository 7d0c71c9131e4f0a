"""Per-advisory reach counts from `cratewatch reach --parquet DIR`, by one SQL query in DuckDB.

    python counts.py DIR

Prints CSV (the columns of `cratewatch reach --format csv` that the query computes), sorted by id. The
test in crates/cratewatch/tests/it/reach.rs compares it with the command's own CSV.
"""

import csv
import sys

import duckdb

QUERY = """
WITH findings AS (
    SELECT e.*, v.name AS root_name, v.newest AS root_newest,
           e.class IN ('manifest-change', 'no-fixed-release') AS exposed
    FROM read_parquet($exposure) e
    JOIN read_parquet($versions) v ON v.id = e.root
)
SELECT a.id,
       count(DISTINCT f.root_name) FILTER (WHERE f.exposed) AS exposed_crates,
       count(*) FILTER (WHERE f.exposed AND f.root_newest) AS newest_releases_exposed,
       count(*) FILTER (WHERE f.exposed) AS exposed_versions,
       count(*) FILTER (WHERE f.exposed AND f.depth = 1) AS direct,
       count(*) FILTER (WHERE f.exposed AND f.depth >= 2) AS transitive,
       count(*) FILTER (WHERE f.class = 'manifest-change' AND f.blocker = f.root) AS own_manifest,
       count(*) FILTER (WHERE f.class = 'manifest-change' AND f.blocker IS DISTINCT FROM f.root) AS upstream_manifest,
       count(*) FILTER (WHERE f.class = 'no-fixed-release') AS no_fixed_release,
       count(*) FILTER (WHERE f.class = 'cargo-update') AS cargo_update_versions,
       count(DISTINCT f.root_name) FILTER (WHERE f.class = 'cargo-update') AS cargo_update_crates
FROM read_parquet($advisories) a
LEFT JOIN findings f ON f.advisory = a.id
GROUP BY a.id
ORDER BY a.id
"""


def main():
    directory = sys.argv[1]
    con = duckdb.connect()
    result = con.execute(
        QUERY,
        {name: f"{directory}/{name}.parquet" for name in ("exposure", "versions", "advisories")},
    )
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([d[0] for d in result.description])
    for row in result.fetchall():
        out.writerow(row)


if __name__ == "__main__":
    main()
