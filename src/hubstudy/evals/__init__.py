"""Eval sources: where scores come from and how they become one table, ``eval_scores``.

Five sources, in three modules of the same shape (constants and pure parsing or SQL text; the
I/O lives in ``_files`` for HTTP and ``_load`` for DuckDB). Uniform harness sources:

* ``open_llm_leaderboard``: dataset ``open-llm-leaderboard/contents``, ``data/*.parquet``;
  key = the benchmark, value = ``<X> Raw`` (a fraction).
* ``mteb``: dataset ``mteb/results``, every shard under ``data/``; key = (task_name, split,
  subset), value = ``score`` (0..1); rows with ``model_revision == "external"`` excluded.

Self-reported sources, key = (dataset type or id, config, split, metric type):

* ``mteb_external``: the ``external`` rows of ``mteb/results``.
* ``model_index``: ``models.model_index`` (the card's ``model-index``), else the copy in
  ``models.card_data``.
* ``eval_results``: ``models.eval_results`` (``.eval_results/*.yaml``; dataset id and task_id).

Self-reported scores cost no request of their own: the crawler already fetches ``model-index`` and
``evalResults`` through the listing's ``expand`` for every new or changed model, so they are read
from the ``models`` table.

Two steps, both safe to repeat:

* :func:`fetch_all` ``(client, data_dir, snapshot_date, log=None)`` lists each dataset's ``data/``
  folder with the tree API (``HF_ENDPOINT`` is the client's) and downloads a parquet file into
  ``<data_dir>/evals/<source>/<path in repo>`` only when its ``oid`` or ``size`` changed since the
  last run (``<data_dir>/evals/state.json``). A source that cannot be fetched keeps last run's files.
* :func:`load` ``(con, data_dir, snapshot_date, reuse=None)`` rebuilds ``eval_scores`` in a DuckDB
  connection that already has ``models`` (an incremental build passes a :class:`Reuse`, so that
  only the changed models' documents are parsed again), and writes what could not be used to ``quarantine``
  (stage ``evals``) with its reason. Malformed values (``"62.03%"``, NaN, wrong shapes, unknown
  metrics) are read when they can be and quarantined otherwise: never dropped silently, never fatal.

The table's columns are in :data:`EVAL_SCORES` (and the README). Comparisons built on it are in
:mod:`hubstudy.study`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from hubstudy.errors import HubError
from hubstudy.storage import atomic_write_json

from . import leaderboard, mteb
from ._files import sync_folder
from ._load import Reuse, ensure_tables, load
from ._records import Problem, Score, parse_score, self_reported_key
from .mteb import task_result_rows
from .schema import EVAL_SCORES, SOURCES_SELF_REPORTED, SOURCES_UNIFORM
from .self_reported import parse_eval_results, parse_model_index

__all__ = [
    "EVAL_SCORES",
    "REMOTE_SOURCES",
    "SOURCES_SELF_REPORTED",
    "SOURCES_UNIFORM",
    "Problem",
    "Reuse",
    "Score",
    "ensure_tables",
    "fetch_all",
    "load",
    "parse_eval_results",
    "parse_model_index",
    "parse_score",
    "self_reported_key",
    "task_result_rows",
]

_log = logging.getLogger(__name__)

# source name -> (dataset repo id, folder holding its parquet files)
REMOTE_SOURCES: dict[str, tuple[str, str]] = {
    leaderboard.SOURCE: (leaderboard.REPO_ID, leaderboard.FOLDER),
    mteb.SOURCE: (mteb.REPO_ID, mteb.FOLDER),
}


def _read_state(path: Path, log: Callable[[str], None]) -> dict[str, Any]:
    try:
        state = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except orjson.JSONDecodeError:
        log(f"evals: {path} is not valid JSON; every file will be checked and downloaded again")
        return {}
    return state if isinstance(state, dict) else {}


def fetch_all(
    client: Any,
    data_dir: str | Path,
    snapshot_date: str | dt.date,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Download the leaderboard table and the MTEB shards that changed since the last run.

    Returns ``{"snapshot_date", "sources": {name: {"status": "ok", "files", "downloaded",
    "unchanged", "removed", "bytes", "bad_entries"} or {"status": "failed", "error"}}}``.
    """
    say = log or _log.info
    root = Path(data_dir) / "evals"
    state_path = root / "state.json"
    state = _read_state(state_path, say)
    day = str(snapshot_date)
    summary: dict[str, Any] = {"snapshot_date": day, "sources": {}}
    for name, (repo_id, folder) in REMOTE_SOURCES.items():
        before = state.get(name) if isinstance(state.get(name), dict) else {}
        try:
            new_state, counts = sync_folder(client, repo_id, folder, root / name, before, say)
        except (HubError, OSError) as exc:
            # One source failing must not stop the other; its last files stay usable.
            say(f"evals: fetching {repo_id} failed, keeping the files of the last run: {exc}")
            summary["sources"][name] = {"status": "failed", "error": str(exc)}
            continue
        changed = counts["downloaded"] or counts["removed"]
        new_state["checked"] = day
        new_state["changed"] = day if changed else before.get("changed", day)
        state[name] = new_state
        atomic_write_json(state_path, state)
        summary["sources"][name] = {"status": "ok", **counts}
        say(f"evals: {repo_id}: {counts['files']} files, {counts['downloaded']} downloaded, {counts['unchanged']} unchanged")
    return summary
