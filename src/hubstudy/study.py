"""The fine-tune-vs-parent study: do derivatives score below their parents?

:func:`create_macros` defines the DuckDB macros every analysis uses (``wilson_low(k, n)`` and
``wilson_high(k, n)``: the 95% Wilson interval of k successes in n; ``median_ci_low(list)`` and
``median_ci_high(list)``: a distribution-free 95% interval for a median from order statistics;
``param_bucket(p)`` / ``param_bucket_floor(p)``: parameter-size buckets; ``lower_is_better(metric)``;
``creation_month(created_at, before_floor)`` / ``month_label(month, before_floor)``: the growth
views' creation months, with everything up to the createdAt floor in one bucket).

:func:`create_views` builds the comparison views on top of ``eval_scores``, ``lineage``,
``model_family`` and ``models``:

* ``study_definitions`` (a small table): the study's definitions, word for word from the design.
* ``study_edges``: one row per lineage edge (child_id, parent_id, relation, depth), self-loops out.
* ``study_root_edges``: one row per model and its family root (depth >= 1).
* ``study_model_scores``: a model's score per (source, benchmark key): the mean of its rows. For the
  leaderboard that is the mean of its rows' ``<X> Raw``; for MTEB, whose ``eval_scores`` rows are one
  per revision, the mean over its revisions (``external`` rows are their own source,
  ``mteb_external``, so they never mix in).
* ``parent_child_scores``: one row per (edge, source, benchmark key) both sides have, with
  child_value, parent_value, delta = child - parent, rel_delta = delta / parent and
  rel_drop = (parent - child) / parent.
* ``pair_outcomes``: one row per (child_id, parent_id, source) with relation, n_shared,
  child_mean, parent_mean (means over the shared keys), delta, rel_delta, rel_drop, child_below
  (child_mean < parent_mean). MTEB pairs need at least 5 shared keys. Self-reported pairs use only
  keys whose metric is higher-is-better (WER, loss, perplexity and the like are left out, since a
  lower child value would not mean a worse child).
* ``root_child_scores`` / ``root_pair_outcomes``: the same, each model against its family root.

The analyses are ``analysis/study_*.sql`` (one SELECT each; the build makes each a view named after
its file, after :func:`create_views`).

The definitions the views follow (from the design, word for word) are below and in
:data:`STUDY_DEFINITIONS`, which the reports and the README reuse.
"""

from __future__ import annotations

from typing import Any

from hubstudy.evals import ensure_tables
from hubstudy.evals.schema import SOURCES_UNIFORM

# (term, text): word for word from the design's "Definitions" section.
DEFINITIONS: list[tuple[str, str]] = [
    (
        "derivative",
        "Derivative: a model with at least one lineage edge child -> parent. Relation is one of "
        "finetune, adapter, quantized, merge (unknown when the Hub gives none). A merge has several parents.",
    ),
    (
        "comparable",
        "Comparable scores: same source (uniform harness), same benchmark key. For the leaderboard the key is "
        "the benchmark; for MTEB it is (task_name, split, subset); for self-reported scores it is "
        "(dataset type or id, config, split, metric type).",
    ),
    (
        "leaderboard",
        "Leaderboard headline: a model's score on a benchmark is the mean of its rows' `<X> Raw` values. "
        "For each edge where both sides have scores, child_mean and parent_mean are the means over the "
        "benchmarks both have. The child underperforms when child_mean < parent_mean.",
    ),
    (
        "mteb",
        "MTEB headline: exclude `external` rows; a model's score on a key is the mean over its revisions; "
        "require at least 5 shared keys; the child underperforms when its mean over the shared keys is below "
        "the parent's.",
    ),
    (
        "shares",
        "Every share is reported with its n and a 95% Wilson interval. Relative drop = (parent - child) / parent.",
    ),
]

STUDY_DEFINITIONS = "### Definitions\n\n" + "\n".join(f"- {text}" for _, text in DEFINITIONS) + "\n"

__doc__ = (__doc__ or "") + "\n" + STUDY_DEFINITIONS

MTEB_MIN_SHARED = 5
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
Z95 = 1.959963984540054
# Metric types (self-reported) where a smaller value is a better model.
LOWER_IS_BETTER = (
    "wer", "cer", "mer", "wil", "ter", "der", "eer", "per", "loss", "eval_loss", "perplexity", "ppl",
    "word_perplexity", "byte_perplexity", "bits_per_byte", "bpb", "mae", "mse", "rmse", "mape",
    "fid", "kid", "lpips", "error", "error_rate", "mean_rank",
)

