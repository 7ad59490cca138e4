"""Schedule hubstudy's nightly flow.

One machine, no server to run:            python flows/nightly.py            (serves a cron schedule)
A Prefect server with a work pool:        prefect deploy --all              (reads prefect.yaml)

The flow itself lives in the library (hubstudy.flows.nightly) so that the CLI, the tests and the
deployment all run the same code.
"""

from __future__ import annotations

import argparse
import os

from hubstudy.flows import nightly

__all__ = ["nightly"]

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cron", default=os.environ.get("HUBSTUDY_CRON", "0 2 * * *"), help="UTC cron (default 02:00 daily)")
    ap.add_argument("--endpoint", default=None)
    ap.add_argument("--data-dir", default=os.environ.get("HUBSTUDY_DATA_DIR", "data"))
    ap.add_argument("--reports-dir", default=os.environ.get("HUBSTUDY_REPORTS_DIR", "reports"))
    a = ap.parse_args()
    nightly.serve(
        name="hubstudy-nightly",
        cron=a.cron,
        parameters={"endpoint": a.endpoint, "data_dir": os.path.abspath(a.data_dir), "reports_dir": os.path.abspath(a.reports_dir)},
    )
