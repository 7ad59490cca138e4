"""Evaluate every analysis view of a published hub.duckdb (read-only) and time each one.

    python bench/analyses.py --db data/hub.duckdb

The build only *defines* most analyses (``analysis/*.sql`` and the study / eval views become
views); they are computed when read. This script reads every analysis view completely, as a
user who runs all analyses would, in one process so ``bench/run.py`` can take its wall time and
peak RSS. Prints one JSON line: per view seconds and rows, the total.

Not analyses, so not read unless ``--raw``: ``models_raw`` / ``datasets_raw`` / ``spaces_raw``, the
listing records exactly as the Hub sent them (every repo's JSON, read from the compressed page
bodies: at the Hub's size, gigabytes that a user reads by id or with a filter, never whole).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import duckdb

RAW_VIEWS = ("models_raw", "datasets_raw", "spaces_raw")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--raw", action="store_true", help="also read the raw listing views (*_raw) whole")
    a = ap.parse_args()
    t_all = time.perf_counter()
    con = duckdb.connect(a.db, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    views = [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY view_name"
    ).fetchall() if a.raw or r[0] not in RAW_VIEWS]
    out: dict = {"views": {}, "failed": {}}
    for v in views:
        t0 = time.perf_counter()
        try:
            rel = con.sql(f'SELECT * FROM "{v}"')
            n = (rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()).num_rows
        except duckdb.Error as exc:
            out["failed"][v] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        out["views"][v] = {"s": round(time.perf_counter() - t0, 4), "rows": n}
    con.close()
    out["n_views"] = len(views)
    out["total_s"] = round(time.perf_counter() - t_all, 3)
    print(json.dumps(out), flush=True)
    return 1 if out["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