def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def create_macros(con: Any) -> None:
    """Define the study's DuckDB macros (safe to call again)."""
    z = repr(Z95)
    p = "(CAST(k AS DOUBLE) / n)"
    centre = f"({p} + {z}*{z} / (2.0 * n))"
    spread = f"({z} * sqrt({p} * (1 - {p}) / n + {z}*{z} / (4.0 * n * n)))"
    denom = f"(1 + {z}*{z} / n)"
    macros = [
        f"wilson_low(k, n) AS CASE WHEN n IS NULL OR n <= 0 OR k IS NULL THEN NULL "
        f"ELSE greatest(0.0, ({centre} - {spread}) / {denom}) END",
        f"wilson_high(k, n) AS CASE WHEN n IS NULL OR n <= 0 OR k IS NULL THEN NULL "
        f"ELSE least(1.0, ({centre} + {spread}) / {denom}) END",
        # Order statistics X(j), X(k) with j = n/2 - z*sqrt(n)/2 and k = 1 + n/2 + z*sqrt(n)/2,
        # rounded and clamped to 1..n (a distribution-free 95% interval for the median).
        f"median_ci_low(xs) AS CASE WHEN xs IS NULL OR len(xs) = 0 THEN NULL ELSE list_sort(xs)["
        f"greatest(1, least(len(xs), CAST(round(len(xs) / 2.0 - {z} * sqrt(len(xs)) / 2) AS BIGINT)))] END",
        f"median_ci_high(xs) AS CASE WHEN xs IS NULL OR len(xs) = 0 THEN NULL ELSE list_sort(xs)["
        f"greatest(1, least(len(xs), CAST(round(1 + len(xs) / 2.0 + {z} * sqrt(len(xs)) / 2) AS BIGINT)))] END",
        "param_bucket(p) AS CASE WHEN p IS NULL OR p <= 0 THEN 'unknown' WHEN p < 1e8 THEN '<100M' "
        "WHEN p < 1e9 THEN '100M-1B' WHEN p < 3e9 THEN '1B-3B' WHEN p < 1e10 THEN '3B-10B' "
        "WHEN p < 3e10 THEN '10B-30B' WHEN p < 1e11 THEN '30B-100B' ELSE '>=100B' END",
        "param_bucket_floor(p) AS CASE WHEN p IS NULL OR p <= 0 THEN NULL WHEN p < 1e8 THEN 0 "
        "WHEN p < 1e9 THEN 1e8 WHEN p < 3e9 THEN 1e9 WHEN p < 1e10 THEN 3e9 "
        "WHEN p < 3e10 THEN 1e10 WHEN p < 1e11 THEN 3e10 ELSE 1e11 END",
        f"lower_is_better(metric) AS coalesce(lower(metric) IN ({_sql_list(LOWER_IS_BETTER)}), false)",
        # The growth views' months: repos created on or before the createdAt floor form one bucket,
        # month 2022-02-01, labelled 'before March 2022' (see analysis/growth_monthly.sql).
        "creation_month(created_at, before_floor) AS CASE WHEN before_floor THEN DATE '2022-02-01' "
        "ELSE CAST(date_trunc('month', created_at) AS DATE) END",
        "month_label(month, before_floor) AS CASE WHEN before_floor THEN 'before March 2022' "
        "ELSE strftime(month, '%Y-%m') END",
    ]
    for body in macros:
        con.execute(f"CREATE OR REPLACE MACRO {body}")


_UNIFORM = _sql_list(SOURCES_UNIFORM)

# The build writes one lineage row per (child_id, parent_id) (the first declared; a model's edges
# come from its tags, or from its card when its tags declare none), one model_family row per
# model and one models row per id, so these two views need no grouping; at the Hub's size,
# grouping cost 0.5 s and 0.8 s of each build. tests/test_e2e_nightly.py checks them against
# their grouped definitions on a crawled and built world.
_EDGES = """
SELECT l.child_id, l.parent_id, coalesce(l.relation, 'unknown') AS relation, f.depth
FROM lineage l
LEFT JOIN model_family f ON f.id = l.child_id
WHERE l.child_id IS NOT NULL AND l.parent_id IS NOT NULL AND l.child_id <> l.parent_id
"""

# relation: the model's own (models.relation); for a model whose lineage rows give it none, the
# least of its edges' relations.
_ROOT_EDGES = """
SELECT f.id AS child_id, f.root_id AS parent_id, coalesce(m.relation, e.relation, 'unknown') AS relation, f.depth
FROM model_family f
LEFT JOIN models m ON m.id = f.id
LEFT JOIN (SELECT child_id, min(relation) AS relation FROM study_edges
           WHERE child_id IN (SELECT id FROM models WHERE relation IS NULL) GROUP BY child_id) e ON e.child_id = f.id
WHERE f.root_id IS NOT NULL AND f.id <> f.root_id AND coalesce(f.depth, 0) >= 1
"""

