"""The build: Parquet snapshots -> a DuckDB file, swapped in atomically.

The database is written under a temporary name beside ``hub.duckdb``, checked by the quality
gate, and only then renamed over the published file. A reader that has the old file open keeps
reading the old file; the next connection sees the new one. Nobody ever sees half a build.

The temporary file starts empty (a full build) or, most nights, as a copy of the published
database, whose repo tables are then brought up to date in place (an incremental build, see
:func:`incremental_base` and :func:`_write_rows`); both give the same tables.

Steps: day summaries of earlier nights still missing one -> tables from pages (dedup, the
night's summary, quarantine, first_seen from earlier summaries; models with their lineage counts,
worked out before the insert) -> model_snapshots -> lineage (normalised parents) -> model_family
-> eval tables and study views (when present) -> analysis views, computed into tables -> quality gate -> publish.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from . import schema
from .errors import QualityGateError
from .crawl import PAGE_SCHEMA
from .lineage import families
from .storage import REPO_TYPES, DataDir, atomic_write_json, atomic_write_parquet, plural, read_json

log = logging.getLogger("hubstudy.build")

FLOOR = "2022-03-02 23:29:04"
DEFAULT_ANALYSIS_DIR = Path(__file__).resolve().parents[2] / "analysis"
# DuckDB's memory limit for the build (past it DuckDB spills joins, aggregates and sorts to a temp
# folder beside the database); its own default, 80% of RAM, lets one build take the machine. Ours:
# a quarter of RAM, at least 1GB and at most 4GB. At the Hub's full size a full nightly rebuild took
# 94 s at 4GB (peak RSS 3.6 GB) against 122 s at 1GB (1.3 GB), spilling less. HUBSTUDY_BUILD_MEMORY
# overrides it (e.g. "1GB" on a small machine).
MEMORY_MIN_GB, MEMORY_MAX_GB = 1, 4


def default_memory_limit() -> str:
    """A quarter of this machine's RAM, clamped to [MEMORY_MIN_GB, MEMORY_MAX_GB]."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return f"{MEMORY_MIN_GB}GB"
    return f"{min(MEMORY_MAX_GB, max(MEMORY_MIN_GB, ram / 4 / 1e9)):.1f}GB"


@dataclass
class GateCheck:
    name: str
    measured: float
    threshold: float
    passed: bool
    detail: str


@dataclass
class BuildResult:
    db_path: Path
    snapshot_date: str
    counts: dict[str, int]
    checks: list[GateCheck]
    published: bool
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)
    base: str | None = None  # the published database's date an incremental build started from


# Columns stored with zstd instead of DuckDB's default dictionary + FSST. The cards' JSON is large,
# seldom-read text, which zstd packs a third smaller for a fraction of the CPU. Repo ids and shas
# are unique strings: dictionary + FSST find little to share in them but cost the most CPU of any
# column to write, where zstd writes them in about half the time, into a sixth of the blocks, and
# reads and joins them as fast (measured at full size on model_family: 2.5M rows written in 1.3 s
# against 2.2 s). Low-cardinality text (pipeline_tag, license, relation...) keeps the default,
# which groups and filters faster. Storage only: the types and values are the same.
ZSTD_COLUMNS = {
    "models": ("id", "sha", "card_data", "model_index", "eval_results"),
    "datasets": ("id", "sha"),
    "spaces": ("id", "sha"),
    "model_snapshots": ("id",),
    "lineage": ("child_id", "parent_id", "parent_declared"),
    "model_family": ("id", "root_id"),
}


def _ddl(table: str) -> str:
    text = schema.ddl(table)
    for column in ZSTD_COLUMNS.get(table, ()):
        typ = next(t for c, t, _ in schema.TABLES[table][1] if c == column)
        text = text.replace(f'"{column}" {typ}', f'"{column}" {typ} USING COMPRESSION zstd')
    return text


def build_memory_limit() -> str:
    """DuckDB's memory limit for the build: ``HUBSTUDY_BUILD_MEMORY`` (e.g. ``4GB``) or :func:`default_memory_limit`."""
    import re

    value = (os.environ.get("HUBSTUDY_BUILD_MEMORY") or default_memory_limit()).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value, flags=re.IGNORECASE):
        from .errors import ConfigError

        raise ConfigError(f"HUBSTUDY_BUILD_MEMORY must look like 1GB or 512MB, got {value!r}")
    return value


def _ts(expr: str) -> str:
    return f"TRY_CAST({expr} AS TIMESTAMPTZ)::TIMESTAMP"


def _folders(dd: DataDir, repo_type: str, dates: list[str], passes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(snapshot date, glob pattern of the page files) of every folder that has pages."""
    out: list[tuple[str, str]] = []
    for d in dates:
        for p in passes:
            folder = dd.snapshot(repo_type, d) / p
            if folder.exists() and next(folder.glob("page-*.parquet"), None) is not None:
                out.append((d, str(folder / "page-*.parquet")))
    return out


def _files(dd: DataDir, repo_type: str, dates: list[str], passes: tuple[str, ...]) -> list[str]:
    """Glob patterns of the page files (one per folder that has pages)."""
    return [glob for _, glob in _folders(dd, repo_type, dates, passes)]


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


def _read_pages(con: duckdb.DuckDBPyConnection, name: str, folders: list[tuple[str, str]]) -> None:
    """A temp view over page files, with ``snap`` (the snapshot date of the folder); empty, with the
    page schema, when there are none.

    A view, not a table: each use reads only the columns it needs from Parquet, so the raw JSON
    is never loaded unless asked for. One ``read_parquet`` per date with the date as a constant:
    cheaper than reading every row's file name and parsing the date out of it.
    """
    if folders:
        dates = sorted({d for d, _ in folders})
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS "
            + " UNION ALL BY NAME ".join(
                f"SELECT *, '{d}' AS snap FROM read_parquet({_sql_list([g for fd, g in folders if fd == d])})" for d in dates)
        )
    else:
        con.register(f"{name}_empty", PAGE_SCHEMA.empty_table())
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT *, ''::VARCHAR AS snap FROM {name}_empty")


def _latest(con: duckdb.DuckDBPyConnection, src: str, dst: str, date: str, repo_type: str, stage_dups: bool,
            where: str = "TRUE", also: tuple[str, str] | None = None) -> bool:
    """``dst``: one row per id of ``src``. Ids listed more than once keep the record of the latest
    snapshot, then the most recently modified, then the later page; the others are quarantined.
    Returns whether any id was listed more than once.

    Works on a narrow (id, position) table so the wide rows are read once, by whoever uses ``dst``.
    ``also`` = (source, view): the same rows of another source of the same pages (``src`` may be
    a narrow in-memory copy of them), as a view too.
    """
    dup_ids = f"SELECT id FROM {src} WHERE id IS NOT NULL AND {where} GROUP BY id HAVING count(*) > 1"
    # (no duplicate, the usual case: the second read of the pages is skipped)
    has_dups = con.execute(f"SELECT count(*) FROM ({dup_ids})").fetchall()[0][0] > 0
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {dst}_dups AS
        SELECT id, snap, page, pos, {_ts('last_modified')} AS lm FROM {src}
        WHERE {f"id IN ({dup_ids})" if has_dups else "false"} AND {where}"""
    )
    if stage_dups:
        con.execute(
            f"""INSERT INTO quarantine
            SELECT $date, 'crawl', $rt, id, 'duplicate_id',
                   'listed ' || count(*) || ' times (pages ' || array_to_string(list_sort(list_distinct(list(page))), ',')
                   || '); kept the most recent record',
                   NULL
            FROM {dst}_dups WHERE snap = $date GROUP BY id HAVING count(*) > 1""",
            {"date": date, "rt": repo_type},
        )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {dst}_losers AS SELECT id, snap, page, pos FROM (
              SELECT *, row_number() OVER (PARTITION BY id ORDER BY snap DESC, lm DESC NULLS LAST, page DESC, pos DESC) AS rn
              FROM {dst}_dups) WHERE rn > 1"""
    )
    # Most nights no id is listed twice: the view then needs no anti-join, which would read the
    # key columns of every page row at each use only to drop nothing.
    no_losers = not con.execute(f"SELECT count(*) FROM {dst}_losers").fetchall()[0][0]
    for source, view in ((src, dst), *([also] if also else [])):
        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {source} s
            WHERE s.id IS NOT NULL AND {where}""" + ("" if no_losers else f"""
              AND NOT EXISTS (SELECT 1 FROM {dst}_losers x WHERE x.id = s.id AND x.snap = s.snap AND x.page = s.page AND x.pos = s.pos)""")
        )
    return has_dups


