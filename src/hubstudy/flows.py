"""Prefect flow ``nightly``: crawl -> parents -> evals -> build -> reports.

Thin by design: each task calls one function of :mod:`hubstudy.pipeline`, which is where the
work and the tests are. The token is never a flow or task parameter (Prefect stores those); it
is resolved inside the run the usual huggingface_hub way. Tasks share one HTTP client per
endpoint so pacing carries across them, and Prefect task retries are off for the network steps:
the client is the one retry layer, so attempts never multiply.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from .client import HubClient
from .pipeline import Settings, nightly as _plain_nightly, resolve_parents, run_build, run_crawl, run_eval_fetch, run_reports
from .storage import DataDir

_clients: dict[str, HubClient] = {}


def _settings(params: dict[str, Any]) -> Settings:
    return Settings.from_args(**params)


def _client(s: Settings) -> HubClient:
    if s.endpoint not in _clients:
        _clients[s.endpoint] = s.client()
    return _clients[s.endpoint]


def _emit() -> Any:
    logger = get_run_logger()
    return lambda msg: logger.info(msg)


@task(name="crawl", cache_policy=NO_CACHE)
def crawl_task(params: dict[str, Any]) -> list[dict[str, Any]]:
    s = _settings(params)
    return [{k: v for k, v in r.items() if k != "stats"} for r in run_crawl(s, _client(s), _emit())]


@task(name="resolve-parents", cache_policy=NO_CACHE)
def parents_task(params: dict[str, Any]) -> dict[str, int]:
    s = _settings(params)
    return resolve_parents(s, _client(s), _emit())


@task(name="fetch-evals", cache_policy=NO_CACHE)
def evals_task(params: dict[str, Any]) -> dict[str, Any]:
    s = _settings(params)
    return run_eval_fetch(s, _client(s), _emit())


@task(name="build", cache_policy=NO_CACHE)
def build_task(params: dict[str, Any]) -> dict[str, Any]:
    r = run_build(_settings(params), _emit())
    return {"db": str(r.db_path), "snapshot_date": r.snapshot_date, "counts": r.counts, "seconds": r.seconds}


@task(name="reports", cache_policy=NO_CACHE)
def reports_task(params: dict[str, Any]) -> list[str]:
    return [str(p) for p in run_reports(_settings(params), _emit())]


@flow(name="nightly", log_prints=False)
def nightly(
    endpoint: str | None = None,
    data_dir: str | None = None,
    reports_dir: str | None = None,
    date: str | None = None,
    force: bool = False,
    recrawl: bool = False,
    anonymous: bool = False,
    page_workers: int | None = None,
    full_build: bool = False,
) -> dict[str, Any]:
    """The nightly crawl and rebuild. Parameters mirror `hubstudy nightly`."""
    params = {"endpoint": endpoint, "data_dir": data_dir, "reports_dir": reports_dir, "date": date,
              "force": force, "recrawl": recrawl, "anonymous": anonymous, "page_workers": page_workers,
              "full_build": full_build}
    s = _settings(params)
    params["date"] = s.date  # one date for every task, even across midnight
    with DataDir(s.data_dir).lock():
        try:
            crawled = crawl_task(params)
            parents = parents_task(params)
            evals = evals_task(params)
        finally:
            client = _clients.pop(s.endpoint, None)
            if client:
                client.close()
        built = build_task(params)
        pages = reports_task(params)
    return {"crawl": crawled, "parents": parents, "evals": evals, "build": built, "reports": pages}


__all__ = ["nightly", "_plain_nightly"]
logging.getLogger("httpx").setLevel(logging.WARNING)
