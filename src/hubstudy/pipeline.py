"""The nightly pipeline as plain library calls: crawl -> parents -> evals -> build -> reports.

The Prefect flow in :mod:`hubstudy.flows` sequences exactly these functions; they are also what
the CLI and the tests call, so everything can run (and be tested) without a Prefect server.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

from .client import HubClient, resolve_endpoint, resolve_token
from .crawl import crawl
from .errors import ConfigError, HubHTTPError
from .storage import DataDir, atomic_write_json, read_json

log = logging.getLogger("hubstudy")


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


@dataclass(frozen=True)
class Settings:
    """Configuration, read once from flags and the environment and passed down explicitly."""

    endpoint: str
    data_dir: Path
    reports_dir: Path
    date: str
    token: str | None = field(default=None, repr=False)
    repo_types: tuple[str, ...] = ("model", "dataset", "space")
    page_size: int = 1000
    page_workers: int | None = None  # processes that decode and write pages; None: crawl.default_page_workers()
    force: bool = False
    full_build: bool = False  # rebuild every table instead of starting from the published database
    recrawl: bool = False
    parent_budget: int = 1000
    generated_world: bool | None = None
    timeout: float = 30.0
    reset_margin: float = 1.0

    @classmethod
    def from_args(cls, endpoint: str | None = None, data_dir: str | None = None, reports_dir: str | None = None,
                  date: str | None = None, **kw: Any) -> Settings:
        ep = resolve_endpoint(endpoint)
        dd = Path(data_dir or os.environ.get("HUBSTUDY_DATA_DIR") or "data").expanduser().resolve()
        rd = Path(reports_dir or os.environ.get("HUBSTUDY_REPORTS_DIR") or "reports").expanduser().resolve()
        day = date or today()
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            raise ConfigError(f"--date must look like 2026-11-28, got {day!r}") from None
        token = kw.pop("token", None)
        if token is None and not kw.pop("anonymous", False):
            token = resolve_token()
        else:
            kw.pop("anonymous", None)
        return cls(endpoint=ep, data_dir=dd, reports_dir=rd, date=day, token=token, **kw)

    def client(self, **kw: Any) -> HubClient:
        return HubClient(self.endpoint, self.token, timeout=self.timeout, reset_margin=self.reset_margin, **kw)


def run_crawl(s: Settings, client: HubClient, emit: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    dd = DataDir(s.data_dir)
    dd.ensure()
    results = crawl(client, dd, s.date, s.repo_types, page_size=s.page_size, recrawl=s.recrawl, emit=emit,
                    page_workers=s.page_workers)
    state = read_json(dd.state / "crawl_state.json", {}) or {}
    if client.world is not None or s.generated_world is not None:
        gen = s.generated_world if s.generated_world is not None else "generated" in (client.world or "")
        state.setdefault("world", {})[s.date] = {"generated": gen, "endpoint": s.endpoint, "detail": client.world}
        atomic_write_json(dd.state / "crawl_state.json", state)
    return [r.__dict__ for r in results]


def resolve_parents(s: Settings, client: HubClient, emit: Callable[[str], None] | None = None) -> dict[str, int]:
    """Ask the Hub about declared parents that match no crawled id (renamed or deleted repos).

    A renamed repo answers with a redirect to its new id; a deleted one with 404. Answers are
    cached in ``state/parent_aliases.json`` so each name costs one request, ever; at most
    ``parent_budget`` names are asked per night.
    """
    dd = DataDir(s.data_dir)
    snap = dd.snapshot("model", s.date)
    files = [str(p) for sub in ("full", "light", "heavy") for p in sorted((snap / sub).glob("page-*.parquet"))]
    if not files:
        return {"asked": 0, "renamed": 0, "missing": 0}
    cache_path = dd.state / "parent_aliases.json"
    cache: dict[str, Any] = read_json(cache_path, {}) or {}
    con = duckdb.connect()
    con.execute("CREATE TABLE p AS SELECT id, tag_edges, card_edges FROM read_parquet($f)", {"f": files})
    unknown = [r[0] for r in con.execute(
        """WITH ids AS (SELECT DISTINCT lower(id) AS lid FROM p WHERE id IS NOT NULL),
                declared AS (SELECT DISTINCT e.parent AS parent FROM (
                    SELECT unnest(tag_edges) AS e FROM p UNION ALL SELECT unnest(card_edges) FROM p))
           SELECT parent FROM declared WHERE lower(parent) NOT IN (SELECT lid FROM ids) ORDER BY parent"""
    ).fetchall()]
    con.close()
    todo = [u for u in unknown if u not in cache][: s.parent_budget]

    def ask(name: str) -> dict[str, Any]:
        try:
            resp = client.request("GET", f"/api/models/{quote(name, safe='/')}", {"expand": ["sha"]},
                                  follow_redirects=False)
        except HubHTTPError as exc:
            if exc.status in (401, 403, 404, 410):
                return {"id": None, "checked": s.date, "status": "missing"}
            raise
        if resp.is_redirect:  # a renamed repo: its new id is in the Location, no need to follow it
            new = _model_id_from_location(resp.headers.get("location", ""))
        else:
            try:
                info = resp.json()
            except ValueError:
                info = None
            new = info.get("id") if isinstance(info, dict) else None
        moved = isinstance(new, str) and new != name
        return {"id": new if moved else None, "checked": s.date, "status": "renamed" if moved else "exists"}

    try:
        for name, answer in _bounded_parallel(client, todo, ask):
            cache[name] = answer
    finally:  # answers already in hand are kept even if a later request fails
        if todo:
            atomic_write_json(cache_path, cache)
    renamed = sum(cache[n]["status"] == "renamed" for n in todo)
    missing = sum(cache[n]["status"] == "missing" for n in todo)
    out = {"unknown": len(unknown), "asked": len(todo), "renamed": renamed, "missing": missing}
    if emit:
        emit(f"parents: {len(unknown)} declared parents not crawled; asked {len(todo)}: {renamed} renamed, {missing} missing")
    return out


def _model_id_from_location(location: str) -> str | None:
    """``/api/models/<org>/<name>[?...]`` (absolute or not) -> ``<org>/<name>``.

    >>> _model_id_from_location("/api/models/google-bert/bert-base-uncased?expand=sha")
    'google-bert/bert-base-uncased'
    >>> _model_id_from_location("https://hub.example/api/models/gpt2") is None
    False
    """
    from urllib.parse import unquote, urlsplit

    path = unquote(urlsplit(location).path)
    marker = "/api/models/"
    if marker not in path:
        return None
    rest = path.split(marker, 1)[1].strip("/")
    return rest.split("/revision/")[0] or None


def _bounded_parallel(client: HubClient, items: list[str], fn: Callable[[str], Any], workers: int = 6) -> Iterator[tuple[str, Any]]:
    """(item, fn(item)) for every item, a few requests in flight while the quota leaves room.

    When the window's remaining quota (from the RateLimit headers) gets close to what could be in
    flight, requests go one at a time again so the client's pacing keeps the crawl free of 429s.
    """
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    with ThreadPoolExecutor(workers, thread_name_prefix="parents") as pool:
        running: dict[Any, str] = {}
        for item in items:
            while running and (len(running) >= workers or (client.stats.remaining is not None
                                                              and client.stats.remaining <= 2 * workers + len(running))):
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    yield running.pop(f), f.result()
            running[pool.submit(fn, item)] = item
        for f in list(running):
            yield running.pop(f), f.result()


def run_eval_fetch(s: Settings, client: HubClient, emit: Callable[[str], None] | None = None) -> dict[str, Any]:
    try:
        from . import evals
    except ImportError:
        return {}
    if not hasattr(evals, "fetch_all"):
        return {}
    return evals.fetch_all(client, s.data_dir, s.date, log=emit)


def run_build(s: Settings, emit: Callable[[str], None] | None = None):
    from .build import build

    return build(DataDir(s.data_dir), s.date, force=s.force, full=s.full_build, generated_world=s.generated_world, emit=emit)


def run_reports(s: Settings, emit: Callable[[str], None] | None = None) -> list[Path]:
    try:
        from .reports import build_reports
    except ImportError:
        return []
    pages = build_reports(DataDir(s.data_dir).db, s.reports_dir)
    if emit:
        emit(f"reports: {len(pages)} files under {s.reports_dir}")
    return pages


def nightly(s: Settings, emit: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The whole pipeline without Prefect (the flow calls the same steps)."""
    dd = DataDir(s.data_dir)
    with dd.lock():
        with s.client() as client:
            crawl_results = run_crawl(s, client, emit)
            parents = resolve_parents(s, client, emit)
            evals = run_eval_fetch(s, client, emit)
        result = run_build(s, emit)
        pages = run_reports(s, emit)
    return {"crawl": crawl_results, "parents": parents, "evals": evals, "build": result, "reports": pages}