def _quarantine_issues(con: duckdb.DuckDBPyConnection, src: str, date: str, repo_type: str) -> None:
    con.execute(
        f"""INSERT INTO quarantine
        SELECT DISTINCT $date, CASE WHEN i.reason IN ('bad_record', 'missing_id') THEN 'crawl' ELSE 'lineage' END,
               $rt, id, i.reason, i.detail, left(i.raw, 2000)
        FROM (SELECT id, unnest(issues) AS i FROM {src} WHERE len(issues) > 0)""",
        {"date": date, "rt": repo_type},
    )


def _execute_as_written(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run ``sql`` with its joins in the order written, each join's right side the hashed one.

    For the inserts of wide page rows joined to narrow per-id tables: left to itself the planner
    may hash the wide side (its estimate for the filtered Parquet scan is far too low), which
    holds every page column in memory and doubles the insert's cost.
    """
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    try:
        con.execute(sql)
    finally:
        con.execute("RESET disabled_optimizers")


def _common_cols() -> list[tuple[str, str]]:
    return [("id", "l.id"), ("author", "coalesce(l.author, split_part(l.id, '/', 1))"), ("created_at", _ts("l.created_at")),
            ("created_before_floor", f"{_ts('l.created_at')} <= TIMESTAMP '{FLOOR}'"), ("last_modified", _ts("l.last_modified"))]


def _write_rows(con: duckdb.DuckDBPyConnection, dd: DataDir, repo_type: str, date: str, dates: list[str], listing: str,
                cols: list[tuple[str, str]], joins: str, base: str | None, *, moving: tuple[str, ...] = (),
                unchecked: tuple[str, ...] = ("first_seen",), changed: str | None = None, late: dict[str, str] | None = None,
                late_joins: str = "", keep: tuple[str, ...] = (), revive: tuple[str, str] | None = None) -> None:
    """Write a table's rows, one per id of ``listing`` (the night's deduplicated listing, alias
    ``l``): ``cols`` are (column, SQL expression over ``l`` and ``joins``), in table order.

    ``base`` None: the table is empty; one INSERT writes every row.

    ``base`` = the snapshot date of the published database this build started from (a copy of
    it, see :func:`incremental_base`): the table holds that night's rows. Rewriting 2.5M rows
    costs more than all else a nightly build does, while most rows differ from the base only in
    the ``moving`` columns (downloads, likes), which one UPDATE sets in place from tonight's
    summary. A row is rewritten whole (deleted, then inserted as a full build writes it) when
    its RAW_INPUTS differ from the base night's (the two summaries' ``row_hash``), when its id is
    new, or when its id is in ``changed`` (a query of ids: for models, a heavy record newer than
    the base, or lineage counts that differ). The rows of ids no longer listed are deleted. The
    ``unchecked`` columns need no check: first_seen is fixed once an id is listed, the card
    columns change only with a newer heavy record. For a rewritten row, ``late`` gives
    expressions that replace those of ``cols`` (over ``late_joins``, and ``kept``: the base's
    ``keep`` columns of that row). ``revive`` = (query of ids, query): for a rewritten id that
    the base lacks and that is not among those ids, the ``keep`` columns come from the query,
    joined as ``revived`` (a model listed again after a night away keeps its older card). Without
    such an id (most nights) the query is not run.

    A full build computes every column from the same inputs with the same expressions, so both
    give the same rows; tests/test_incremental_build.py compares them table by table. (Two
    different inputs with the same 64-bit hash would keep a stale row: odds of about 1 in 10^13
    for 2.5M changed rows.)
    """
    table = plural(repo_type)
    if [c for c, _ in cols] != schema.columns(table):
        raise RuntimeError(f"{table}: the build's columns {[c for c, _ in cols]} are not the schema's")
    if base is None:
        first_seen_join, first_seen = _first_seen(dd, repo_type, dates, date)
        exprs = ", ".join(first_seen if c == "first_seen" else e for c, e in cols)
        _execute_as_written(con, f"INSERT INTO {table} SELECT {exprs} FROM {listing} l {joins} {first_seen_join}")
        return
    used = {m for c, e in cols if c not in moving and c not in unchecked for m in re.findall(r"\bl\.(\w+)", e)}
    if not used <= set(RAW_INPUTS[repo_type]):
        raise RuntimeError(f"{table}: columns computed from {sorted(used - set(RAW_INPUTS[repo_type]))}, which the "
                           "summaries' row_hash leaves out: add them to RAW_INPUTS")
    # the two nights' summaries, in memory (a single Parquet file is read on one thread)
    for name, d, what in (("today", date, "*"), ("before", base, "id, row_hash")):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_{name} AS "
                    f"SELECT {what} FROM read_parquet('{dd.snapshot(repo_type, d) / '_snapshot.parquet'}')")
    today, before = f"{table}_today", f"{table}_before"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table}_rewrite AS
        SELECT t.id FROM {today} t LEFT JOIN {before} b ON b.id = t.id
        WHERE b.id IS NULL OR b.row_hash <> t.row_hash
        {f"UNION SELECT id FROM ({changed})" if changed else ""}"""
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_gone AS SELECT b.id FROM {before} b ANTI JOIN {today} t ON t.id = b.id")
    sets = ", ".join(f'"{c}" = n."{c}"' for c in moving)
    from_summary = ", ".join(f'{"DATE " + repr(date) if c == "snapshot_date" else c} AS "{c}"' for c in moving)
    con.execute(f"UPDATE {table} SET {sets} FROM (SELECT id, {from_summary} FROM {today}) n WHERE {table}.id = n.id")
    keep_cols = "".join(f', "{c}"' for c in keep)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_kept AS SELECT id{keep_cols} FROM {table} "
                f"WHERE id IN (SELECT id FROM {table}_rewrite)")
    if revive:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {table}_revive AS
            SELECT id FROM {table}_rewrite EXCEPT SELECT id FROM {table}_kept EXCEPT {revive[0]}""")
        some = con.execute(f"SELECT count(*) FROM {table}_revive").fetchone()[0] > 0
        late_joins += (f" LEFT JOIN ({revive[1]}{' WHERE id IN (SELECT id FROM ' + table + '_revive)' if some else ' LIMIT 0'}) "
                       "revived ON revived.id = l.id")
    con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table}_rewrite UNION ALL SELECT id FROM {table}_gone)")
    first_seen_join, first_seen = _first_seen(dd, repo_type, dates, date, ids=f"SELECT id FROM {table}_rewrite")
    full = ", ".join(first_seen if c == "first_seen" else (late or {}).get(c, e) for c, e in cols)
    _execute_as_written(
        con,
        f"""INSERT INTO {table} SELECT {full}
        FROM (SELECT * FROM {listing} WHERE id IN (SELECT id FROM {table}_rewrite)) l {joins} {first_seen_join}
        LEFT JOIN {table}_kept kept ON kept.id = l.id {late_joins}""")
    # (kept for later steps: every id whose row was rewritten or deleted)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_rewritten AS "
                f"SELECT id FROM {table}_rewrite UNION ALL SELECT id FROM {table}_gone")
    for t in ("rewrite", "gone", "kept", "revive", "today", "before"):
        con.execute(f"DROP TABLE IF EXISTS {table}_{t}")


# Every model's latest heavy record (the columns the build reads from it besides the cards, and
# where it is: snapshot, page, position), kept in the published database for the next night's
# incremental build. Without it each night would read every heavy page since the first crawl
# (night one's full pages: all 2.5M models) to find them again.
HEAVY_RECORDS = "internal.heavy_records"
HEAVY_RECORDS_COMMENT = ("For the build only (not part of the study schema): each model's latest heavy record from the "
                         "crawl, which the next night's incremental build starts from.")
_HEAVY_COLUMNS = "id, snap, page, pos, last_modified, card_license, gguf_total, card_edges, issues"

# Page columns left out of the in-memory copies of the listing pages: the cards (read by the
# insert only, from the pages) and the Hub's internal object id ``_id``, which no table keeps.
_NOT_IN_ROWS = "card_data, model_index, eval_results, gguf, oid"


CARDS_IN_MEMORY_GB = 3.0


def _memory_limit_gb(con: duckdb.DuckDBPyConnection) -> float:
    """DuckDB's memory limit on ``con``, in GB (of 10^9 bytes)."""
    (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    number, unit = re.fullmatch(r"\s*([\d.]+)\s*([A-Za-z]*)\s*", str(limit)).groups()
    scale = {"": 1, "B": 1, "BYTES": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
             "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}.get(unit.upper(), 1e9)
    return float(number) * scale / 1e9


def build_models(con: duckdb.DuckDBPyConnection, dd: DataDir, date: str, dates: list[str], base: str | None = None) -> None:
    """``models`` (and the lineage temp tables); ``base``: see :func:`_write_rows`."""
    light = _folders(dd, "model", [date], ("full", "light"))
    heavy = _folders(dd, "model", [d for d in dates if d <= date], ("full", "heavy"))
    _read_pages(con, "pages_light", light)
    _read_pages(con, "pages_heavy", heavy)
    same_rows = False
    # The listing pages are read once, into memory, without their cards, for the steps below that
    # read them again and again (deduplication, summary, quarantine, lineage, the heavy records; a
    # scan of thousands of page files costs seconds however few columns it reads). The cards stay
    # in the pages, read by the insert only.
    light_rows = "light_rows"
    # After a full crawl, the cards too when the build's memory can hold them (~2 GB at the Hub's
    # size): the insert then reads every column from memory. Below that they would spill to disk
    # (a 1 GB first build took 95 s with them, 65 s without), and the insert reads them from the
    # pages (``lm_pages``).
    cards_in_memory = light == heavy and _memory_limit_gb(con) >= CARDS_IN_MEMORY_GB
    con.execute(f"CREATE OR REPLACE TEMP TABLE light_rows AS "
                f"SELECT * EXCLUDE ({'gguf, oid' if cards_in_memory else _NOT_IN_ROWS}) FROM pages_light")
    listing = "lm"  # what the insert reads
    if light == heavy:
        listed_twice = _latest(con, "light_rows", "lm", date, "model", True,
                               also=None if cards_in_memory else ("pages_light", "lm_pages"))
        # After a full crawl (no light/heavy passes yet) both views read the same pages, and with no
        # id listed twice a model's heavy row is its light row whenever it has one: its heavy columns
        # are then read from that row (the insert reads it from the pages, cards included), instead
        # of a join that holds every card in a hash table.
        same_rows = not listed_twice
        if same_rows:  # the heavy rows are light rows: no id among them is listed twice either
            con.execute("CREATE OR REPLACE TEMP VIEW hm AS SELECT * FROM lm WHERE has_heavy")
            listing = "lm" if cards_in_memory else "lm_pages"
        else:
            _latest(con, "pages_heavy", "hm", date, "model", False, where="has_heavy")
        con.execute(f"CREATE OR REPLACE TEMP VIEW hm_narrow AS SELECT {_HEAVY_COLUMNS} FROM hm")
    else:
        _latest(con, "light_rows", "lm", date, "model", True)
        if base is not None and _table_exists(con, HEAVY_RECORDS):
            # The base's latest heavy record of every model, with those of the nights since: the
            # same rows as picking the latest among all heavy pages (a newer night always wins),
            # without reading night one's thousands of full pages again.
            _read_pages(con, "pages_heavy_new", _folders(dd, "model", [d for d in dates if base < d <= date], ("full", "heavy")))
            con.execute(f"""CREATE OR REPLACE TEMP TABLE heavy_rows_new AS
                SELECT {_HEAVY_COLUMNS}, has_heavy FROM pages_heavy_new WHERE has_heavy""")
            _latest(con, "heavy_rows_new", "hm_new_narrow", date, "model", False, where="has_heavy",
                    also=("pages_heavy_new", "hm_new"))
            con.execute(f"""CREATE OR REPLACE TEMP TABLE heavy_rows AS
                SELECT * FROM {HEAVY_RECORDS} WHERE id NOT IN (SELECT id FROM hm_new_narrow)
                UNION ALL SELECT {_HEAVY_COLUMNS} FROM hm_new_narrow""")
            con.execute("CREATE OR REPLACE TEMP VIEW hm_narrow AS SELECT * FROM heavy_rows")
            # (the cards of those records, read from their pages only if asked: a model listed again)
            con.execute("""CREATE OR REPLACE TEMP VIEW hm AS SELECT p.* FROM pages_heavy p
                SEMI JOIN heavy_rows h ON h.id = p.id AND h.snap = p.snap AND h.page = p.page AND h.pos = p.pos""")
        else:
            con.execute(f"""CREATE OR REPLACE TEMP TABLE heavy_rows AS
                SELECT {_HEAVY_COLUMNS}, has_heavy FROM pages_heavy WHERE has_heavy""")
            _latest(con, "heavy_rows", "hm_narrow", date, "model", False, where="has_heavy", also=("pages_heavy", "hm"))
    _write_today_summary(con, dd, "model", date, dates, "lm")
    _quarantine_issues(con, light_rows, date, "model")
    # card issues only for the heavy rows still in use, and not already reported from a full page
    # (with the same rows, every issue of a heavy row was just reported from its light row)
    if not same_rows:
        con.execute(
            """INSERT INTO quarantine
            SELECT DISTINCT $date, 'lineage', 'model', h.id, i.reason, i.detail, left(i.raw, 2000)
            FROM (SELECT id, unnest(issues) AS i FROM hm_narrow WHERE len(issues) > 0) h
            WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.id = h.id AND q.reason = i.reason
                              AND q.detail = i.detail AND q.raw IS NOT DISTINCT FROM left(i.raw, 2000))""",
            {"date": date},
        )
    # The lineage is worked out first (from the page rows, whose ids are exactly those of `models`)
    # so that every row is written once with its final n_parents, relation and first_seen: an
    # UPDATE of a written table rewrites its columns and costs more than the insert itself.
    prepare_lineage(con, dd, same_rows)

    def hv(column: str) -> str:
        return f"CASE WHEN l.has_heavy THEN l.{column} END" if same_rows else f"h.{column}"

    # (an incremental build reads the card JSON only for the rows it writes, see below)
    heavy_join = "" if same_rows else (
        "LEFT JOIN (SELECT id, card_license, gguf_total, snap FROM hm_narrow) h ON h.id = l.id" if base else
        "LEFT JOIN (SELECT id, card_license, gguf_total, card_data, model_index, eval_results, snap FROM hm) h ON h.id = l.id")
    json_cols = ("card_data", "model_index", "eval_results")
    cols = [
        *_common_cols(),
        ("downloads_30d", "l.downloads"), ("downloads_all_time", "l.downloads_all_time"), ("likes", "l.likes"),
        ("trending_score", "l.trending_score"), ("pipeline_tag", "l.pipeline_tag"), ("library_name", "l.library_name"),
        ("license", f"coalesce(l.license, {hv('card_license')})"),
        ("num_parameters", f"coalesce(l.num_parameters, {hv('gguf_total')})"),
        ("gated", "l.gated"), ("private", "l.private"), ("disabled", "l.disabled"), ("sha", "l.sha"), ("tags", "l.tags"),
        ("n_parents", "coalesce(p.n, 0)"), ("relation", "p.relation"),
        *((c, f"TRY_CAST({hv(c)} AS JSON)") for c in json_cols),
        ("heavy_fetched_at", f"TRY_CAST({hv('snap')} AS DATE)"), ("first_seen", ""), ("snapshot_date", f"DATE '{date}'"),
    ]
    if base is None:
        joins = f"LEFT JOIN ({_LINEAGE_PARENTS}) p ON p.child_id = l.id {heavy_join}"
        _write_rows(con, dd, "model", date, dates, listing, cols, joins, None)
        _write_heavy_records(con, None)
        _drop_temp_tables(con, "light_rows", "heavy_rows")
        return
    # Incremental. Besides the rows whose listing changed, rewritten are those with a heavy
    # record newer than the base (card fields, license and parameters may change: `hm` picks it),
    # and those whose lineage counts changed (a parent renamed or newly listed can change how
    # the declared parents resolve). Every other row keeps the base's card JSON, which came from
    # the record `hm` still picks: the latest heavy record up to the base's date.
    con.execute(f"CREATE OR REPLACE TEMP TABLE lineage_parents AS {_LINEAGE_PARENTS}")
    if not _view_exists(con, "hm_new"):
        _read_pages(con, "pages_heavy_new", _folders(dd, "model", [d for d in dates if base < d <= date], ("full", "heavy")))
        _latest(con, "pages_heavy_new", "hm_new", date, "model", False, where="has_heavy")
    listed = ", ".join(json_cols)
    _write_rows(
        con, dd, "model", date, dates, "lm", cols, f"LEFT JOIN lineage_parents p ON p.child_id = l.id {heavy_join}", base,
        moving=("downloads_30d", "downloads_all_time", "likes", "trending_score", "snapshot_date"),
        unchecked=(*json_cols, "first_seen"),
        changed="""SELECT id FROM hm_new
                   UNION SELECT o.id FROM models o LEFT JOIN lineage_parents p ON p.child_id = o.id
                   WHERE coalesce(p.n, 0) <> o.n_parents OR p.relation IS DISTINCT FROM o.relation""",
        keep=json_cols,
        late={c: f"""CASE WHEN hn.id IS NOT NULL THEN TRY_CAST(hn.{c} AS JSON) WHEN kept.id IS NOT NULL THEN kept.{c}
                     ELSE TRY_CAST(revived.{c} AS JSON) END""" for c in json_cols},
        late_joins=f"LEFT JOIN (SELECT id, {listed} FROM hm_new) hn ON hn.id = l.id",
        revive=("SELECT id FROM hm_new", f"SELECT id, {listed} FROM hm"))
    _write_heavy_records(con, "hm_new_narrow" if _view_exists(con, "hm_new_narrow") else None)
    _drop_temp_tables(con, "lineage_parents", "light_rows", "heavy_rows", "heavy_rows_new")


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema_name, _, name = qualified.rpartition(".")
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? AND NOT temporary",
                       [schema_name or "main", name]).fetchone()[0] > 0


def _view_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND temporary", [name]).fetchone()[0] > 0


def _write_heavy_records(con: duckdb.DuckDBPyConnection, new: str | None) -> None:
    """Keep :data:`HEAVY_RECORDS` for the next night: from ``hm_narrow`` (every model's latest
    heavy record), or, with ``new`` (the nights' new records, a view), updated in place: only
    the models with a newer record change."""
    if new is None:
        con.execute("CREATE SCHEMA IF NOT EXISTS internal")
        con.execute(f"DROP TABLE IF EXISTS {HEAVY_RECORDS}")
        _view_rows_into_table(con, f"(SELECT {_HEAVY_COLUMNS} FROM hm_narrow)", HEAVY_RECORDS, quoted=False)
        con.execute(f"COMMENT ON TABLE {HEAVY_RECORDS} IS '{HEAVY_RECORDS_COMMENT.replace(chr(39), chr(39) * 2)}'")
        return
    con.execute(f"DELETE FROM {HEAVY_RECORDS} WHERE id IN (SELECT id FROM {new})")
    con.execute(f"INSERT INTO {HEAVY_RECORDS} SELECT {_HEAVY_COLUMNS} FROM {new}")


def _drop_temp_tables(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Free the memory of temp tables no later step reads (names that are views are left)."""
    for name in names:
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [name]).fetchone()[0]:
            con.execute(f"DROP TABLE temp.{name}")


def build_simple(con: duckdb.DuckDBPyConnection, dd: DataDir, repo_type: str, date: str, dates: list[str],
                 base: str | None = None) -> None:
    """``datasets`` or ``spaces``; ``base``: see :func:`_write_rows`."""
    table = plural(repo_type)
    src = f"pages_{repo_type}"
    _read_pages(con, src, _folders(dd, repo_type, [date], ("full", "light")))
    # read once, into memory: deduplication, summary, quarantine and insert each read the pages
    con.execute(f"CREATE OR REPLACE TEMP TABLE {src}_rows AS SELECT * EXCLUDE ({_NOT_IN_ROWS}) FROM {src}")
    src += "_rows"
    _latest(con, src, f"latest_{repo_type}", date, repo_type, True)
    _write_today_summary(con, dd, repo_type, date, dates, f"latest_{repo_type}")
    _quarantine_issues(con, src, date, repo_type)
    if repo_type == "dataset":
        moving = ("downloads_30d", "downloads_all_time", "likes", "trending_score", "snapshot_date")
        cols = [*_common_cols(), ("downloads_30d", "l.downloads"), ("downloads_all_time", "l.downloads_all_time"),
                ("likes", "l.likes"), ("trending_score", "l.trending_score"), ("license", "l.license"), ("gated", "l.gated")]
    else:
        moving = ("likes", "trending_score", "snapshot_date")
        cols = [*_common_cols(), ("likes", "l.likes"), ("trending_score", "l.trending_score"), ("sdk", "l.sdk"),
                ("license", "l.license")]
    cols += [("private", "l.private"), ("disabled", "l.disabled"), ("sha", "l.sha"), ("tags", "l.tags"),
             ("first_seen", ""), ("snapshot_date", f"DATE '{date}'")]
    _write_rows(con, dd, repo_type, date, dates, f"latest_{repo_type}", cols, "", base, moving=moving)
    _drop_temp_tables(con, src)


def create_raw_views(con: duckdb.DuckDBPyConnection, dd: DataDir, date: str) -> None:
    """``models_raw`` / ``datasets_raw`` / ``spaces_raw``: each repo's listing record exactly as the
    Hub sent it, read from the page bodies stored beside the snapshot's Parquet files (absolute
    paths: they work while the data directory stays where it was built)."""
    for rt in ("model", "dataset", "space"):
        files = [f.replace("page-*.parquet", "page-*.json.zst") for f in _files(dd, rt, [date], ("full", "light"))]
        files = [f for f in files if next(Path(f).parent.glob("page-*.json.zst"), None) is not None]
        name = f"{plural(rt)}_raw"
        if files:
            con.execute(f"CREATE VIEW {name} AS SELECT json->>'$.id' AS id, json AS raw "
                        f"FROM read_json_objects({_sql_list(files)}, format = 'array')")
        else:
            con.execute(f"CREATE VIEW {name} AS SELECT NULL::VARCHAR AS id, NULL::JSON AS raw WHERE false")


# The listing columns each table's rows are computed from, other than the ones that move every
# night (downloads, likes: see _write_rows) and the card fields of heavy records. A day summary
# keeps a hash of them per repo, so that the next night's incremental build finds the rows that
# changed by comparing two summaries instead of reading the whole base table.
RAW_INPUTS = {
    "model": ("id", "author", "created_at", "last_modified", "pipeline_tag", "library_name", "license", "num_parameters",
              "gated", "private", "disabled", "sha", "tags"),
    "dataset": ("id", "author", "created_at", "last_modified", "license", "gated", "private", "disabled", "sha", "tags"),
    "space": ("id", "author", "created_at", "last_modified", "sdk", "license", "private", "disabled", "sha", "tags"),
}


def write_day_summary(con: duckdb.DuckDBPyConnection, dd: DataDir, repo_type: str, date: str,
                      rows: str | None = None) -> Path | None:
    """``_snapshot.parquet``: one small row per repo for a date (its downloads and likes, and
    ``row_hash``: a hash of its RAW_INPUTS).

    ``rows``: a view of the date's rows, one per id (the build's deduplicated listing, so the
    summary holds the record the table got); without it the date's light pages are read and an id
    listed twice keeps its later page. The history (``model_snapshots``, ``first_seen``) reads
    these summaries, not the raw pages, so a build does not rescan every night's pages.
    """
    path = dd.snapshot(repo_type, date) / "_snapshot.parquet"
    cols = (f"DATE '{date}' AS snapshot_date, id, downloads AS downloads_30d, downloads_all_time, likes, trending_score, "
            f"hash({', '.join(RAW_INPUTS[repo_type])}) AS row_hash")
    if rows is not None:
        select = f"SELECT {cols} FROM {rows}"
    else:
        files = _files(dd, repo_type, [date], ("full", "light"))
        if not files:
            return None
        select = (f"SELECT {cols} FROM read_parquet({_sql_list(files)}, union_by_name = true) WHERE id IS NOT NULL "
                  "QUALIFY row_number() OVER (PARTITION BY id ORDER BY page DESC, pos DESC) = 1")
    tmp = path.with_name(f"._snapshot.parquet.tmp-{os.getpid()}")
    con.execute(f"COPY ({select}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
    os.replace(tmp, path)
    return path


def ensure_day_summaries(con: duckdb.DuckDBPyConnection, dd: DataDir, dates: dict[str, list[str]], date: str) -> None:
    """Summaries of the complete snapshots before ``date`` that lack one (the date's own is written
    by its table's step, from the rows the table keeps)."""
    for rt, ds in dates.items():
        for d in ds:
            if d < date and not (dd.snapshot(rt, d) / "_snapshot.parquet").exists():
                write_day_summary(con, dd, rt, d)


def _history_files(dd: DataDir, repo_type: str, dates: list[str], date: str) -> list[str]:
    return [str(dd.snapshot(repo_type, d) / "_snapshot.parquet") for d in dates
            if d <= date and (dd.snapshot(repo_type, d) / "_snapshot.parquet").exists()]


def _write_today_summary(con: duckdb.DuckDBPyConnection, dd: DataDir, repo_type: str, date: str, dates: list[str],
                         rows: str) -> None:
    """Today's summary, from the table's deduplicated rows; only for a complete snapshot (a partial
    one must not enter the history)."""
    if date in dates:
        write_day_summary(con, dd, repo_type, date, rows)


def _first_seen(dd: DataDir, repo_type: str, dates: list[str], date: str, ids: str | None = None) -> tuple[str, str]:
    """(join, expression): the SQL that gives each row ``l`` its first_seen, the first complete
    snapshot whose summary lists the id. Today's complete snapshot lists every row, so only the
    earlier summaries are read (none on a first night: no join), and an id in none of them is new
    today. An incomplete snapshot today counts for nothing, as its summary is never written."""
    today = f"DATE '{date}'" if date in dates else "NULL::DATE"
    files = _history_files(dd, repo_type, [d for d in dates if d < date], date)
    if not files:
        return "", today
    where = f"WHERE id IN ({ids}) " if ids else ""
    return (f"LEFT JOIN (SELECT id, min(snapshot_date) AS first_seen FROM read_parquet({_sql_list(files)}, union_by_name = true) "
            f"{where}GROUP BY id) f ON f.id = l.id", f"coalesce(f.first_seen, {today})")


def build_history(con: duckdb.DuckDBPyConnection, dd: DataDir, date: str, dates: dict[str, list[str]]) -> None:
    """Day summaries of earlier complete snapshots that lack one (``first_seen`` reads them)."""
    ensure_day_summaries(con, dd, dates, date)


def build_model_snapshots(con: duckdb.DuckDBPyConnection, dd: DataDir, date: str, dates: list[str],
                          base: str | None = None) -> None:
    """``model_snapshots``: the summary of every complete night up to ``date`` (after ``base``:
    the base database holds the nights up to its own)."""
    files = _history_files(dd, "model", [d for d in dates if base is None or d > base], date)
    if files:
        # through memory: inserting straight from Parquet takes twice as long
        con.execute(
            "CREATE OR REPLACE TEMP TABLE snapshot_rows AS SELECT snapshot_date, id, downloads_30d, downloads_all_time, likes, "
            "trending_score FROM read_parquet($f, union_by_name = true)", {"f": files})
        con.execute("INSERT INTO model_snapshots SELECT * FROM snapshot_rows")
        con.execute("DROP TABLE snapshot_rows")


def prepare_lineage(con: duckdb.DuckDBPyConnection, dd: DataDir, same_rows: bool = False) -> None:
    """Temp tables ``edges_norm`` (every declared edge with its normalised parent, self-loops
    included) and ``lineage_rows`` (the rows of ``lineage``, with ``ord``: declaration order).
    Reads ``lm`` and ``hm``, not ``models``: the ids of ``lm`` are those ``models`` gets.
    ``same_rows``: a model's heavy row is its light row (see :func:`build_models`)."""
    aliases = read_json(dd.state / "parent_aliases.json", {}) or {}
    rows = [(k, v["id"]) for k, v in aliases.items() if isinstance(v, dict) and v.get("id")]
    con.register("parent_alias", pa.table({"declared": pa.array([k for k, _ in rows], pa.string()),
                                           "resolved": pa.array([v for _, v in rows], pa.string())}))
    # card edges count only for models whose tags carry no lineage
    card_rows = ("SELECT id, card_edges FROM lm WHERE has_heavy AND len(tag_edges) = 0" if same_rows else
                 "SELECT h.id, h.card_edges FROM hm_narrow h JOIN lm l USING (id) WHERE len(l.tag_edges) = 0")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE edges_declared AS
        WITH t AS (
            SELECT id AS child_id, unnest(tag_edges) AS e, unnest(generate_series(1, len(tag_edges))) AS ord
            FROM lm WHERE len(tag_edges) > 0),
        c AS (
            SELECT id AS child_id, unnest(card_edges) AS e, unnest(generate_series(1, len(card_edges))) AS ord
            FROM ({card_rows}) WHERE len(card_edges) > 0)
        SELECT child_id, e.parent AS parent_declared, e.relation, e.source, ord FROM t
        UNION ALL
        SELECT child_id, e.parent, e.relation, e.source, ord FROM c"""
    )
    # Only the ids the edges name are looked up (lower-cased, for a case-insensitive match): hash
    # tables of every model id would cost memory for nothing. One scan of the listing's ids.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE named_ids AS
        WITH named AS (SELECT lower(parent_declared) AS lid FROM edges_declared
                       UNION SELECT lower(resolved) FROM parent_alias)
        SELECT id FROM lm WHERE lower(id) IN (SELECT lid FROM named)"""
    )
    # parent_exists: the resolved parent is a crawled id. Every crawled id a resolved parent can be
    # (the declared name, an alias's target, or their case-insensitive match) is in named_ids.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE edges_norm AS
        WITH id_lower AS (SELECT lower(id) AS lid, min(id) AS id FROM named_ids GROUP BY 1),
        resolved AS (
            SELECT d.child_id, d.parent_declared, d.relation, d.source, d.ord,
                   coalesce(m.id, a.resolved, il.id, ila.id, d.parent_declared) AS parent_id
            FROM edges_declared d
            LEFT JOIN named_ids m ON m.id = d.parent_declared
            LEFT JOIN parent_alias a ON a.declared = d.parent_declared
            LEFT JOIN id_lower il ON il.lid = lower(d.parent_declared)
            LEFT JOIN id_lower ila ON ila.lid = lower(a.resolved))
        SELECT *, parent_id IN (SELECT id FROM named_ids) AS parent_exists FROM resolved"""
    )
    con.unregister("parent_alias")
    con.execute("DROP TABLE edges_declared")
    con.execute("DROP TABLE named_ids")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lineage_rows AS
        SELECT child_id, parent_id, parent_declared, relation, source, parent_exists, ord
        FROM (SELECT *, row_number() OVER (PARTITION BY child_id, parent_id ORDER BY ord) AS rn
              FROM edges_norm WHERE lower(parent_id) <> lower(child_id))
        WHERE rn = 1"""
    )


