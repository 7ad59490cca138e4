"""Build ``eval_scores`` (and the evals' ``quarantine`` rows) inside a DuckDB connection.

The two parquet sources are read and reshaped by DuckDB itself (``read_parquet``; the MTEB table
has millions of rows and never passes through Python). Self-reported scores come from
``models.model_index`` / ``models.eval_results`` (only a minority of models has either): documents
of the plain shape are read by SQL (:func:`self_reported.model_index_sql`), the others parsed in
Python, one model at a time, and inserted in batches through Arrow; both give the same rows.

Loading is idempotent per snapshot date: ``eval_scores`` is rebuilt from scratch and the evals'
quarantine rows for that date are replaced. A nightly build may pass a :class:`Reuse`: the
self-reported rows of the night it started from, kept for every model whose card and sha are
unchanged, so that only the changed models' documents are read again (see :func:`load`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from hubstudy import schema as public_schema

from . import leaderboard, mteb, self_reported
from ._records import Problem, Score
from .schema import ddl as eval_ddl
from .self_reported import parse_eval_results, parse_model_index

STAGE = "evals"
QUARANTINE_CAP = 10_000  # rows kept per (source, reason); the overflow is counted in one row
BATCH = 100_000
_NUMERIC_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _exists(con: Any, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [table]).fetchall()[0][0])


def ensure_tables(con: Any) -> None:
    """Create ``eval_scores`` and ``quarantine`` when the connection lacks them."""
    if not _exists(con, "eval_scores"):
        con.execute(eval_ddl())
    if not _exists(con, "quarantine"):
        con.execute(public_schema.ddl("quarantine"))


class _Quarantine:
    """Collects quarantine rows from Python, at most QUARANTINE_CAP per (source, reason)."""

    def __init__(self, con: Any, snapshot: dt.date):
        self.con, self.snapshot = con, snapshot
        self.counts: Counter[tuple[str, str]] = Counter()
        self.rows: list[tuple[Any, ...]] = []

    def add(self, source: str, repo_type: str, repo_id: str | None, reason: str, detail: str, raw: str | None) -> None:
        self.counts[(source, reason)] += 1
        if self.counts[(source, reason)] <= QUARANTINE_CAP:
            self.rows.append((self.snapshot, STAGE, repo_type, repo_id, reason, f"{source}: {detail}", raw))

    def flush(self) -> None:
        if self.rows:
            # one Arrow batch instead of executemany: row-by-row inserts cost seconds per 10k rows
            names = ("snapshot_date", "stage", "repo_type", "id", "reason", "detail", "raw")
            cols = list(zip(*self.rows))
            batch = pa.table({n: pa.array(c, type=pa.date32() if n == "snapshot_date" else pa.string())
                              for n, c in zip(names, cols)})
            w = self.con.cursor()
            w.register("_quarantine_batch", batch)
            try:
                w.execute("INSERT INTO quarantine BY NAME SELECT * FROM _quarantine_batch")
            finally:
                w.unregister("_quarantine_batch")
                w.close()
            self.rows = []

    def close(self) -> None:
        for (source, reason), n in self.counts.items():
            if n > QUARANTINE_CAP:
                self.rows.append(_overflow_row(self.snapshot, source, reason, n - QUARANTINE_CAP))
        self.flush()


def _overflow_row(snapshot: dt.date, source: str, reason: str, extra: int) -> tuple[Any, ...]:
    return (snapshot, STAGE, None, None, "quarantine_overflow",
            f"{source}: {extra} more rows with reason {reason} were not stored (cap {QUARANTINE_CAP} per source and reason)", None)


# the sources read from the models' own documents (mteb_external comes from the MTEB files)
SELF_SOURCES = (self_reported.MODEL_INDEX, self_reported.EVAL_RESULTS)


@dataclass(frozen=True)
class Reuse:
    """What an incremental build kept of the night it started from, for :func:`load` (names of
    tables or views on the same connection).

    ``scores``: that night's ``eval_scores`` rows of the SELF_SOURCES. ``quarantine``: that
    night's evals quarantine rows of the SELF_SOURCES (their detail starts with ``<source>:``).
    ``changed``: a column ``id`` of every model whose self-reported documents may differ from
    that night's: rewritten tonight (new, relisted, changed sha or card) or no longer listed.
    Every other model of ``models`` had the same id, sha, model-index and evalResults then, so
    its rows are that night's, with tonight's date.
    """

    scores: str
    quarantine: str
    changed: str


def load(con: Any, data_dir: str | Path, snapshot_date: str | dt.date, *, reuse: Reuse | None = None) -> dict[str, Any]:
    """Rebuild ``eval_scores`` from ``<data_dir>/evals/<source>/`` files and ``models``.

    The connection must already hold ``models`` (``lineage`` and ``model_family`` are read later
    by :mod:`hubstudy.study`). Returns a summary: per source the files read, score rows written
    and quarantined rows by reason.

    ``reuse``: the self-reported scores are read only from the documents of ``reuse.changed``;
    the other models' rows and quarantine rows are ``reuse``'s. The result is the same rows as
    reading every document, unless a quarantine reason would pass its cap (which rows a cap keeps
    depends on all of them): then, as when ``reuse`` holds an overflow row, every document is
    read again.
    """
    snapshot = _date(snapshot_date)
    root = Path(data_dir) / "evals"
    con.execute("DROP TABLE IF EXISTS eval_scores")
    ensure_tables(con)
    con.execute("DELETE FROM quarantine WHERE stage = ? AND snapshot_date = ?", [STAGE, snapshot])
    try:
        summary = {
            leaderboard.SOURCE: _load_leaderboard(con, root / leaderboard.SOURCE, snapshot),
            mteb.SOURCE: _load_mteb(con, root / mteb.SOURCE, snapshot),
            "self_reported": _load_self_reported_reusing(con, snapshot, reuse) if reuse else _load_self_reported(con, snapshot),
        }
    finally:
        con.execute("DROP VIEW IF EXISTS _eval_mteb")
        for t in ("_eval_hub_ids", "_eval_lb", "_eval_self_src", "_eval_self_sql", "_eval_self_odd"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    summary["eval_scores"] = con.execute("SELECT count(*) FROM eval_scores").fetchall()[0][0]
    return summary


# -- parquet sources ----------------------------------------------------------------------

def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(con: Any, path: Path) -> dict[str, str] | None:
    """Column name -> type from the file's footer; None when the file is not readable parquet."""
    try:
        rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error:
        return None
    return {r[0]: r[1] for r in rows}


