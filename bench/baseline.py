"""The baseline a user would otherwise write: huggingface_hub listings into a list, then into DuckDB.

    python bench/baseline.py --endpoint http://127.0.0.1:8765 --db /tmp/baseline.duckdb \
        --model-expand author,createdAt,... --dataset-expand ... --space-expand ...

``bench/run.py`` starts this as its own process (so its wall time and peak RSS are its own) and
passes the same expand fields hubstudy's first crawl asks for (``LIGHT_FIELDS`` + ``HEAVY_FIELDS``
in ``hubstudy.crawl``), sorted by ``createdAt`` like hubstudy's first crawl. Deliberately plain:
``list(HfApi(endpoint=...).list_models(...))``, one row per repo (nested values as JSON text),
``pyarrow.Table.from_pylist`` and ``CREATE TABLE ... AS SELECT * FROM`` the Arrow table.
It does not import hubstudy. Prints one JSON line with its own phase timings.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from datetime import datetime
from typing import Any

# no telemetry, no implicit token: the user's script against a local endpoint
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402


def _default(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if hasattr(v, "to_dict"):  # CardData
        return v.to_dict()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return dataclasses.asdict(v)
    return str(v)


def _cell(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, datetime)):
        return v
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return v
    return json.dumps(v, default=_default)


def to_rows(infos: list[Any]) -> list[dict[str, Any]]:
    rows = [{k: _cell(v) for k, v in vars(info).items()} for info in infos]
    # columns whose Python types differ between rows (``gated`` is False or "auto"/"manual") become text
    kinds: dict[str, set[type]] = {}
    for r in rows:
        for k, v in r.items():
            if v is not None:
                kinds.setdefault(k, set()).add(type(v))
    mixed = [k for k, ts in kinds.items() if len(ts) > 1]
    for r in rows:
        for k in mixed:
            if r.get(k) is not None:
                r[k] = str(r[k])
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--model-expand", required=True)
    ap.add_argument("--dataset-expand", required=True)
    ap.add_argument("--space-expand", required=True)
    ap.add_argument("--types", default="model,dataset,space")
    a = ap.parse_args()

    api = HfApi(endpoint=a.endpoint, token=False)
    listers = {"model": api.list_models, "dataset": api.list_datasets, "space": api.list_spaces}
    expand = {"model": a.model_expand, "dataset": a.dataset_expand, "space": a.space_expand}
    out: dict[str, Any] = {"list_s": {}, "rows": {}, "duckdb_s": {}}
    t_all = time.perf_counter()
    listed: dict[str, list[Any]] = {}
    for rt in a.types.split(","):
        t0 = time.perf_counter()
        listed[rt] = list(listers[rt](sort="created_at", expand=[f for f in expand[rt].split(",") if f]))
        out["list_s"][rt] = round(time.perf_counter() - t0, 3)
        out["rows"][rt] = len(listed[rt])
    if os.path.exists(a.db):
        os.unlink(a.db)
    con = duckdb.connect(a.db)
    for rt, infos in listed.items():
        t0 = time.perf_counter()
        tbl = pa.Table.from_pylist(to_rows(infos))  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"CREATE TABLE {rt}s AS SELECT * FROM tbl")
        out["duckdb_s"][rt] = round(time.perf_counter() - t0, 3)
    con.close()
    out["total_s"] = round(time.perf_counter() - t_all, 3)
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
