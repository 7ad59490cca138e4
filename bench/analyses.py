"""Read every analysis of a published hub.duckdb (read-only) and time each one.

    python bench/analyses.py --db data/hub.duckdb

The build computes every ``analysis/<name>.sql`` into a table ``<name>`` (a view stays a view
only when it failed to evaluate at build time); views that remain (study / eval views a build
does not compute) are computed when read. This script reads every analysis relation and every
remaining view completely, as a user who runs all analyses would, in one process so
``bench/run.py`` can take its wall time and peak RSS. Prints one JSON line: per relation seconds
and rows, the total.

Not analyses, so not read unless ``--raw``: ``models_raw`` / ``datasets_raw`` / ``spaces_raw``, the
listing records exactly as the Hub sent them (every repo's JSON, read from the compressed page
bodies: at the Hub's size, gigabytes that a user reads by id or with a filter, never whole).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

ANALYSIS_DIR = Path(__file__).resolve().parents[1] / "analysis"

RAW_VIEWS = ("models_raw", "datasets_raw", "spaces_raw")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--raw", action="store_true", help="also read the raw listing views (*_raw) whole")
    ap.add_argument("--analysis-dir", type=Path, default=ANALYSIS_DIR, help="the analysis/*.sql files (default: %(default)s)")
    a = ap.parse_args()
    t_all = time.perf_counter()
    con = duckdb.connect(a.db, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    analyses = {p.stem for p in a.analysis_dir.glob("*.sql")}
    views = [name for name, kind in con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
    ).fetchall() if name in analyses or (kind == "VIEW" and (a.raw or name not in RAW_VIEWS))]
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