# n_parents and relation of every model with lineage, from ``lineage_rows``
_LINEAGE_PARENTS = """
    SELECT child_id, count(*) AS n,
           CASE WHEN count(*) > 1 AND bool_or(relation = 'merge') THEN 'merge'
                WHEN count(DISTINCT relation) = 1 THEN min(relation)
                WHEN bool_or(relation = 'merge') THEN 'merge'
                ELSE min(relation) FILTER (WHERE relation <> 'unknown') END AS relation
    FROM lineage_rows GROUP BY child_id"""


def build_lineage(con: duckdb.DuckDBPyConnection, date: str) -> None:
    """``lineage`` from the rows :func:`prepare_lineage` worked out, and the self-loops it dropped."""
    con.execute(
        """INSERT INTO quarantine
        SELECT DISTINCT $date, 'lineage', 'model', child_id, 'self_loop',
               'base model ' || parent_declared || ' resolves to the model itself', parent_declared
        FROM edges_norm WHERE lower(parent_id) = lower(child_id)""",
        {"date": date},
    )
    con.execute("DROP TABLE edges_norm")
    con.execute(
        """INSERT INTO lineage
        SELECT child_id, parent_id, parent_declared, relation, source, parent_exists
        FROM lineage_rows ORDER BY child_id, ord"""
    )


