"""``python -m hubstudy.reports DB [OUT_DIR] [--generated]``: build the report pages."""

from __future__ import annotations

import argparse
import logging
import sys

from . import build_reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hubstudy.reports", description=__doc__)
    parser.add_argument("db", help="the hubstudy DuckDB file, e.g. data/hub.duckdb")
    parser.add_argument("out_dir", nargs="?", default="reports", help="where to write the pages (default: reports)")
    parser.add_argument("--generated", action="store_true", help="mark every page as built from a generated world")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in build_reports(args.db, args.out_dir, generated_world=True if args.generated else None):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