def _usable(col_type: str) -> bool:
    """Scores can be read from numbers and text (booleans, lists and structs are wrong shapes)."""
    return col_type == "VARCHAR" or col_type.split("(")[0] in _NUMERIC_TYPES


def _file_problem(con: Any, snapshot: dt.date, source: str, repo_id: str, reason: str, detail: str, raw: str) -> None:
    con.execute(
        "INSERT INTO quarantine VALUES (?, ?, 'dataset', ?, ?, ?, ?)",
        [snapshot, STAGE, repo_id, reason, f"{source}: {detail}", raw[:2000]],
    )


def _stage_hub_ids(con: Any, names: str) -> None:
    """``_eval_hub_ids``: Hub ids by lower-case spelling, for the spellings in ``names`` (a table or
    view with a ``model_name`` column), to match a source's spelling of a model id.

    Only the spellings a source uses: grouping all of ``models`` by ``lower(id)`` costs a second at
    Hub scale, and a spelling no row of the source has is never looked up.
    """
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _eval_hub_ids AS
        SELECT lower(id) AS lid, min(id) AS id FROM models
        WHERE lower(id) IN (SELECT lower(trim(model_name)) FROM {names})
        GROUP BY 1"""
    )


def _hub_match(alias: str) -> str:
    """SQL joins that map a source's spelling of ``<alias>.model_name`` to a Hub id (``_eval_hub_ids``
    must hold every spelling the rows of ``<alias>`` use, see :func:`_stage_hub_ids`)."""
    return (
        f"LEFT JOIN models _m ON _m.id = trim({alias}.model_name) "
        f"LEFT JOIN _eval_hub_ids _h ON _h.lid = lower(trim({alias}.model_name))"
    )


_MODEL_ID = "coalesce(_m.id, _h.id, trim({a}.model_name))"
_ON_HUB = "(_m.id IS NOT NULL OR _h.id IS NOT NULL)"


def _quarantine_sql(con: Any, snapshot: dt.date, source: str, table: str, id_expr: str, detail_expr: str, raw_expr: str) -> dict[str, int]:
    """Copy the rows of ``table`` that carry a ``reason`` into quarantine (capped); count them."""
    counts = dict(con.execute(f"SELECT reason, count(*) FROM {table} WHERE reason IS NOT NULL GROUP BY 1").fetchall())
    if not counts:
        return {}
    con.execute(
        f"""INSERT INTO quarantine
        SELECT $snap, '{STAGE}', 'model', {id_expr}, reason, '{source}: ' || {detail_expr}, left({raw_expr}, 2000)
        FROM {table} WHERE reason IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY reason) <= {QUARANTINE_CAP}""",
        {"snap": snapshot},
    )
    for reason, n in counts.items():
        if n > QUARANTINE_CAP:
            con.execute("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?)", _overflow_row(snapshot, source, reason, n - QUARANTINE_CAP))
    return counts


_VALUE_REASON = """CASE
      WHEN model_name IS NULL OR trim(model_name) = '' THEN 'missing_model_id'
      WHEN {sent} IS NULL THEN 'missing_value'
      WHEN value IS NULL THEN 'unparseable_value'
      WHEN isnan(value) OR isinf(value) THEN 'non_finite_value'
      WHEN {range_fails} THEN 'out_of_range'
    END"""


def _load_leaderboard(con: Any, folder: Path, snapshot: dt.date) -> dict[str, Any]:
    files = sorted(folder.rglob("*.parquet")) if folder.exists() else []
    out: dict[str, Any] = {"files": len(files), "rows": 0, "quarantined": Counter()}
    for path in files:
        rel = path.relative_to(folder).as_posix()
        cols = _columns(con, path)
        if cols is None:
            _file_problem(con, snapshot, leaderboard.SOURCE, leaderboard.REPO_ID, "unreadable_file", f"{rel} is not readable parquet; file skipped", rel)
            out["quarantined"]["unreadable_file"] += 1
            continue
        usable = {c for c, t in cols.items() if _usable(t)}
        sql, missing = leaderboard.long_sql(usable, "_src", set(cols))
        if "fullname" not in usable or not sql:
            _file_problem(con, snapshot, leaderboard.SOURCE, leaderboard.REPO_ID, "missing_column",
                          f"{rel} has no usable fullname or `<X> Raw` columns; file skipped", ", ".join(sorted(cols)))
            out["quarantined"]["missing_column"] += 1
            continue
        for col in missing:
            why = "has the wrong type" if col in cols else "is missing"
            _file_problem(con, snapshot, leaderboard.SOURCE, leaderboard.REPO_ID, "missing_column",
                          f"{rel}: column `{col}` {why}; that benchmark is skipped", f"{col}: {cols.get(col, 'absent')}")
            out["quarantined"]["missing_column"] += 1
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _eval_lb AS
            WITH _src AS (SELECT * FROM read_parquet($path, filename = true, file_row_number = true)),
            _long AS ({sql})
            SELECT *, {_VALUE_REASON.format(sent='raw_text', range_fails='value < 0 OR value > 1')} AS reason FROM _long""",
            {"path": str(path)},
        )
        out["quarantined"].update(
            _quarantine_sql(con, snapshot, leaderboard.SOURCE, "_eval_lb", "model_name",
                            f"benchmark || ' Raw = ' || coalesce(raw_text, 'NULL') || ' ({rel} row ' || row_number || ')'", "raw_text")
        )
        _stage_hub_ids(con, "_eval_lb")
        con.execute(
            f"""INSERT INTO eval_scores BY NAME
            SELECT $snap AS snapshot_date, {_MODEL_ID.format(a='s')} AS model_id, s.model_name, {_ON_HUB} AS on_hub,
                   '{leaderboard.SOURCE}' AS source, false AS self_reported,
                   s.benchmark AS benchmark_key, s.benchmark, s.benchmark AS dataset, 'raw' AS metric,
                   s.value, s.normalized_value,
                   CASE WHEN TRY_CAST(s.raw_text AS DOUBLE) IS NULL THEN s.raw_text END AS raw_value,
                   s.revision, s.variant, 1 AS n_rows, '{rel}#' || s.row_number AS origin, s.detail
            FROM _eval_lb s {_hub_match('s')}
            WHERE s.reason IS NULL""",
            {"snap": snapshot},
        )
        out["rows"] += con.execute("SELECT count(*) FROM _eval_lb WHERE reason IS NULL").fetchall()[0][0]
    out["quarantined"] = dict(out["quarantined"])
    return out


