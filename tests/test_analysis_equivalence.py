"""Analyses rewritten for speed give what their first, plainer formulation gave, on any data the build writes.

``growth_top_parents`` and ``study_coverage`` count distinct children in two steps instead of with
``count(DISTINCT ...) FILTER (...)`` (slow in DuckDB). The growth and quality views below read the
columns the build precomputes instead of joining ids: ``lineage.parent_exists`` (the parent is in
``models``), ``models.n_parents`` / ``models.relation`` (from the model's lineage rows) and
``model_family`` (a model with no parent is its own root). Their first formulations are kept below
as the reference; seeded random tables that hold what the build guarantees (every lineage child is
a model; repeated edges, NULL relations, missing parents, several parents, cycles, NULL
created_at, created_before_floor), with or without those precomputed columns (hand-made tables
leave them NULL), must give the same rows, in the same order where the view orders them, and
empty tables the same (empty) rows and column types.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from hubstudy import build, schema, study
from hubstudy.lineage import families

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

LINEAGE_SUMMARY_REFERENCE = """
WITH edges AS (
    SELECT l.child_id, l.parent_id,
           NOT EXISTS (SELECT 1 FROM models AS m WHERE m.id = l.parent_id) AS missing
    FROM lineage AS l
),
counts AS (
    SELECT
        count(*) AS n,
        count(*) FILTER (WHERE missing) AS k,
        count(DISTINCT parent_id) FILTER (WHERE missing) AS missing_parents,
        count(DISTINCT child_id) FILTER (WHERE missing) AS children_affected,
        count(DISTINCT child_id) AS derivatives
    FROM edges
)
SELECT
    n, k,
    CASE WHEN n > 0 THEN k / n END AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    missing_parents,
    children_affected,
    derivatives,
    (SELECT count(*) FROM model_family WHERE in_cycle) AS models_in_cycle
FROM counts
"""

LINEAGE_GAPS_REFERENCE = """
SELECT
    l.parent_id,
    min(l.parent_declared) AS parent_declared,
    count(DISTINCT l.child_id) AS children,
    count(*) AS edges,
    string_agg(DISTINCT coalesce(l.relation, 'unknown'), ', ' ORDER BY coalesce(l.relation, 'unknown')) AS relations
FROM lineage AS l
WHERE NOT EXISTS (SELECT 1 FROM models AS m WHERE m.id = l.parent_id)
GROUP BY l.parent_id
"""

BASE_MODEL_SHARE_REFERENCE = """
WITH dated AS (
    SELECT
        m.id,
        coalesce(m.created_before_floor, false)
            OR m.created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor,
        m.created_at,
        EXISTS (SELECT 1 FROM lineage AS l WHERE l.child_id = m.id) AS declares_base
    FROM models AS m
    WHERE m.created_at IS NOT NULL OR coalesce(m.created_before_floor, false)
),
counts AS (
    SELECT
        creation_month(created_at, before_floor) AS month,
        month_label(created_at, before_floor) AS period,
        before_floor,
        count(*) AS n,
        count(*) FILTER (WHERE declares_base) AS k
    FROM dated
    GROUP BY ALL
)
SELECT month, period, before_floor, n, k,
       k / n AS share,
       wilson_low(k, n) AS ci_low,
       wilson_high(k, n) AS ci_high
FROM counts
"""

DERIVATIVES_MONTHLY_REFERENCE = """
WITH child AS (
    SELECT
        child_id,
        arg_min(
            coalesce(relation, 'unknown'),
            CASE coalesce(relation, 'unknown')
                WHEN 'merge' THEN 1 WHEN 'adapter' THEN 2 WHEN 'quantized' THEN 3
                WHEN 'finetune' THEN 4 ELSE 5
            END
        ) AS relation
    FROM lineage
    GROUP BY child_id
),
dated AS (
    SELECT
        c.relation,
        coalesce(m.created_before_floor, false)
            OR m.created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor,
        m.created_at
    FROM child AS c
    JOIN models AS m ON m.id = c.child_id
    WHERE m.created_at IS NOT NULL OR coalesce(m.created_before_floor, false)
)
SELECT
    creation_month(created_at, before_floor) AS month,
    month_label(created_at, before_floor) AS period,
    before_floor,
    relation,
    count(*) AS derivatives
FROM dated
GROUP BY ALL
"""

FAMILY_LARGEST_REFERENCE = """
WITH fam AS (
    SELECT root_id, count(*) AS size, max(depth) AS max_depth
    FROM model_family
    WHERE root_id IS NOT NULL
    GROUP BY root_id
),
ranked AS (
    SELECT *, row_number() OVER (ORDER BY size DESC, root_id) AS rank FROM fam
)
SELECT r.rank, r.root_id, r.size, r.max_depth,
       m.downloads_30d AS root_downloads_30d, m.likes AS root_likes,
       m.id IS NOT NULL AS root_in_models