def build_family(con: duckdb.DuckDBPyConnection, date: str) -> None:
    """``model_family``: each model's root and depth, following primary parents (the first declared).

    A recursive walk down from the roots reaches every node whose ancestry ends in a root, each
    once (a node has one primary parent). What it never reaches leads into a cycle; that small
    remainder goes through :func:`hubstudy.lineage.families`, which also finds the cycles.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE primary_parent AS SELECT child_id AS id, arg_min(parent_id, ord) AS parent "
                "FROM lineage_rows GROUP BY child_id")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE fam AS
        WITH RECURSIVE walk(id, root_id, depth) AS (
            SELECT DISTINCT parent, parent, 0 FROM primary_parent WHERE parent NOT IN (SELECT id FROM primary_parent)
            UNION ALL
            SELECT c.id, w.root_id, w.depth + 1 FROM walk w JOIN primary_parent c ON c.parent = w.id)
        SELECT id, root_id, depth::INTEGER AS depth, false AS in_cycle FROM walk"""
    )
    rest = con.execute("SELECT id, parent FROM primary_parent ANTI JOIN fam USING (id)").fetchall()
    if rest:
        fam, cycles = families({c: [p] for c, p in rest})
        tbl = pa.table({"id": list(fam), "root_id": [r for r, _ in fam.values()],
                        "depth": pa.array([d for _, d in fam.values()], pa.int32()), "in_cycle": [n in cycles for n in fam]})
        con.register("fam_py", tbl)
        con.execute("INSERT INTO fam SELECT * FROM fam_py")
        con.unregister("fam_py")
    con.execute(
        """INSERT INTO model_family
        SELECT m.id,
               CASE WHEN f.id IS NULL THEN m.id ELSE f.root_id END,
               CASE WHEN f.id IS NULL THEN 0 ELSE f.depth END,
               m.n_parents,
               coalesce(f.in_cycle, false)
        FROM models m LEFT JOIN fam f ON f.id = m.id"""
    )
    con.execute(
        """INSERT INTO quarantine
        SELECT $date, 'family', 'model', id, 'lineage_cycle',
               'ancestry loops back on itself; root and depth left empty', NULL
        FROM model_family WHERE in_cycle""",
        {"date": date},
    )
    for t in ("fam", "primary_parent", "lineage_rows"):
        con.execute(f"DROP TABLE {t}")