def _load_mteb(con: Any, folder: Path, snapshot: dt.date) -> dict[str, Any]:
    files = sorted(folder.rglob("*.parquet")) if folder.exists() else []
    out: dict[str, Any] = {"files": len(files), "rows": 0, "quarantined": Counter()}
    good: list[str] = []
    for path in files:
        rel = path.relative_to(folder).as_posix()
        cols = _columns(con, path)
        if cols is None:
            _file_problem(con, snapshot, mteb.SOURCE, mteb.REPO_ID, "unreadable_file", f"{rel} is not readable parquet; file skipped", rel)
            out["quarantined"]["unreadable_file"] += 1
            continue
        bad = [c for c in mteb.REQUIRED if c not in cols or not _usable(cols[c])]
        if bad:
            _file_problem(con, snapshot, mteb.SOURCE, mteb.REPO_ID, "missing_column",
                          f"{rel}: columns {', '.join(bad)} missing or of the wrong type; file skipped",
                          ", ".join(f"{c}: {t}" for c, t in cols.items()))
            out["quarantined"]["missing_column"] += 1
            continue
        good.append(str(path))
    if good:
        # A view, not a table: the shards hold millions of rows, read once for the quarantine and
        # once for the scores, never held whole. (Views take no parameters, hence the literals.)
        files_sql = "[" + ", ".join(_sql_str(f) for f in good) + "]"
        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW _eval_mteb AS
            WITH _src AS (
                SELECT trim(CAST(model_name AS VARCHAR)) AS model_name,
                       coalesce(trim(CAST(model_revision AS VARCHAR)), '') AS model_revision,
                       trim(CAST(task_name AS VARCHAR)) AS task_name,
                       coalesce(trim(CAST(split AS VARCHAR)), '') AS split,
                       coalesce(nullif(trim(CAST(subset AS VARCHAR)), ''), 'default') AS subset,
                       score AS score_sent,
                       {leaderboard.fraction_sql('score')} AS value,
                       replace(filename, {_sql_str(str(folder) + "/")}, '') AS origin
                FROM read_parquet({files_sql}, union_by_name = true, filename = true))
            SELECT *, CASE WHEN task_name IS NULL OR task_name = '' THEN 'missing_benchmark' ELSE
                {_VALUE_REASON.format(sent='score_sent', range_fails='abs(value) > 1')} END AS reason
            FROM _src"""
        )
        out["quarantined"].update(
            _quarantine_sql(con, snapshot, mteb.SOURCE, "_eval_mteb", "model_name",
                            "coalesce(task_name, '?') || ' ' || split || '/' || subset || ' rev ' || model_revision || ' score = ' "
                            "|| coalesce(CAST(score_sent AS VARCHAR), 'NULL') || ' (' || origin || ')'",
                            "CAST(score_sent AS VARCHAR)")
        )
        _stage_hub_ids(con, "_eval_mteb")  # reads the shards' model_name column only
        ext = f"s.model_revision = '{mteb.EXTERNAL_REVISION}'"
        con.execute(
            f"""INSERT INTO eval_scores BY NAME
            SELECT $snap AS snapshot_date, {_MODEL_ID.format(a='s')} AS model_id, s.model_name, {_ON_HUB} AS on_hub,
                   CASE WHEN {ext} THEN '{mteb.SOURCE_EXTERNAL}' ELSE '{mteb.SOURCE}' END AS source,
                   {ext} AS self_reported,
                   CASE WHEN {ext}
                        THEN lower(s.task_name) || '|' || lower(s.subset) || '|' || lower(s.split) || '|main_score'
                        ELSE s.task_name || '|' || s.split || '|' || s.subset END AS benchmark_key,
                   s.task_name AS benchmark, s.task_name AS dataset, s.subset AS config, s.split, 'main_score' AS metric,
                   s.value, s.model_revision AS revision, s.n_rows, s.origin
            FROM (SELECT model_name, model_revision, task_name, split, subset,
                         avg(value) AS value, count(*) AS n_rows, min(origin) AS origin
                  FROM _eval_mteb WHERE reason IS NULL GROUP BY ALL) s {_hub_match('s')}""",
            {"snap": snapshot},
        )
        out["rows"] = con.execute("SELECT count(*) FROM eval_scores WHERE source IN (?, ?)", [mteb.SOURCE, mteb.SOURCE_EXTERNAL]).fetchall()[0][0]
    out["quarantined"] = dict(out["quarantined"])
    return out


# -- self-reported ------------------------------------------------------------------------

_SELF_COLUMNS = ("model_id", "source", "benchmark_key", "benchmark", "dataset", "config", "split", "metric",
                 "value", "raw_value", "revision", "origin", "detail")


def _stage_self_reported(con: Any, only: str | None = None) -> None:
    """``_eval_self_src``: (id, sha, model-index, evalResults) of every model that has either (of
    the ids of the query ``only``, when given), and ``_eval_self_sql``: the scores the SQL reading
    finds in them, with a ``plain`` false row for each document it leaves to the Python parsers
    (see :func:`self_reported.model_index_sql`)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _eval_self_src AS
        SELECT id, sha, coalesce(model_index, json_extract(card_data, '$."model-index"')) AS mi, eval_results AS er
        FROM models
        WHERE (model_index IS NOT NULL OR eval_results IS NOT NULL OR json_extract(card_data, '$."model-index"') IS NOT NULL)
        {f"AND id IN (SELECT id FROM {only})" if only else ""}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _eval_self_sql AS
        SELECT * FROM ({self_reported.model_index_sql("(SELECT id, sha, mi AS doc FROM _eval_self_src)")})
        UNION ALL BY NAME
        SELECT * FROM ({self_reported.eval_results_sql("(SELECT id, sha, er AS doc FROM _eval_self_src)")})"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _eval_self_odd AS SELECT DISTINCT id, source FROM _eval_self_sql WHERE NOT plain")