FROM ranked AS r
LEFT JOIN models AS m ON m.id = r.root_id
WHERE r.rank <= 20
"""

FAMILY_TRENDS_REFERENCE = """
WITH fam AS (
    SELECT root_id, count(*) AS family_size
    FROM model_family
    WHERE root_id IS NOT NULL
    GROUP BY root_id
),
largest AS (
    SELECT root_id, family_size, row_number() OVER (ORDER BY family_size DESC, root_id) AS family_rank
    FROM fam
    QUALIFY family_rank <= 10
),
per_snapshot AS (
    SELECT
        s.snapshot_date, f.root_id, l.family_rank, l.family_size,
        count(*) AS models,
        sum(coalesce(s.downloads_30d, 0))::BIGINT AS downloads_30d,
        sum(coalesce(s.downloads_all_time, 0))::BIGINT AS downloads_all_time,
        sum(coalesce(s.likes, 0))::BIGINT AS likes
    FROM model_snapshots AS s
    JOIN model_family AS f ON f.id = s.id
    JOIN largest AS l ON l.root_id = f.root_id
    GROUP BY ALL
)
SELECT *,
       downloads_30d - lag(downloads_30d) OVER w AS downloads_30d_change,
       likes - lag(likes) OVER w AS likes_change
FROM per_snapshot
WINDOW w AS (PARTITION BY root_id ORDER BY snapshot_date)
"""

DOWNLOADS_CONCENTRATION_REFERENCE = """
WITH ranked AS (
    SELECT
        snapshot_date,
        coalesce(downloads_30d, 0) AS x,
        row_number() OVER (PARTITION BY snapshot_date ORDER BY coalesce(downloads_30d, 0) DESC) AS rank_desc,
        count(*) OVER (PARTITION BY snapshot_date) AS n
    FROM model_snapshots
),
agg AS (
    SELECT
        snapshot_date,
        any_value(n) AS n,
        sum(x) AS total,
        sum(x) FILTER (WHERE rank_desc <= ceil(n * 0.01)) AS top1,
        sum(x) FILTER (WHERE rank_desc <= ceil(n * 0.10)) AS top10,
        sum((n - rank_desc + 1) * x) AS weighted
    FROM ranked
    GROUP BY snapshot_date
)
SELECT
    snapshot_date,
    n AS models,
    total::BIGINT AS downloads_30d,
    CASE WHEN total > 0 THEN top1 / total END AS top1_share,
    CASE WHEN total > 0 THEN top10 / total END AS top10_share,
    CASE WHEN total > 0 THEN 2 * weighted / (n * total) - (n + 1) / n END AS gini