def build_crawl_runs(con: duckdb.DuckDBPyConnection, dd: DataDir) -> None:
    path = dd.state / "crawl_runs.jsonl"
    if not path.exists():
        return
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for line in path.read_bytes().splitlines():
        try:
            ev = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # a line cut by a crash
        last[(ev.get("run_id"), ev.get("repo_type"))] = ev
    cols = schema.columns("crawl_runs")
    data = {c: [ev.get(c) for ev in last.values()] for c in cols}
    if not last:
        return
    con.register("runs_py", pa.table({c: pa.array([None if v is None else str(v) for v in data[c]], pa.string()) for c in cols}))
    casts = ", ".join(f"TRY_CAST(\"{c}\" AS {t})" for c, t, _ in schema.TABLES["crawl_runs"][1])
    con.execute(f"INSERT INTO crawl_runs SELECT {casts} FROM runs_py")
    con.unregister("runs_py")


def build_world_info(con: duckdb.DuckDBPyConnection, dd: DataDir, date: str, generated: bool | None) -> None:
    state = read_json(dd.state / "crawl_state.json", {}) or {}
    world = (state.get("world") or {}).get(date) or {}
    gen = bool(world.get("generated")) if generated is None else generated
    con.execute("CREATE TABLE world_info (generated BOOLEAN, endpoint VARCHAR, detail VARCHAR, snapshot_date DATE)")
    con.execute("INSERT INTO world_info VALUES (?, ?, ?, ?)", [gen, world.get("endpoint"), world.get("detail"), date])