def _self_reported_rows(con: Any) -> Iterable[tuple[str, str | None, Any, Any]]:
    """(id, sha, model-index, evalResults) as JSON text, in id order, of the documents left to Python
    (None for a document the SQL read).

    Read on ``con`` itself, which alone sees its temporary tables; the caller inserts its batches
    through cursors of their own meanwhile (a connection cannot run a statement while one of its
    results is still open).
    """
    cur = con.execute(
        f"""SELECT s.id, s.sha,
                  CASE WHEN bool_or(o.source = '{self_reported.MODEL_INDEX}') THEN CAST(any_value(s.mi) AS VARCHAR) END,
                  CASE WHEN bool_or(o.source = '{self_reported.EVAL_RESULTS}') THEN CAST(any_value(s.er) AS VARCHAR) END
           FROM _eval_self_src s JOIN _eval_self_odd o USING (id)
           GROUP BY s.id, s.sha
           ORDER BY s.id"""
    )
    while batch := cur.fetchmany(5_000):
        yield from batch


def _load_self_reported_reusing(con: Any, snapshot: dt.date, reuse: Reuse) -> dict[str, Any]:
    """:func:`_load_self_reported` for the models of ``reuse.changed``, ``reuse``'s rows for the
    others; or for every model, when a quarantine cap makes the two differ (see :func:`load`)."""
    sources = ", ".join(f"'{x}'" for x in SELF_SOURCES)
    of_source = f"split_part(detail, ':', 1) IN ({sources})"
    unchanged = f"NOT IN (SELECT id FROM {reuse.changed})"
    overflowed = con.execute(f"SELECT count(*) FROM {reuse.quarantine} WHERE reason = 'quarantine_overflow'").fetchone()[0]
    if not overflowed:
        con.execute(
            f"""INSERT INTO eval_scores BY NAME
            SELECT * REPLACE ($snap AS snapshot_date) FROM {reuse.scores}
            WHERE source IN ({sources}) AND model_id {unchanged}""",
            {"snap": snapshot},
        )
        kept = con.execute(
            f"""SELECT split_part(detail, ':', 1), reason, count(*) FROM {reuse.quarantine}
            WHERE {of_source} AND id {unchanged} GROUP BY ALL""").fetchall()
        con.execute(
            f"""INSERT INTO quarantine BY NAME
            SELECT * REPLACE ($snap AS snapshot_date) FROM {reuse.quarantine} WHERE {of_source} AND id {unchanged}""",
            {"snap": snapshot},
        )
        out = _load_self_reported(con, snapshot, only=reuse.changed, counts=Counter({(src, r): n for src, r, n in kept}))
        if not out["over_cap"]:
            out["reused_rows"] = con.execute(
                f"SELECT count(*) FROM {reuse.scores} WHERE source IN ({sources}) AND model_id {unchanged}").fetchone()[0]
            return out
        # a cap was passed: which rows it keeps depends on every document's problems
        con.execute(f"DELETE FROM eval_scores WHERE source IN ({sources})")
        con.execute(f"DELETE FROM quarantine WHERE stage = ? AND snapshot_date = ? AND {of_source}", [STAGE, snapshot])
    return _load_self_reported(con, snapshot)


