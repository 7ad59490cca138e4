"""The crawl: Hub listings -> one Parquet file per page, resumable, incremental.

A first crawl of a repo type is one pass over the listing, sorted by ``createdAt`` (a key that
does not move while we page: keyset cursors over downloads or likes skip and repeat rows as the
counts change mid-crawl), with every field we keep, heavy ones included. Later nights make

* a **light** pass over all repos (counts, tags, dates, sha: what changes every day), and
* for models, a **heavy** pass sorted by ``lastModified`` that fetches card data and
  self-reported evals only for repos changed since the previous crawl, stopping at that crawl's
  high-water mark (minus a look-back that covers changes made while it ran).

So a nightly costs ceil(repos/1000) + ceil(changed/1000) listing requests.

Pages are written in groups of :data:`PAGES_PER_FILE`: one ``page-NNNNNN.parquet`` per group,
named after its first page (each row keeps its own ``page`` and ``pos``), and one
``page-NNNNNN.json.zst`` per page (its body as received). The resume point (the next URL) is saved
once a group is on disk. A failed request lands the pages already in hand first; a killed process
loses at most the group it was filling and those in flight, which the next run asks for again.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pyarrow as pa

from .client import HubClient, Page, _loads
from .lineage import Edge, Issue, card_lineage, tag_lineage
from .storage import DataDir, append_jsonl, atomic_write_bytes, atomic_write_json, atomic_write_parquet, plural, read_json

log = logging.getLogger("hubstudy.crawl")

PAGE_SIZE = 1000
# Listing pages per Parquet file. A build reads every file of a night, and DuckDB's cost per file
# (footer, schema, one row group per column) is most of reading a page of 1000 rows: at the Hub's
# size, 2,500 model pages took 7.0 s to read with their cards (5.4 s without), against 4.0 s
# (3.4 s) in 250 files of 10 pages. Larger groups gained nothing more.
PAGES_PER_FILE = 10

LIGHT_FIELDS: dict[str, tuple[str, ...]] = {
    "model": (
        "author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes", "trendingScore",
        "pipeline_tag", "library_name", "tags", "gated", "private", "disabled", "sha", "safetensors",
    ),
    "dataset": (
        "author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes", "trendingScore",
        "tags", "gated", "private", "disabled", "sha",
    ),
    "space": (
        "author", "createdAt", "lastModified", "likes", "trendingScore", "tags", "sdk", "private", "disabled", "sha",
    ),
}
# Fetched only for new or changed models: card YAML and self-reported evals can be large.
HEAVY_FIELDS: dict[str, tuple[str, ...]] = {
    "model": ("cardData", "model-index", "evalResults", "gguf"),
    "dataset": (),
    "space": (),
}

_EDGE = pa.struct([("parent", pa.string()), ("relation", pa.string()), ("source", pa.string())])
_ISSUE = pa.struct([("reason", pa.string()), ("detail", pa.string()), ("raw", pa.string())])
# Parsed columns (the build reads columns instead of parsing millions of JSON documents each
# night); the page's body as received is kept beside them as ``page-NNNNNN.json.zst``; the heavy
# fields are also kept each as JSON text, for the evals.
PAGE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("oid", pa.string()),
        ("created_at", pa.string()),
        ("last_modified", pa.string()),
        ("author", pa.string()),
        ("downloads", pa.int64()),
        ("downloads_all_time", pa.int64()),
        ("likes", pa.int64()),
        ("trending_score", pa.float64()),
        ("pipeline_tag", pa.string()),
        ("library_name", pa.string()),
        ("sdk", pa.string()),
        ("license", pa.string()),
        ("num_parameters", pa.int64()),
        ("gated", pa.string()),
        ("private", pa.bool_()),
        ("disabled", pa.bool_()),
        ("sha", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("has_heavy", pa.bool_()),
        ("card_data", pa.string()),
        ("model_index", pa.string()),
        ("eval_results", pa.string()),
        ("gguf", pa.string()),
        ("card_license", pa.string()),
        ("gguf_total", pa.int64()),
        ("tag_edges", pa.list_(_EDGE)),
        ("card_edges", pa.list_(_EDGE)),
        ("issues", pa.list_(_ISSUE)),
        ("page", pa.int32()),
        ("pos", pa.int32()),
    ]
)
_I64 = 2**63 - 1


def _int(v: Any) -> int | None:
    """An integer as sent, or None for anything else (strings, bools, NaN, out of range)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if -_I64 <= v <= _I64 else None
    if isinstance(v, float) and v.is_integer() and abs(v) <= _I64:
        return int(v)
    return None