def create_analysis_views(con: duckdb.DuckDBPyConnection, analysis_dir: Path | None) -> list[str]:
    """Every ``analysis/<name>.sql`` as view ``<name>``; retried so files may depend on each other."""
    if analysis_dir is None or not Path(analysis_dir).exists():
        return []
    pending = {p.stem: p.read_text() for p in sorted(Path(analysis_dir).glob("*.sql"))}
    created: list[str] = []
    errors: dict[str, str] = {}
    while pending:
        progress = False
        for name, sql in list(pending.items()):
            body = sql.strip().rstrip(";")
            try:
                con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {body}')
            except duckdb.Error as exc:
                errors[name] = str(exc)
                continue
            created.append(name)
            del pending[name]
            progress = True
        if not progress:
            raise RuntimeError("analysis views that could not be created: " +
                               "; ".join(f"{n}: {errors[n]}" for n in pending))
    return created


def materialize_analyses(con: duckdb.DuckDBPyConnection, names: list[str], analysis_dir: Path | None,
                         say: Callable[[str], None]) -> list[str]:
    """Compute every analysis view once into a table of the same name and columns.

    The published database is never written after the build, so a table holds what the view
    would return, and the reports and users read it instead of evaluating the SQL again (the
    growth and family analyses scan every model). ``names`` are in creation order, so an analysis
    that reads another finds it computed. A view that fails to evaluate stays a view, with a
    warning: the night is not lost for one analysis, and reading that view shows its error.
    Returns the names computed.
    """
    from .docs import describe_sql

    done: list[str] = []
    for name in names:
        sql_file = Path(analysis_dir or ".") / f"{name}.sql"
        what = describe_sql(sql_file.read_text()) if sql_file.exists() else ""
        try:
            _view_rows_into_table(con, name, f"_m_{name}")
        except duckdb.Error as exc:
            con.execute(f'DROP TABLE IF EXISTS "_m_{name}"')
            say(f"build: WARNING analysis {name} stays a view, it failed to evaluate: {exc}")
            continue
        con.execute(f'DROP VIEW "{name}"')
        con.execute(f'ALTER TABLE "_m_{name}" RENAME TO "{name}"')
        comment = f"{what} (Computed by the build from analysis/{name}.sql.)".strip()
        con.execute(f"COMMENT ON TABLE \"{name}\" IS '{comment.replace(chr(39), chr(39) * 2)}'")
        done.append(name)
    return done


