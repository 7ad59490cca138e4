"""Read access to a hubstudy DuckDB file for the reports: read-only, aggregated, defensive.

Every page asks through :class:`Source`. A query returns at most ``limit`` rows (the reports only
ever read aggregates, so this is a guard, not a sampling method). A missing table or view, or one
that fails to evaluate, raises :class:`Unavailable`, which a page turns into the sentence "not
available in this database" instead of failing the whole build.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

#: Hard ceiling on rows read into Python for one query. Charts and tables are fed aggregates
#: of at most a few thousand rows; anything larger is a bug in a query, cut here.
MAX_ROWS = 5000


class Unavailable(Exception):
    """A table or view the page needs is missing from the database, or cannot be evaluated."""


class Empty(Unavailable):
    """The view exists but has no rows yet (a first night, an empty table upstream)."""


@dataclass
class Rows:
    """A query result: column names, rows as dicts, and whether the limit cut it short."""

    columns: list[str]
    records: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def column(self, name: str) -> list[Any]:
        return [r[name] for r in self.records]


class Source:
    """A read-only connection to one hubstudy database."""

    def __init__(self, db_path: str | Path):
        path = Path(db_path)
        if not path.exists():
            raise FileNotFoundError(f"no DuckDB database at {path}")
        self.path = path
        self.con = duckdb.connect(str(path), read_only=True)
        # Several pages read the same small aggregates (growth_million, counts): run each query once.
        self._memo: dict[tuple, Rows] = {}
        # Row counts known from a complete, unfiltered read of a relation (see ``view`` and ``count``).
        self._counts: dict[str, int] = {}
        self._relations = {
            name: kind
            for name, kind in self.con.execute(
                """
                SELECT table_name, table_type FROM information_schema.tables
                WHERE table_catalog = current_database() AND table_schema = 'main'
                """
            ).fetchall()
        }

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- catalogue -----------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        return name in self._relations

    def relations(self, prefix: str = "") -> list[str]:
        return sorted(n for n in self._relations if n.startswith(prefix))

    def columns(self, name: str) -> list[str]:
        return list(self.column_types(name))

    def column_types(self, name: str) -> dict[str, str]:
        """Column name -> DuckDB type name, in table order."""
        if not self.has(name):
            raise Unavailable(f"`{name}` is not available in this database")
        return {
            r[0]: r[1]
            for r in self.con.execute(
                """
                SELECT column_name, data_type FROM information_schema.columns
                WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ?
                ORDER BY ordinal_position
                """,
                [name],
            ).fetchall()
        }

    def require(self, *names: str) -> None:
        missing = [n for n in names if not self.has(n)]
        if missing:
            raise Unavailable(", ".join(f"`{n}`" for n in missing) + " not available in this database")

    # -- queries ---------------------------------------------------------------------------------

    def rows(self, sql: str, params: list[Any] | None = None, *, needs: tuple[str, ...] = (),
             limit: int = MAX_ROWS) -> Rows:
        """Run an aggregate query; at most ``limit`` rows come back (``truncated`` says if cut)."""
        self.require(*needs)
        key = (sql, tuple(params or ()), limit)
        if key not in self._memo:
            try:
                cur = self.con.execute(sql, params or [])
                cols = [d[0] for d in cur.description]
                fetched = cur.fetchmany(limit + 1)
            except duckdb.Error as exc:
                raise Unavailable(f"query failed: {exc}") from exc
            self._memo[key] = Rows(cols, [dict(zip(cols, r)) for r in fetched[:limit]], len(fetched) > limit)
        hit = self._memo[key]
        # A copy: callers may add columns to their rows without changing what the next caller sees.
        return Rows(list(hit.columns), [dict(r) for r in hit.records], hit.truncated)

    def view(self, name: str, *, order_by: str | None = None, columns: list[str] | None = None,
             where: str | None = None, limit: int = MAX_ROWS, nonempty: bool = False) -> Rows:
        """Rows of one table or view, optionally projected, filtered and ordered (SQL fragments
        written in this package, never from data). nonempty: raise Empty when there are none."""
        self.require(name)
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        sql = f'SELECT {cols} FROM "{name}"'
        if where:
            sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {order_by}"
        # One row past the limit tells that it was cut; with LIMIT in the SQL an ordered read of a
        # large table keeps the top rows instead of sorting all of them.
        sql += f" LIMIT {int(limit) + 1}"
        rows = self.rows(sql, limit=limit)
        if where is None and not rows.truncated:
            # Every row was read: that is its count, so ``count`` need not evaluate a view again.
            self._counts[name] = len(rows)
        if nonempty and not rows.records:
            raise Empty(name)
        return rows

    def scalar(self, sql: str, params: list[Any] | None = None, *, needs: tuple[str, ...] = ()) -> Any:
        rows = self.rows(sql, params, needs=needs, limit=1)
        return rows.records[0][rows.columns[0]] if rows.records else None

    def count(self, name: str) -> int | None:
        """Rows in a table or view, None when it is missing or broken."""
        if name in self._counts:
            return self._counts[name]
        try:
            return self.scalar(f'SELECT count(*) FROM "{name}"', needs=(name,))
        except Unavailable:
            return None

    # -- facts every page shows ----------------------------------------------------------------

    def data_date(self) -> dt.date | None:
        """The latest snapshot date: from model_snapshots, else models, else crawl_runs."""
        for table in ("model_snapshots", "models", "crawl_runs"):
            if self.has(table):
                try:
                    value = self.scalar(f'SELECT max(snapshot_date) FROM "{table}"')
                except Unavailable:
                    continue
                if value is not None:
                    return value
        return None

    def generated_world(self) -> bool:
        """True when the database was built from a generated (synthetic) world: a table
        ``world_info`` with a column ``generated`` that is true."""
        if not self.has("world_info") or "generated" not in self.columns("world_info"):
            return False
        try:
            flag = self.scalar("SELECT bool_or(TRY_CAST(generated AS BOOLEAN)) FROM world_info")
        except Unavailable:
            return False
        return bool(flag)