FROM agg
"""

# The relations the build writes (tags and cards name no others), and NULL as a hand-made table may
# have: growth_derivatives_monthly's reference picks among equal-priority relations arbitrarily, so
# no two relations share a priority here.
RELATIONS = ["finetune", "adapter", "quantized", "merge", "unknown", None]
REWRITTEN = ["growth_top_parents", "study_coverage", "quality_lineage_summary", "quality_lineage_gaps",
             "growth_base_model_share", "growth_derivatives_monthly", "growth_family_largest",
             "growth_family_trends", "growth_downloads_concentration"]
REFERENCES = {
    "growth_top_parents": TOP_PARENTS_REFERENCE,
    "study_coverage": COVERAGE_REFERENCE,
    "quality_lineage_summary": LINEAGE_SUMMARY_REFERENCE,
    "quality_lineage_gaps": LINEAGE_GAPS_REFERENCE,
    "growth_base_model_share": BASE_MODEL_SHARE_REFERENCE,
    "growth_derivatives_monthly": DERIVATIVES_MONTHLY_REFERENCE,
    "growth_family_largest": FAMILY_LARGEST_REFERENCE,
    "growth_family_trends": FAMILY_TRENDS_REFERENCE,
    "growth_downloads_concentration": DOWNLOADS_CONCENTRATION_REFERENCE,
}
ORDERED = {"study_coverage"}  # the views whose SQL orders their rows
FLOOR = datetime(2022, 3, 2, 23, 29, 4)


def view_sql(name: str) -> str:
    return (ANALYSIS / f"{name}.sql").read_text().strip().rstrip(";")


def rows(con, sql: str, ordered: bool) -> list[tuple]:
    out = con.execute(sql).fetchall()
    return out if ordered else sorted(out, key=repr)


@pytest.fixture
def con():
    c = duckdb.connect()
    for table in schema.TABLES:
        c.execute(schema.ddl(table))
    study.create_macros(c)
    # views other rewritten views read (the build creates every analysis view the same way)
    c.execute(f"CREATE VIEW growth_family_largest AS {view_sql('growth_family_largest')}")
    yield c
    c.close()


def fill(con, rng: random.Random, n_models: int, n_edges: int, parent_share: float = 1 / 3, n_gone: int = 2) -> None:
    """Random tables holding what the build guarantees, and the derived columns it computes."""
    day = date(2025, 6, 1)

    def created():
        r = rng.random()
        if r < 0.05:
            return None, rng.choice([None, False])  # no date: left out of the monthly views
        if r < 0.1:
            return None, True  # flagged before the floor, date unknown
        if r < 0.2:
            return FLOOR - timedelta(days=rng.randrange(3)), rng.choice([None, False, True])
        return datetime(2025, 6, 1) - timedelta(days=rng.randrange(400), seconds=rng.randrange(86400)), rng.choice([None, False])

    models = [(f"m/{i}", *created(), rng.choice([None, 0, 1, 5, 5, 100, 10**6]), rng.randrange(4), day) for i in range(n_models)]
    con.executemany("INSERT INTO models (id, created_at, created_before_floor, downloads_30d, likes, snapshot_date) "
                    "VALUES (?, ?, ?, ?, ?, ?)", models)
    ids = [m[0] for m in models]
    # parents from the first ids (large families), some never crawled; children are models
    parents = ids[: int(n_models * parent_share)] + [f"x/gone-{i}" for i in range(n_gone)]  # sorting after the models
    # a cycle (1 -> 2 -> 1) and a model leading into it (3 -> 1), declared first so their parents are primary
    edges = [(ids[1], ids[2], "finetune"), (ids[2], ids[1], None), (ids[3], ids[1], "adapter")]
    edges += [(c, p, rng.choice(RELATIONS)) for c, p in ((rng.choice(ids), rng.choice(parents)) for _ in range(n_edges)) if c != p]
    edges += rng.sample(edges, k=n_edges // 20)  # repeated edges, as a hand-made table may have
    con.executemany("INSERT INTO lineage (child_id, parent_id, relation) VALUES (?, ?, ?)", edges)
    # what the build computes: parent_exists, models.n_parents / relation (its own rule), model_family
    con.execute("UPDATE lineage SET parent_exists = parent_id IN (SELECT id FROM models)")
    lineage_parents = build._LINEAGE_PARENTS.replace("lineage_rows", "lineage")
    con.execute(f"UPDATE models SET n_parents = coalesce(p.n, 0), relation = p.relation FROM models m "
                f"LEFT JOIN ({lineage_parents}) p ON p.child_id = m.id WHERE m.id = models.id")
    parents_of: dict[str, list[str]] = {}
    for c, p, _ in edges:  # primary parent: the first declared
        if p not in parents_of.setdefault(c, []):
            parents_of[c].append(p)
    fam, cycles = families(parents_of)
    n_parents = dict(con.execute("SELECT id, n_parents FROM models").fetchall())
    con.executemany("INSERT INTO model_family VALUES (?, ?, ?, ?, ?)",
                    [(i, *(fam[i] if i in fam else (i, 0)), n_parents[i], i in cycles) for i in ids])
    snapshots = [(d, i, rng.choice([None, 0, 3, 3, 40, 10**5]), rng.randrange(10**6), rng.choice([None, 0, 1, 2]), None)
                 for d in (date(2025, 5, 31), day) for i in ids if rng.random() > 0.1]
    con.executemany("INSERT INTO model_snapshots VALUES (?, ?, ?, ?, ?, ?)", snapshots)
    # study_edges / pair_outcomes as plain tables with the columns study_coverage reads
    con.execute("CREATE TABLE study_edges AS SELECT child_id, parent_id, coalesce(relation, 'unknown') AS relation FROM lineage")
    sources = ["open_llm_leaderboard", "mteb", "model_index", "eval_results"]
    outcomes = [(c, p, s, s in ("open_llm_leaderboard", "mteb") if rng.random() > 0.05 else None)
                for c, p, _ in rng.sample(edges, k=min(len(edges), n_edges // 2)) for s in rng.sample(sources, k=rng.randrange(1, 3))]
    con.execute("CREATE TABLE pair_outcomes (child_id VARCHAR, parent_id VARCHAR, source VARCHAR, uniform BOOLEAN)")
    con.executemany("INSERT INTO pair_outcomes VALUES (?, ?, ?, ?)", outcomes)


def test_the_random_tables_hold_what_the_build_guarantees(con):
    fill(con, random.Random(0), n_models=200, n_edges=600)
    assert con.execute("SELECT count(*) FROM lineage WHERE child_id NOT IN (SELECT id FROM models)").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM lineage WHERE NOT parent_exists").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM models WHERE n_parents > 1 AND relation IS DISTINCT FROM 'merge'").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM model_family WHERE in_cycle").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM model_family WHERE (root_id = id) <> (n_parents = 0)").fetchone()[0] == 0


@pytest.mark.parametrize("seed", range(10))
def test_the_rewritten_analyses_give_their_reference_rows(con, seed):
    rng = random.Random(seed)
    # small worlds rank families of one among the largest; worlds of many small families, many of
    # them under parents never crawled (the last four), tie at the cut with families one smaller
    n_models, n_edges, parent_share, n_gone = [
        (12, 8, 1 / 3, 2), (30, 40, 1 / 3, 2), (60, 150, 1 / 3, 2), (200, 600, 1 / 3, 2), (400, 1500, 1 / 3, 2),
        (800, 3000, 1 / 3, 2), (100, 30, 1.0, 2), (300, 150, 1.0, 10), (300, 40, 0.0, 200), (300, 120, 0.2, 60)][seed]
    fill(con, rng, n_models, n_edges, parent_share, n_gone)
    if seed % 2:  # hand-made tables: some rows without the columns the build precomputes
        con.execute("UPDATE lineage SET parent_exists = NULL WHERE hash(child_id, parent_id) % 2 = 0")
        con.execute("UPDATE models SET n_parents = NULL, relation = NULL WHERE hash(id) % 2 = 0")
        con.execute("UPDATE model_family SET n_parents = NULL WHERE hash(id) % 3 = 0")
    for name in REWRITTEN:
        ordered = name in ORDERED
        assert rows(con, view_sql(name), ordered) == rows(con, REFERENCES[name], ordered), name


def test_the_rewritten_analyses_on_empty_tables(con):
    con.execute("CREATE TABLE study_edges (child_id VARCHAR, parent_id VARCHAR, relation VARCHAR)")
    con.execute("CREATE TABLE pair_outcomes (child_id VARCHAR, parent_id VARCHAR, source VARCHAR, uniform BOOLEAN)")
    for name in REWRITTEN:
        assert con.execute(view_sql(name)).fetchall() == con.execute(REFERENCES[name]).fetchall(), name
        assert con.execute(f"DESCRIBE {view_sql(name)}").fetchall() == con.execute(f"DESCRIBE {REFERENCES[name]}").fetchall(), name


def test_a_family_one_member_short_that_ties_at_the_cut_still_ranks(con):
    """20 families of 3 members under roots never crawled, and one of 2 members under a root that
    is a model (3 in all, first by root_id): it ties at the 20th place and wins the tie."""
    fam = [("a/root", "a/root", 0, 0), ("a/c1", "a/root", 1, 1), ("a/c2", "a/root", 1, 1)]
    for f in range(20):
        fam += [(f"z{f:02d}/c{i}", f"z{f:02d}/gone", 1, 1) for i in range(3)]
    con.executemany("INSERT INTO models (id) VALUES (?)", [(i,) for i, *_ in fam])
    con.executemany("INSERT INTO model_family VALUES (?, ?, ?, ?, false)", fam)
    for name in ("growth_family_largest",):
        got = con.execute(view_sql(name)).fetchall()
        assert sorted(got) == sorted(con.execute(REFERENCES[name]).fetchall())
        assert ("a/root", 3) in [(r[1], r[2]) for r in got]


def test_a_trend_family_one_member_short_that_ties_at_the_cut_still_ranks(con):
    """As above for the 10 families followed over time."""
    fam = [("a/root", "a/root", 0, 0), ("a/c1", "a/root", 1, 1), ("a/c2", "a/root", 1, 1)]
    for f in range(10):
        fam += [(f"z{f:02d}/c{i}", f"z{f:02d}/gone", 1, 1) for i in range(3)]
    con.executemany("INSERT INTO models (id) VALUES (?)", [(i,) for i, *_ in fam])
    con.executemany("INSERT INTO model_family VALUES (?, ?, ?, ?, false)", fam)
    con.executemany("INSERT INTO model_snapshots (snapshot_date, id, downloads_30d, likes) VALUES (?, ?, ?, ?)",
                    [(d, i, 5, 1) for d in (date(2025, 5, 31), date(2025, 6, 1)) for i, *_ in fam])
    got = con.execute(view_sql("growth_family_trends")).fetchall()
    assert sorted(got) == sorted(con.execute(REFERENCES["growth_family_trends"]).fetchall())
    assert "a/root" in {r[1] for r in got}