def quality_gate(con: duckdb.DuckDBPyConnection, dd: DataDir, date: str, complete: dict[str, bool],
                 min_ratio: float = 0.8) -> list[GateCheck]:
    prev = read_json(dd.state / "published.json", {}) or {}
    checks: list[GateCheck] = []
    for rt, ok in complete.items():
        checks.append(GateCheck(f"{plural(rt)}_snapshot_complete", float(ok), 1.0, ok,
                                f"the {plural(rt)} crawl for {date} finished every page"))
    for rt in ("model", "dataset", "space"):
        n = con.execute(f"SELECT count(*) FROM {plural(rt)}").fetchone()[0]
        before = (prev.get("counts") or {}).get(plural(rt))
        if before:
            ratio = n / before
            checks.append(GateCheck(f"{plural(rt)}_count_vs_previous", round(ratio, 4), min_ratio, ratio >= min_ratio,
                                    f"{n:,} now against {before:,} in the last published build (a drop below "
                                    f"{min_ratio:.0%} refuses to publish unless forced)"))
    total = con.execute("SELECT count(*) FROM models").fetchone()[0] or 0
    dups = con.execute("SELECT count(*) FROM quarantine WHERE reason = 'duplicate_id' AND repo_type = 'model'").fetchone()[0]
    checks.append(GateCheck("models_duplicate_id_share", round(dups / max(total, 1), 6), 0.01, dups / max(total, 1) <= 0.01,
                            f"{dups} model ids listed more than once (kept the most recent record)"))
    for col, limit in (("created_at", 0.01), ("author", 0.01), ("last_modified", 0.05)):
        nulls = con.execute(f"SELECT count(*) FILTER (WHERE {col} IS NULL) FROM models").fetchone()[0]
        rate = nulls / max(total, 1)
        checks.append(GateCheck(f"models_{col}_null_rate", round(rate, 6), limit, rate <= limit, f"{nulls} models without {col}"))
    bad = con.execute("SELECT count(*) FROM quarantine WHERE stage = 'crawl' AND reason IN ('bad_record', 'missing_id')").fetchone()[0]
    rate = bad / max(total, 1)
    checks.append(GateCheck("unusable_record_share", round(rate, 6), 0.01, rate <= 0.01, f"{bad} listing entries could not be stored as repos"))
    for c in checks:
        con.execute("INSERT INTO quality_checks VALUES (?, ?, ?, ?, ?, ?)", [date, c.name, c.measured, c.threshold, c.passed, c.detail])
    return checks


# What an incremental build keeps from the published database; every other table and view is
# dropped from the copy and built again, as in a full build.
KEPT_TABLES = ("models", "datasets", "spaces", "model_snapshots")
# Bumped whenever what the build writes into the kept tables changes: a database written by an
# older build is then not a base, and the next build is a full one.
BUILD_FORMAT = 2  # 2: internal.heavy_records


def inputs_fingerprint(dd: DataDir, upto: str) -> str:
    """A digest of what a build of ``upto`` read: the modification time of every snapshot folder
    of a date up to ``upto`` (it changes whenever a page file, summary or marker in it is added,
    replaced or removed: every write there is a rename), the kept tables' DDL and BUILD_FORMAT."""
    # (DuckDB's version too: the summaries' row_hash is its hash function's; and the evals' code,
    # since an incremental build keeps the base night's self-reported scores, see _evals)
    h = hashlib.sha256(f"format {BUILD_FORMAT} duckdb {duckdb.__version__}\n".encode())
    for path in sorted((Path(__file__).parent / "evals").glob("*.py")):
        h.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    for table in KEPT_TABLES:
        h.update(_ddl(table).encode())
    for rt in REPO_TYPES:
        root = dd.root / "snapshots" / plural(rt)
        for folder in sorted(root.glob("date=*")) if root.is_dir() else []:
            if folder.name[5:] > upto:
                continue
            for sub in (folder, folder / "full", folder / "light", folder / "heavy"):
                try:
                    h.update(f"{sub.relative_to(dd.root)} {sub.stat().st_mtime_ns}\n".encode())
                except FileNotFoundError:
                    continue
    return h.hexdigest()


def incremental_base(dd: DataDir, date: str, dates: dict[str, list[str]]) -> tuple[str | None, str]:
    """(the date of the published database a build of ``date`` can start from, or None; why).

    It can when it is of an earlier complete night and nothing it was built from has changed
    since (:func:`inputs_fingerprint`, recorded when it was published). The result is then the
    same as a full build's: tests/test_incremental_build.py compares the two table by table.
    """
    published = read_json(dd.state / "published.json", {}) or {}
    base, recorded = published.get("snapshot_date"), (published.get("build") or {}).get("inputs")
    if not dd.db.exists() or not base or not recorded:
        return None, "no published database to start from"
    if base >= date:
        return None, f"the published database is of {base}, not of a night before {date}"
    for rt in REPO_TYPES:
        if date not in dates[rt] or base not in dates[rt]:
            return None, f"the {plural(rt)} snapshot of {date if date not in dates[rt] else base} is not complete"
        summary = dd.snapshot(rt, base) / "_snapshot.parquet"
        if not summary.exists() or "row_hash" not in pq.read_schema(summary).names:
            return None, f"the {plural(rt)} summary of {base} has no row hashes (written by an older build)"
    if recorded != inputs_fingerprint(dd, base):
        return None, f"snapshots up to {base} changed since its database was built (or the build's format did)"
    return base, f"starting from the published database of {base}"