def _float(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if f == f and abs(f) != float("inf") else None


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _gated(v: Any) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else None


def _tags(v: Any) -> list[str] | None:
    return [t for t in v if isinstance(t, str)] if isinstance(v, list) else None


def _total(v: Any) -> int | None:
    return _int(v.get("total")) if isinstance(v, dict) else None


def dumps(obj: Any) -> str:
    """JSON text for any decoded value (lone surrogates and odd types included)."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj, ensure_ascii=True, default=str)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def compress_raw(body: bytes) -> bytes:
    """A page body for ``page-NNNNNN.json.zst``: zstd, valid UTF-8 (bytes that were not become U+FFFD),
    so DuckDB's ``read_json_objects`` can always read it back."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        body = body.decode("utf-8", errors="replace").encode("utf-8")
    return pa.compress(body, codec="zstd", asbytes=True)


def _ints(col: list[Any]) -> list[int | None]:
    return [v if type(v) is int and -_I64 <= v <= _I64 else _int(v) for v in col]


def _strs(col: list[Any]) -> list[str | None]:
    return [v if type(v) is str else None for v in col]


def page_table(records: list[Any], repo_type: str, page: int, with_light: bool, with_heavy: bool) -> pa.Table:
    """Turn one listing page into the page table (pure): parsed columns beside the raw JSON.

    Built column by column (a page holds 1000 records and this is the crawl's hot loop).
    """
    n = len(records)
    empty: dict[str, Any] = {}
    dicts = [r if type(r) is dict else empty for r in records]
    ids: list[str | None] = []
    issues: list[list[dict[str, str]]] = []
    tag_edges: list[list[dict[str, str]]] = []
    card_edges: list[list[dict[str, str]]] = []
    for rec, d in zip(records, dicts):
        probs: list[Issue] = []
        te: list[Edge] = []
        ce: list[Edge] = []
        if d is empty:
            rid = None
            probs.append(Issue("bad_record", f"listing entry is a {type(rec).__name__}, not an object", dumps(rec)[:2000]))
        else:
            rid = d.get("id")
            if type(rid) is not str or not rid.strip():
                probs.append(Issue("missing_id", "listing entry has no usable id", dumps(d)[:2000]))
                rid = None
            if rid and repo_type == "model":
                if with_light:
                    te, more = tag_lineage(rid, d.get("tags"))
                    probs.extend(more)
                if with_heavy:
                    ce, more = card_lineage(rid, d.get("cardData"))
                    probs.extend(more)
        ids.append(rid)
        issues.append([i._asdict() for i in probs] if probs else [])
        tag_edges.append([e._asdict() for e in te] if te else [])
        card_edges.append([e._asdict() for e in ce] if ce else [])

    def col(key: str) -> list[Any]:
        return [d.get(key) for d in dicts]

    tags = [(_tags(t) if t is not None else None) for t in col("tags")] if with_light else [None] * n
    cols: dict[str, list[Any]] = {
        "id": ids,
        "oid": _strs(col("_id")),
        "created_at": _strs(col("createdAt")),
        "last_modified": _strs(col("lastModified")),
        "author": _strs(col("author")),
        "downloads": _ints(col("downloads")),
        "downloads_all_time": _ints(col("downloadsAllTime")),
        "likes": _ints(col("likes")),
        "trending_score": [_float(v) for v in col("trendingScore")],
        "pipeline_tag": _strs(col("pipeline_tag")),
        "library_name": _strs(col("library_name")),
        "sdk": _strs(col("sdk")),
        "license": [next((x[8:] for x in t if x.startswith("license:")), None) if t else None for t in tags],
        "num_parameters": [_total(v) for v in col("safetensors")],
        "gated": [_gated(v) for v in col("gated")],
        "private": [v if type(v) is bool else None for v in col("private")],
        "disabled": [v if type(v) is bool else None for v in col("disabled")],
        "sha": _strs(col("sha")),
        "tags": tags,
        "tag_edges": tag_edges,
        "card_edges": card_edges,
        "issues": issues,
        "page": [page] * n,
        "pos": list(range(n)),
    }
    heavy_rows = [with_heavy and d is not empty for d in dicts]
    cols["has_heavy"] = heavy_rows
    if with_heavy:
        cards = col("cardData")
        cols["card_data"] = [dumps(v) if v is not None else None for v in cards]
        cols["model_index"] = [dumps(v) if v is not None else None for v in col("model-index")]
        cols["eval_results"] = [dumps(v) if v is not None else None for v in col("evalResults")]
        ggufs = col("gguf")
        cols["gguf"] = [dumps(v) if v is not None else None for v in ggufs]
        cols["card_license"] = [_str(c.get("license")) if type(c) is dict else None for c in cards]
        cols["gguf_total"] = [_total(v) for v in ggufs]
    else:
        for key in ("card_data", "model_index", "eval_results", "gguf", "card_license", "gguf_total"):
            cols[key] = [None] * n
    return pa.Table.from_pydict(cols, schema=PAGE_SCHEMA)


def store_pages(raws: list[bytes], records: list[list[Any]] | None, repo_type: str, numbers: list[int],
                with_light: bool, with_heavy: bool, path: str) -> str | None:
    """Write a group of consecutive pages: each page's body as received (``page-NNNNNN.json.zst``
    beside ``path``), then the parsed columns of all of them in one Parquet file, ``path``.

    Runs in a page worker process (``records`` None: each body is decoded here, one page at a
    time, so the records never cross a process boundary) or in a thread of the crawl (``records``
    already decoded, one list per page). Returns the group's newest ``lastModified`` (ISO text)
    for the high-water mark, or None.
    """
    target = Path(path)
    tables = []
    for i, (raw, number) in enumerate(zip(raws, numbers)):
        recs = _loads(raw) if records is None else records[i]
        tables.append(page_table(recs, repo_type, number, with_light, with_heavy))
        del recs
        atomic_write_bytes(target.with_name(f"page-{number:06d}.json.zst"), compress_raw(raw), sync=False)
    tbl = pa.concat_tables(tables) if len(tables) != 1 else tables[0]
    atomic_write_parquet(target, tbl)
    times = [t for t in map(parse_time, tbl.column("last_modified").to_pylist()) if t is not None]
    return max(times).isoformat() if times else None


def default_page_workers() -> int:
    """Page worker processes for a crawl: two where there are two cores or more, else none.

    Decoding a page of 1000 records and building its columns is Python work that holds the GIL
    (~70 µs a record); in processes of their own it runs beside the fetching instead of after it.
    ``HUBSTUDY_PAGE_WORKERS`` overrides (0 = in the crawl's own process).
    """
    env = os.environ.get("HUBSTUDY_PAGE_WORKERS")
    if env is not None and env.strip() != "":
        try:
            return max(0, int(env))
        except ValueError:
            from .errors import ConfigError

            raise ConfigError(f"HUBSTUDY_PAGE_WORKERS must be a whole number, got {env!r}") from None
    return 2 if (os.cpu_count() or 1) >= 2 else 0


def _worker_init(parent: int) -> None:
    """In a page worker: die with the crawl process (Linux), so a killed crawl leaves no writer behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: a worker then exits when its queue closes, after its current page
    if os.getppid() != parent:  # the crawl died before the line above ran: the signal will never come
        os._exit(0)


def page_pool(workers: int) -> Executor | None:
    """A pool of page worker processes (``spawn``: the crawl process runs threads, so no ``fork``)."""
    if workers <= 0:
        return None
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init,
                               initargs=(os.getpid(),))


@dataclass
class Pass:
    name: str  # full | light | heavy
    params: dict[str, Any]
    with_light: bool
    with_heavy: bool
    stop_before: str | None = None  # ISO time: stop after a page reaching below it
    next_url: str | None = None
    pages: int = 0
    rows: int = 0
    done: bool = False
    max_last_modified: str | None = None
    refused: list[str] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RunResult:
    repo_type: str
    snapshot_date: str
    run_id: str
    mode: str
    status: str
    rows: int = 0
    heavy_rows: int = 0
    pages: int = 0
    listing_requests: int = 0
    skipped: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class Progress:
    """Prints pages, repos/s, ETA and rate-limit waits at most every ``every`` seconds."""

    def __init__(self, label: str, expected: int | None, client: HubClient, every: float = 2.0,
                 emit: Callable[[str], None] | None = None):
        self.label, self.expected, self.client, self.every = label, expected, client, every
        self.emit = emit or (lambda s: log.info(s))
        self.t0 = time.monotonic()
        self.last = 0.0
        self.rows = 0
        self.pages = 0

    def update(self, pages: int, rows: int, force: bool = False) -> None:
        self.pages, self.rows = pages, rows
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        el = max(now - self.t0, 1e-9)
        rate = rows / el
        eta = ""
        if self.expected and rate > 0 and rows < self.expected:
            eta = f", ETA {_fmt_s((self.expected - rows) / rate)}"
        st = self.client.stats
        waits = f", rate-limit waits {st.rate_limit_waits} ({st.rate_limit_wait_s:.0f}s)" if st.rate_limit_waits else ""
        self.emit(f"{self.label}: page {pages}, {rows:,} repos, {rate:,.0f} repos/s{eta}{waits}")


def _fmt_s(s: float) -> str:
    s = int(s)
    return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def _now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def base_snapshot(dd: DataDir, repo_type: str, date: str) -> dict[str, Any] | None:
    """The latest completed crawl of this repo type before ``date``, with its high-water mark."""
    state = read_json(dd.state / "crawl_state.json", {}) or {}
    done = state.get(repo_type, {})
    for d in sorted(done, reverse=True):
        if d < date and (dd.snapshot(repo_type, d) / "_SUCCESS").exists():
            return {"date": d, **done[d]}
    return None


def plan_passes(repo_type: str, base: dict[str, Any] | None, page_size: int, lookback_s: float) -> tuple[str, list[Pass]]:
    light = list(LIGHT_FIELDS[repo_type])
    heavy = list(HEAVY_FIELDS[repo_type])
    if base is None or not heavy:
        params = {"sort": "createdAt", "limit": page_size, "expand": light + heavy}
        return "full", [Pass("full", params, True, bool(heavy))]
    hwm = parse_time(base.get("hwm"))
    look = max(lookback_s, float(base.get("duration_s") or 0.0))
    stop = None
    if hwm is not None:
        stop = datetime.fromtimestamp(hwm.timestamp() - look, tz=timezone.utc).isoformat()
    passes = [
        Pass("light", {"sort": "createdAt", "limit": page_size, "expand": light}, True, False),
        Pass("heavy", {"sort": "lastModified", "limit": page_size, "expand": ["lastModified", "sha", *heavy]},
             False, True, stop_before=stop),
    ]
    return "incremental", passes


def crawl_repo_type(
    client: HubClient,
    dd: DataDir,
    repo_type: str,
    date: str,
    *,
    page_size: int = PAGE_SIZE,
    lookback_s: float = 600.0,
    recrawl: bool = False,
    emit: Callable[[str], None] | None = None,
    pool: Executor | None = None,
    pages_per_file: int = PAGES_PER_FILE,
) -> RunResult:
    """Crawl one repo type into ``snapshots/<type>s/date=<date>/``; resumes an unfinished run.

    ``pool`` (from :func:`page_pool`) writes pages in worker processes; without one they are
    written by a thread of this process. ``pages_per_file``: see :data:`PAGES_PER_FILE`.
    """
    if pages_per_file < 1:
        raise ValueError(f"pages_per_file must be 1 or more, got {pages_per_file}")
    snap = dd.snapshot(repo_type, date)
    progress_path = snap / "_progress.json"
    runs_log = dd.state / "crawl_runs.jsonl"
    if (snap / "_SUCCESS").exists() and not recrawl:
        info = read_json(snap / "_SUCCESS", {}) or {}
        return RunResult(repo_type, date, info.get("run_id", ""), info.get("mode", ""), "complete",
                         rows=info.get("rows", 0), heavy_rows=info.get("heavy_rows", 0), skipped=True)
    if recrawl and snap.exists():
        import shutil

        shutil.rmtree(snap)
    saved = read_json(progress_path)
    resumed = saved is not None
    if saved:
        _close_interrupted(runs_log, saved["run_id"], repo_type)
        run_id, mode = f"{date}-{repo_type}-{uuid.uuid4().hex[:8]}", saved["mode"]
        passes = [Pass(**p) for p in saved["passes"]]
        for p in passes:  # the endpoint may have moved (a replay on a new port, a mirror): keep path and cursor
            p.next_url = _rebase(p.next_url, client)
        started = saved["started_at"]
        base = saved.get("base")
        _drop_pages_after(snap, passes)
    else:
        base = base_snapshot(dd, repo_type, date)
        mode, passes = plan_passes(repo_type, base, page_size, lookback_s)
        run_id = f"{date}-{repo_type}-{uuid.uuid4().hex[:8]}"
        started = _now()

    def save(state: list[dict[str, Any]] | None = None) -> None:
        atomic_write_json(progress_path, {"run_id": run_id, "mode": mode, "started_at": started, "base": base,
                                          "passes": state if state is not None else [p.state() for p in passes]})

    before = client.stats.snapshot()
    t0 = time.monotonic()
    row = {"run_id": run_id, "snapshot_date": date, "repo_type": repo_type, "mode": mode, "status": "running",
           "started_at": started, "finished_at": None, "resumed": resumed, "error": None}
    append_jsonl(runs_log, row)
    save()
    expected = (base or {}).get("rows") or read_json(dd.state / "crawl_state.json", {}).get(f"{repo_type}_last_rows")
    listing = 0
    # Three things overlap: the next page is fetched (network, mostly outside the GIL) while
    # earlier groups of pages are decoded, parsed and written by the page workers (processes of
    # their own, or one thread of this process without a pool). A group's resume point (after its
    # last page) is saved only once it and every group before it are on disk, in page order.
    own = pool is None
    workers: Executor = pool if pool is not None else ThreadPoolExecutor(1, thread_name_prefix="page-writer")
    depth = 1 if own else 2 * max(1, getattr(pool, "_max_workers", 1))
    inflight: deque[tuple[Future[str | None], Pass, list[dict[str, Any]], int]] = deque()
    group: list[Page] = []  # fetched pages of the pass `current` not yet handed to a writer
    current: list[Any] = [None, 0]  # (pass, its index)

    def settle(limit: int) -> None:
        """Wait for the oldest pages until at most ``limit`` are in flight; save their resume points."""
        while len(inflight) > limit:
            fut, q, state, idx = inflight[0]
            top = fut.result()
            inflight.popleft()
            if top is not None and q.name != "heavy":
                known = parse_time(q.max_last_modified)
                if known is None or parse_time(top) > known:  # type: ignore[operator]
                    q.max_last_modified = top
            state[idx]["max_last_modified"] = q.max_last_modified
            save(state)

    def hand_over() -> None:
        """Give the pages in hand to a writer, as one file named after the first; their resume
        point is the pass's state now (after the last of them)."""
        if not group:
            return
        q, idx = current
        state = [x.state() for x in passes]
        settle(depth - 1)
        target = str(snap / q.name / f"page-{group[0].number:06d}.parquet")
        fut = workers.submit(store_pages, [pg.raw for pg in group], [pg.records for pg in group] if own else None,
                             repo_type, [pg.number for pg in group], q.with_light, q.with_heavy, target)
        inflight.append((fut, q, state, idx))
        group.clear()

    try:
        for p in passes:
            if p.done:
                continue
            prog = Progress(f"{plural(repo_type)} [{p.name}]", expected if p.name != "heavy" else None, client, emit=emit)
            path = f"/api/{plural(repo_type)}"
            idx = passes.index(p)
            # page workers decode the pages themselves; this process decodes only what it must
            # read: every page without workers, the heavy pass's pages for its stop check
            decode = own or p.stop_before is not None
            current[:] = [p, idx]
            for page in _prefetched(_pages(client, path, p, emit, decode), lambda pg, p=p: _keep_going(pg, p)):
                listing += 1
                p.pages = page.number
                p.rows += len(page.records)
                p.next_url = page.next_url
                if not _keep_going(page, p):
                    p.done = True
                group.append(page)
                if len(group) >= pages_per_file or p.done:
                    hand_over()
                prog.update(p.pages, p.rows)
                if p.done:
                    break
            hand_over()
            settle(0)
            p.done = True
            save()
            prog.update(p.pages, p.rows, force=True)
    except BaseException as exc:
        # let the pages in hand land with their resume points, in order, as far as they go
        try:
            hand_over()
            settle(0)
        except BaseException:
            pass
        if own:
            workers.shutdown(wait=True)
        if not isinstance(exc, Exception):
            raise
        st = _delta(before, client.stats.snapshot())
        fail = {**row, "status": "failed", "finished_at": _now(), "error": f"{type(exc).__name__}: {exc}"[:2000],
                "listing_requests": listing, **_counts(passes), **st}
        append_jsonl(runs_log, fail)
        raise
    if own:
        workers.shutdown(wait=True)
    st = _delta(before, client.stats.snapshot())
    counts = _counts(passes)
    hwm = next((p.max_last_modified for p in passes if p.name in ("full", "light")), None)
    done = {**row, "status": "complete", "finished_at": _now(), "listing_requests": listing, **counts, **st}
    append_jsonl(runs_log, done)
    state = read_json(dd.state / "crawl_state.json", {}) or {}
    state.setdefault(repo_type, {})[date] = {"hwm": hwm, "rows": counts["rows"], "mode": mode,
                                             "duration_s": round(time.monotonic() - t0, 1)}
    state[f"{repo_type}_last_rows"] = counts["rows"]
    atomic_write_json(dd.state / "crawl_state.json", state)
    atomic_write_bytes(snap / "_SUCCESS", orjson.dumps({"run_id": run_id, "mode": mode, **counts}))
    progress_path.unlink(missing_ok=True)
    return RunResult(repo_type, date, run_id, mode, "complete", rows=counts["rows"], heavy_rows=counts["heavy_rows"],
                     pages=counts["pages"], listing_requests=listing, stats=st)


def _keep_going(page: Page, p: Pass) -> bool:
    """Whether the pass asks for the page after ``page`` (also judged in the prefetch thread)."""
    if page.next_url is None or not page.records:
        return False
    if p.stop_before:
        cut = parse_time(p.stop_before)
        times = [t for t in (parse_time(r.get("lastModified")) for r in page.records if type(r) is dict) if t]
        if times and cut is not None and min(times) < cut:
            return False
    return True


def _prefetched(pages: Iterator[Page], keep_going: Callable[[Page], bool]) -> Iterator[Page]:
    """Fetch the next page in a background thread while the caller works on this one.

    At most one page ahead, and only when ``keep_going`` says the pass continues, so the
    request count is exactly what a sequential crawl would send.
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def run() -> None:
        try:
            for page in pages:
                q.put(("page", page))
                if stop.is_set() or not keep_going(page):
                    break
            q.put(("end", None))
        except BaseException as exc:  # handed to the consumer
            q.put(("error", exc))

    t = threading.Thread(target=run, name="page-prefetch", daemon=True)
    t.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "page":
                yield item
            elif kind == "end":
                return
            else:
                raise item
    finally:
        stop.set()
        while t.is_alive():
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        t.join()


def _pages(client: HubClient, path: str, p: Pass, emit: Callable[[str], None] | None,
           decode: bool = True) -> Iterator[Page]:
    """The pass's pages; a first page refused for an ``expand`` field is asked again without it.

    The Hub adds and retires fields without notice: a field it no longer accepts (a 400 naming
    it) should cost that field, not the night. The refused field is logged and kept in the
    pass's state.
    """
    from .errors import HubHTTPError

    while True:
        try:
            yield from client.paginate(path, p.params, start_url=p.next_url, start_number=p.pages, decode=decode)
            return
        except HubHTTPError as exc:
            fields = [f for f in p.params.get("expand", []) if exc.status == 400 and f in str(exc)]
            if p.pages or p.next_url or not fields:
                raise
            p.params = {**p.params, "expand": [f for f in p.params["expand"] if f not in fields]}
            p.refused = [*p.refused, *fields]
            (emit or log.warning)(f"the Hub refused expand={','.join(fields)} on {path}; crawling without it")


def _close_interrupted(runs_log, run_id: str, repo_type: str) -> None:
    """A run that left a resume point but never said how it ended was killed: say so."""
    last = None
    if runs_log.exists():
        for line in runs_log.read_bytes().splitlines():
            try:
                ev = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if ev.get("run_id") == run_id and ev.get("repo_type") == repo_type:
                last = ev
    if last and last.get("status") == "running":
        append_jsonl(runs_log, {**last, "status": "interrupted", "finished_at": None,
                                "error": "the process stopped without finishing (killed or crashed); resumed by a later run"})


def _drop_pages_after(snap: Path, passes: list[Pass]) -> None:
    """Remove page files a killed run wrote beyond its last saved resume point.

    Pages are written ahead of the resume point (by the page workers); the resumed run asks for
    those pages again, and one it no longer reaches (the listing got shorter) must not stay behind.
    """
    for p in passes:
        folder = snap / p.name
        if not folder.is_dir():
            continue
        for f in folder.iterdir():
            name = f.name
            if name.startswith("page-") and (name.endswith(".parquet") or name.endswith(".json.zst")):
                try:
                    number = int(name[5:].split(".", 1)[0])
                except ValueError:
                    continue
                if number > p.pages:
                    f.unlink(missing_ok=True)


def _rebase(url: str | None, client: HubClient) -> str | None:
    if not url:
        return url
    parts = urlsplit(url)
    return client.url(parts.path + (f"?{parts.query}" if parts.query else ""))


def _counts(passes: list[Pass]) -> dict[str, int]:
    return {
        "rows": sum(p.rows for p in passes if p.with_light),
        "heavy_rows": sum(p.rows for p in passes if p.with_heavy),
        "pages": sum(p.pages for p in passes),
    }


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    keys = ("requests", "retries", "http_429", "rate_limit_waits", "rate_limit_wait_s")
    return {k: round(after[k] - before[k], 3) if isinstance(after[k], float) else after[k] - before[k] for k in keys}


def crawl(
    client: HubClient,
    dd: DataDir,
    date: str,
    repo_types: tuple[str, ...] = ("model", "dataset", "space"),
    page_workers: int | None = None,
    **kw: Any,
) -> list[RunResult]:
    """Crawl every repo type; one failing type does not stop the others, but the error is raised at the end.

    ``page_workers``: processes that decode and write pages (default :func:`default_page_workers`).
    """
    results: list[RunResult] = []
    errors: list[str] = []
    pool = page_pool(default_page_workers() if page_workers is None else page_workers)
    try:
        for rt in repo_types:
            try:
                results.append(crawl_repo_type(client, dd, rt, date, pool=pool, **kw))
            except Exception as exc:
                errors.append(f"{plural(rt)}: {type(exc).__name__}: {exc}")
                results.append(RunResult(rt, date, "", "", "failed", error=str(exc)))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if errors:
        from .errors import HubError

        raise HubError("crawl failed; completed pages are kept and the next run resumes from them: " + "; ".join(errors))
    return results