_MODEL_SCORES = """
SELECT model_id, source, benchmark_key,
       bool_or(self_reported) AS self_reported,
       min(benchmark) AS benchmark, min(dataset) AS dataset, min(config) AS config,
       min(split) AS split, min(metric) AS metric,
       avg(value) AS value, count(*) AS n_values
FROM eval_scores
WHERE value IS NOT NULL AND isfinite(value)
GROUP BY model_id, source, benchmark_key
"""

# The edges are first narrowed to those whose both ends have a score, which the inner joins below
# require anyway (so no row changes): most edges have none, and at Hub scale joining every edge to
# all of its child's scores before the parent's are matched is most of the query's cost.
_SCORES = """
WITH scored AS (SELECT DISTINCT model_id FROM study_model_scores)
SELECT e.child_id, e.parent_id, e.relation, e.depth,
       c.source, c.self_reported, c.benchmark_key, c.benchmark, c.metric,
       NOT lower_is_better(c.metric) AS higher_is_better,
       c.value AS child_value, p.value AS parent_value,
       c.value - p.value AS delta,
       (c.value - p.value) / nullif(p.value, 0) AS rel_delta,
       (p.value - c.value) / nullif(p.value, 0) AS rel_drop
FROM (SELECT * FROM {edges} WHERE child_id IN (FROM scored) AND parent_id IN (FROM scored)) e
JOIN study_model_scores c ON c.model_id = e.child_id
JOIN study_model_scores p ON p.model_id = e.parent_id AND p.source = c.source AND p.benchmark_key = c.benchmark_key
"""

_OUTCOMES = f"""
SELECT child_id, parent_id, relation, depth, source,
       bool_or(self_reported) AS self_reported,
       source IN ({_UNIFORM}) AS uniform,
       count(*) AS n_shared,
       avg(child_value) AS child_mean,
       avg(parent_value) AS parent_mean,
       child_mean - parent_mean AS delta,
       (child_mean - parent_mean) / nullif(parent_mean, 0) AS rel_delta,
       (parent_mean - child_mean) / nullif(parent_mean, 0) AS rel_drop,
       child_mean < parent_mean AS child_below
FROM {{scores}}
WHERE higher_is_better
GROUP BY child_id, parent_id, relation, depth, source
HAVING count(*) >= CASE WHEN source = 'mteb' THEN {MTEB_MIN_SHARED} ELSE 1 END
"""

# view -> (SQL, what it holds). Order matters: each view may read the ones before it.
_ALL_DEFS = " ".join(text for _, text in DEFINITIONS)
VIEWS: dict[str, tuple[str, str]] = {
    "study_edges": (_EDGES, "Lineage edges child -> parent used by the study (one per pair, self-loops excluded); depth is the child's generation depth."),
    "study_root_edges": (_ROOT_EDGES, "Each model and its family root (depth >= 1); relation is the model's relation to its direct parents."),
    "study_model_scores": (_MODEL_SCORES, "A model's score per source and benchmark key: the mean of its eval_scores rows (leaderboard rows; MTEB revisions)."),
    "parent_child_scores": (_SCORES.format(edges="study_edges"), "One row per (edge, source, benchmark key) both sides have: child_value, parent_value, delta, rel_delta, rel_drop. " + _ALL_DEFS),
    "pair_outcomes": (_OUTCOMES.format(scores="parent_child_scores"), "One row per (child_id, parent_id, source): n_shared, child_mean, parent_mean, delta, rel_delta, rel_drop, child_below. " + _ALL_DEFS),
    "root_child_scores": (_SCORES.format(edges="study_root_edges"), "As parent_child_scores, each model against its family root. " + _ALL_DEFS),
    "root_pair_outcomes": (_OUTCOMES.format(scores="root_child_scores"), "As pair_outcomes, each model against its family root. " + _ALL_DEFS),
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_views(con: Any) -> None:
    """Create the macros, ``study_definitions`` and the comparison views (safe to call again).

    Needs ``models``, ``lineage`` and ``model_family``; creates an empty ``eval_scores`` when the
    evals were not loaded, so the views exist (and are empty) either way.
    """
    create_macros(con)
    ensure_tables(con)
    con.execute("CREATE OR REPLACE TABLE study_definitions (ord INTEGER, term VARCHAR, definition VARCHAR)")
    con.executemany("INSERT INTO study_definitions VALUES (?, ?, ?)", [(i, t, d) for i, (t, d) in enumerate(DEFINITIONS, 1)])
    for name, (sql, doc) in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        con.execute(f"COMMENT ON VIEW {name} IS {_literal(doc)}")