def _prepare_base(con: duckdb.DuckDBPyConnection) -> None:
    """In the copy of the published database: drop every view and every table but KEPT_TABLES,
    and create the other public tables empty, as a full build starts them. The base night's
    self-reported scores and their quarantine rows are first copied into temp tables
    ``base_self_scores`` / ``base_self_quarantine``, for the evals to reuse (see :func:`_evals`)."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND table_name = 'eval_scores'").fetchone()[0]:
        from .evals._load import SELF_SOURCES, STAGE

        sources = ", ".join(f"'{x}'" for x in SELF_SOURCES)
        con.execute(f"CREATE TEMP TABLE base_self_scores AS SELECT * FROM eval_scores WHERE source IN ({sources})")
        con.execute(f"""CREATE TEMP TABLE base_self_quarantine AS SELECT * FROM quarantine
                    WHERE stage = '{STAGE}' AND split_part(detail, ':', 1) IN ({sources})""")
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary "
                               "AND schema_name = 'main'").fetchall():
        con.execute(f'DROP VIEW "{name}"')
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'").fetchall():
        if name not in KEPT_TABLES:
            con.execute(f'DROP TABLE "{name}"')
    for table in schema.TABLES:
        if table not in KEPT_TABLES:
            con.execute(_ddl(table))


def build(
    data_dir: str | os.PathLike[str] | DataDir,
    date: str | None = None,
    *,
    force: bool = False,
    full: bool = False,
    analysis_dir: Path | None = DEFAULT_ANALYSIS_DIR,
    generated_world: bool | None = None,
    emit: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build ``hub.duckdb`` from the snapshots of ``date`` (default: the latest complete one).

    Starts from a copy of the published database when :func:`incremental_base` allows it (the
    usual nightly case), unless ``full``; otherwise from an empty file.
    """
    dd = data_dir if isinstance(data_dir, DataDir) else DataDir(data_dir)
    say = emit or (lambda s: log.info(s))
    dates = {rt: dd.snapshot_dates(rt) for rt in ("model", "dataset", "space")}
    if date is None:
        if not dates["model"]:
            from .errors import HubstudyError

            raise HubstudyError(f"no complete model snapshot under {dd.root / 'snapshots'}: run `hubstudy crawl` first")
        date = dates["model"][-1]
    complete = {rt: date in dates[rt] for rt in ("model", "dataset", "space")}
    t0 = time.monotonic()
    steps: dict[str, float] = {}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        s = time.monotonic()
        out = fn()
        steps[name] = round(time.monotonic() - s, 3)
        say(f"build: {name} ({steps[name]:.1f}s)")
        return out

    # Earlier nights' summaries first: writing one changes what a base was built from.
    with duckdb.connect() as mem:
        step("history", lambda: build_history(mem, dd, date, dates))
    base, why = (None, "a full build was asked for") if full else incremental_base(dd, date, dates)
    say(f"build: {'incremental, ' if base else 'full build: '}{why}")
    tmp = dd.root / f".hub.duckdb.building-{os.getpid()}"
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    if base:
        step("copy", lambda: shutil.copyfile(dd.db, tmp))
    con = duckdb.connect(str(tmp))
    published = False
    try:
        con.execute("SET TimeZone = 'UTC'")
        # Nothing the build writes relies on row order (the lineage insert sorts explicitly).
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET memory_limit = '{build_memory_limit()}'")
        # The cores this process may use, which DuckDB's default (the machine's) can overstate.
        con.execute(f"SET threads = {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count() or 1}")
        # The page files are read by several statements: parse each file's footer once.
        con.execute("SET parquet_metadata_cache = true")
        # One checkpoint, at the end: DuckDB's default (after every 16 MB of log) rewrites the row
        # groups a nightly updates, deletes from and appends to several times over (full size,
        # alternating runs on a quiet host: nightly build 48.7 / 50.5 s -> 45.0 / 48.4 s, ~8% less
        # CPU; on a busier one, medians of 3: 57.4 -> 54.7 s).
        con.execute("SET checkpoint_threshold = '1TB'")
        # No fsync while building: the file is a private draft, published by a rename only once it
        # is complete, and a crash before that discards it (a rerun builds it again). Each commit
        # otherwise waits for the disk (full size nightly: 391 fsyncs, 4.0 s, 1.6 s of it the first
        # one flushing the base copy); _sync_file() makes the finished file durable instead.
        sync_off = _fsync_off(con)
        if base:
            _prepare_base(con)
        else:
            for table in schema.TABLES:
                con.execute(_ddl(table))

        step("models", lambda: build_models(con, dd, date, dates["model"], base))
        step("model_snapshots", lambda: build_model_snapshots(con, dd, date, dates["model"], base))
        step("datasets", lambda: build_simple(con, dd, "dataset", date, dates["dataset"], base))
        step("spaces", lambda: build_simple(con, dd, "space", date, dates["space"], base))
        step("lineage", lambda: build_lineage(con, date))
        step("family", lambda: build_family(con, date))
        step("crawl_runs", lambda: build_crawl_runs(con, dd))
        build_world_info(con, dd, date, generated_world)
        create_raw_views(con, dd, date)
        step("evals", lambda: _evals(con, dd, date, say))
        analyses = step("analysis", lambda: create_analysis_views(con, analysis_dir))
        step("analysis_tables", lambda: materialize_analyses(con, analyses, analysis_dir, say))
        checks = step("quality_gate", lambda: quality_gate(con, dd, date, complete))
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in schema.TABLES}
        failed = [c for c in checks if not c.passed]
        for t in [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()]:
            con.execute(f'DROP TABLE IF EXISTS temp."{t}"')
        con.execute("CHECKPOINT")
        con.close()
        if sync_off:
            _sync_file(tmp)
        atomic_write_json(dd.state / f"quality_{date}.json", [c.__dict__ for c in checks])
        if failed and not force:
            raise QualityGateError(
                "quality gate refused to publish: " + "; ".join(f"{c.name} = {c.measured} (limit {c.threshold}): {c.detail}" for c in failed)
                + f". The previous database stays in place; rerun with --force to publish anyway."
            )
        os.replace(tmp, dd.db)
        _sync_dir(dd.db.parent)
        published = True
        # what the database was built from, for the next night's incremental_base
        atomic_write_json(dd.state / "published.json", {"snapshot_date": date, "counts": counts,
                                                         "build": {"inputs": inputs_fingerprint(dd, date), "base": base}})
        say(f"build: published {dd.db} ({counts['models']:,} models, {counts['lineage']:,} lineage edges)")
        return BuildResult(dd.db, date, counts, checks, True, round(time.monotonic() - t0, 2), steps, base)
    finally:
        try:
            con.close()
        except Exception:
            pass
        if not published:
            tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


def _fsync_off(con: duckdb.DuckDBPyConnection) -> bool:
    """Turn DuckDB's fsyncs off on ``con`` (``fsync_mode``, DuckDB 2.0 on); False if it has no such setting."""
    try:
        con.execute("SET fsync_mode = 'NONE'")
    except duckdb.Error:
        return False
    return True


def _sync_file(path: Path) -> None:
    """Wait until ``path``'s data is on stable storage."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(path: Path) -> None:
    """Make a rename into ``path`` durable (where the system allows syncing a folder)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _evals(con: duckdb.DuckDBPyConnection, dd: DataDir, date: str, say: Callable[[str], None]) -> None:
    """Eval tables and study views, when those modules are present."""
    try:
        from . import evals, study
    except ImportError:
        return
    if hasattr(study, "create_macros"):
        study.create_macros(con)
    if hasattr(evals, "load"):
        # An incremental build reads again only the changed models' model-index and evalResults
        # (the rest are the base night's rows; the same result, see evals.load).
        temp = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
        reuse = None
        if {"base_self_scores", "base_self_quarantine", "models_rewritten"} <= temp:
            reuse = evals.Reuse("base_self_scores", "base_self_quarantine", "models_rewritten")
        summary = evals.load(con, dd.root, date, reuse=reuse)
        sr = summary.get("self_reported") or {}
        say(f"build: self-reported scores read from {sr.get('models', 0):,} models' documents"
            + (f", {sr['reused_rows']:,} rows of the others kept from the base night" if "reused_rows" in sr else ""))
    if hasattr(study, "create_views"):
        study.create_views(con)
        materialize(con, ("study_edges", "study_root_edges", "study_model_scores", "parent_child_scores",
                          "pair_outcomes", "root_child_scores", "root_pair_outcomes"))


def _view_rows_into_table(con: duckdb.DuckDBPyConnection, view: str, table: str, quoted: bool = True) -> None:
    """A new table ``table`` with the columns and rows of ``view`` (names quoted unless ``quoted``
    is false: then ``view`` may be a subquery and ``table`` schema-qualified). Its id columns
    (``id``, ``*_id``) are stored with zstd, as in the repo tables (see ZSTD_COLUMNS)."""
    view, table = (f'"{view}"', f'"{table}"') if quoted else (view, table)
    cols = con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()
    body = ", ".join(f'"{c}" {t}' + (" USING COMPRESSION zstd" if t == "VARCHAR" and (c == "id" or c.endswith("_id")) else "")
                     for c, t, *_ in cols)
    con.execute(f"CREATE TABLE {table} ({body})")
    con.execute(f"INSERT INTO {table} SELECT * FROM {view}")


def materialize(con: duckdb.DuckDBPyConnection, views: tuple[str, ...]) -> None:
    """Replace views by tables of their rows, in order (later ones may read earlier ones).

    The comparison views are read by every study analysis and report; computing them once per
    build instead of once per query keeps the reports fast on the full Hub. The database is
    rebuilt every night, so a table is as current as the view was; its comment says what it is.
    """
    for name in views:
        found = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = ? AND NOT temporary", [name]).fetchone()
        if found is None:
            continue
        _view_rows_into_table(con, name, f"_m_{name}")
        con.execute(f'DROP VIEW "{name}"')
        con.execute(f'ALTER TABLE "_m_{name}" RENAME TO "{name}"')
        comment = (found[0] or "") + " (Materialised when the database was built.)"
        con.execute(f"COMMENT ON TABLE \"{name}\" IS '{comment.strip().replace(chr(39), chr(39) * 2)}'")