def _load_self_reported(con: Any, snapshot: dt.date, only: str | None = None,
                        counts: Counter[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Self-reported scores of every model (of ``only``'s ids, when given); ``counts``: quarantine
    rows per (source, reason) already stored for this night. ``over_cap`` in the result: some
    (source, reason) passed QUARANTINE_CAP (its rows beyond the cap were counted, not stored)."""
    _stage_self_reported(con, only)
    out: dict[str, Any] = {"models": con.execute("SELECT count(*) FROM _eval_self_src").fetchall()[0][0], "rows": Counter()}
    # Documents of the plain shape: read in SQL, inserted in one statement.
    con.execute(
        """INSERT INTO eval_scores BY NAME
        SELECT $snap AS snapshot_date, q.id AS model_id, q.id AS model_name, true AS on_hub, q.source, true AS self_reported,
               q.benchmark_key, q.benchmark, q.dataset, q.config, q.split, q.metric, q.value, q.raw_value, q.revision,
               1 AS n_rows, q.origin, CAST(q.detail AS JSON) AS detail
        FROM _eval_self_sql q ANTI JOIN _eval_self_odd o USING (id, source)""",
        {"snap": snapshot},
    )
    out["rows"].update(dict(con.execute(
        "SELECT source, count(*) FROM _eval_self_sql q ANTI JOIN _eval_self_odd o USING (id, source) GROUP BY 1").fetchall()))

    # The rest: parsed in Python, one model at a time, inserted in batches through Arrow.
    quarantine = _Quarantine(con, snapshot)
    quarantine.counts.update(counts or {})
    buffer: dict[str, list[Any]] = {c: [] for c in _SELF_COLUMNS}

    def flush() -> None:
        if not buffer["model_id"]:
            return
        batch = pa.table(buffer)
        w = con.cursor()  # a connection of its own: no result still open on `con` can block it
        w.register("_eval_self_batch", batch)
        try:
            w.execute(
                f"""INSERT INTO eval_scores BY NAME
                SELECT $snap AS snapshot_date, b.model_id, b.model_id AS model_name, true AS on_hub,
                       b.source, true AS self_reported, b.benchmark_key, b.benchmark, b.dataset, b.config, b.split,
                       b.metric, b.value, b.raw_value, b.revision, 1 AS n_rows, b.origin, CAST(b.detail AS JSON) AS detail
                FROM _eval_self_batch b""",
                {"snap": snapshot},
            )
        finally:
            w.unregister("_eval_self_batch")
            w.close()
        for values in buffer.values():
            values.clear()
        quarantine.flush()

    def add(model_id: str, sha: str | None, scores: list[Score], problems: list[Problem], source: str) -> None:
        for s in scores:
            row = (model_id, s.source, s.benchmark_key, s.benchmark, s.dataset, s.config, s.split, s.metric,
                   s.value, s.raw_value, sha, s.origin, orjson.dumps(s.detail).decode() if s.detail else None)
            for col, v in zip(_SELF_COLUMNS, row):
                buffer[col].append(v)
            out["rows"][source] += 1
        for p in problems:
            quarantine.add(source, "model", model_id, p.reason, p.detail, p.raw)

    for model_id, sha, model_index, eval_results in _self_reported_rows(con):
        for text, parse, source in ((model_index, parse_model_index, "model_index"), (eval_results, parse_eval_results, "eval_results")):
            if text is None:
                continue
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                quarantine.add(source, "model", model_id, "wrong_shape", "stored value is not JSON", text[:2000])
                continue
            if value is None or value == []:
                continue
            scores, problems = parse(value)
            add(model_id, sha, scores, problems, source)
        if len(buffer["model_id"]) >= BATCH:
            flush()
    flush()
    over_cap = any(n > QUARANTINE_CAP for n in quarantine.counts.values())
    quarantine.close()
    quarantined: dict[str, int] = {}
    for (source, reason), n in quarantine.counts.items():
        quarantined[f"{source}:{reason}"] = n
    return {"models": out["models"], "rows": dict(out["rows"]), "quarantined": quarantined, "over_cap": over_cap}
