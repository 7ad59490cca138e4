"""Analyses rewritten for speed give what their first, plainer formulation gave, on any data.

``growth_top_parents`` and ``study_coverage`` count distinct children in two steps instead of with
``count(DISTINCT ...) FILTER (...)`` (slow in DuckDB). Their first formulations are kept below as
the reference; seeded random tables (repeated edges, NULL relations, children under several
relations, empty tables) must give the same rows in the same order.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from hubstudy import schema, study

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"

TOP_PARENTS_REFERENCE = """
WITH data_date AS (SELECT coalesce(max(snapshot_date), current_date) AS d FROM models),
edges AS (
    SELECT l.parent_id, l.child_id, coalesce(l.relation, 'unknown') AS relation, m.created_at,
           EXISTS (SELECT 1 FROM models AS p WHERE p.id = l.parent_id) AS parent_in_models
    FROM lineage AS l JOIN models AS m ON m.id = l.child_id),
windowed AS (
    SELECT 'all time' AS time_window, * FROM edges
    UNION ALL
    SELECT 'last 90 days', e.* FROM edges AS e, data_date WHERE e.created_at > data_date.d - INTERVAL 90 DAY),
agg AS (
    SELECT time_window, parent_id,
        count(DISTINCT child_id) AS derivatives,
        count(DISTINCT child_id) FILTER (WHERE relation = 'finetune') AS finetune,
        count(DISTINCT child_id) FILTER (WHERE relation = 'adapter') AS adapter,
        count(DISTINCT child_id) FILTER (WHERE relation = 'quantized') AS quantized,
        count(DISTINCT child_id) FILTER (WHERE relation = 'merge') AS merge,
        count(DISTINCT child_id) FILTER (WHERE relation NOT IN ('finetune', 'adapter', 'quantized', 'merge')) AS unknown,
        bool_or(parent_in_models) AS parent_in_models
    FROM windowed GROUP BY time_window, parent_id),
ranked AS (SELECT *, row_number() OVER (PARTITION BY time_window ORDER BY derivatives DESC, parent_id) AS rank FROM agg)
SELECT time_window, rank, parent_id, derivatives, finetune, adapter, quantized, merge, unknown, parent_in_models
FROM ranked WHERE rank <= 25
"""

COVERAGE_REFERENCE = """
WITH derivatives AS (SELECT DISTINCT child_id, relation FROM study_edges),
compared AS (
    SELECT child_id, bool_or(uniform) AS any_uniform, bool_or(source = 'open_llm_leaderboard') AS any_leaderboard,
           bool_or(source = 'mteb') AS any_mteb, bool_or(NOT uniform) AS any_self_reported
    FROM pair_outcomes GROUP BY child_id)
SELECT
    CASE WHEN grouping(d.relation) = 1 THEN 'all' ELSE d.relation END AS relation,
    count(DISTINCT d.child_id) AS n,
    count(DISTINCT d.child_id) FILTER (WHERE c.child_id IS NOT NULL) AS k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    count(DISTINCT d.child_id) FILTER (WHERE c.any_uniform) AS k_uniform,
    count(DISTINCT d.child_id) FILTER (WHERE c.any_leaderboard) AS k_open_llm_leaderboard,
    count(DISTINCT d.child_id) FILTER (WHERE c.any_mteb) AS k_mteb,
    count(DISTINCT d.child_id) FILTER (WHERE c.any_self_reported) AS k_self_reported
FROM derivatives d
LEFT JOIN compared c ON c.child_id = d.child_id
GROUP BY GROUPING SETS ((d.relation), ())
ORDER BY grouping(d.relation) DESC, n DESC, relation
"""

RELATIONS = ["finetune", "adapter", "quantized", "merge", "unknown", "distillation", None]


def view_sql(name: str) -> str:
    return (ANALYSIS / f"{name}.sql").read_text().strip().rstrip(";")


@pytest.fixture
def con():
    c = duckdb.connect()
    for table in schema.TABLES:
        c.execute(schema.ddl(table))
    study.create_macros(c)
    yield c
    c.close()


def fill(con, rng: random.Random, n_models: int, n_edges: int) -> None:
    day = date(2025, 6, 1)
    models = [(f"m/{i}", datetime(2025, 6, 1) - timedelta(days=rng.randrange(400)) if rng.random() > 0.05 else None, day)
              for i in range(n_models)]
    con.executemany("INSERT INTO models (id, created_at, snapshot_date) VALUES (?, ?, ?)", models)
    ids = [m[0] for m in models] + ["gone/a", "gone/b"]
    edges = [(rng.choice(ids), rng.choice(ids[: n_models // 3] + ["gone/a", "gone/b"]), rng.choice(RELATIONS)) for _ in range(n_edges)]
    edges += edges[: n_edges // 5]  # repeated edges, as a hand-made table may have
    con.executemany("INSERT INTO lineage (child_id, parent_id, relation) VALUES (?, ?, ?)", edges)
    # study_edges / pair_outcomes as plain tables with the columns study_coverage reads
    con.execute("CREATE TABLE study_edges AS SELECT child_id, parent_id, coalesce(relation, 'unknown') AS relation FROM lineage")
    sources = ["open_llm_leaderboard", "mteb", "model_index", "eval_results"]
    outcomes = [(c, p, s, s in ("open_llm_leaderboard", "mteb") if rng.random() > 0.05 else None)
                for c, p, _ in rng.sample(edges, k=min(len(edges), n_edges // 2)) for s in rng.sample(sources, k=rng.randrange(1, 3))]
    con.execute("CREATE TABLE pair_outcomes (child_id VARCHAR, parent_id VARCHAR, source VARCHAR, uniform BOOLEAN)")
    con.executemany("INSERT INTO pair_outcomes VALUES (?, ?, ?, ?)", outcomes)


@pytest.mark.parametrize("seed", range(5))
def test_the_rewritten_analyses_give_their_reference_rows(con, seed):
    rng = random.Random(seed)
    fill(con, rng, n_models=60 + 40 * seed, n_edges=150 * (seed + 1))
    assert sorted(con.execute(view_sql("growth_top_parents")).fetchall()) == sorted(con.execute(TOP_PARENTS_REFERENCE).fetchall())
    assert con.execute(view_sql("study_coverage")).fetchall() == con.execute(COVERAGE_REFERENCE).fetchall()


def test_the_rewritten_analyses_on_empty_tables(con):
    con.execute("CREATE TABLE study_edges (child_id VARCHAR, parent_id VARCHAR, relation VARCHAR)")
    con.execute("CREATE TABLE pair_outcomes (child_id VARCHAR, parent_id VARCHAR, source VARCHAR, uniform BOOLEAN)")
    assert con.execute(view_sql("growth_top_parents")).fetchall() == con.execute(TOP_PARENTS_REFERENCE).fetchall() == []
    assert con.execute(view_sql("study_coverage")).fetchall() == con.execute(COVERAGE_REFERENCE).fetchall()
    assert con.execute(f"DESCRIBE {view_sql('study_coverage')}").fetchall() == con.execute(f"DESCRIBE {COVERAGE_REFERENCE}").fetchall()
