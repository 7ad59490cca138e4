-- Coverage: how many derivatives have any comparable score against a parent, per relation.
-- n = derivatives (models with at least one lineage edge), k = those with at least one row in
-- pair_outcomes (any source). A derivative with edges of two relations counts under each;
-- relation 'all' counts every derivative once. k_<source> split k by source.
-- Columns: relation, n, k, share, ci_low, ci_high, k_uniform, k_open_llm_leaderboard, k_mteb,
-- k_self_reported.
WITH derivatives AS (
    SELECT DISTINCT child_id, relation FROM study_edges
),
compared AS (
    SELECT
        child_id,
        bool_or(uniform) AS any_uniform,
        bool_or(source = 'open_llm_leaderboard') AS any_leaderboard,
        bool_or(source = 'mteb') AS any_mteb,
        bool_or(NOT uniform) AS any_self_reported
    FROM pair_outcomes
    GROUP BY child_id
),
-- One row per (relation, derivative) and one per derivative (relation 'all'), so plain counts
-- give the distinct derivatives: the numbers of count(DISTINCT ...) over grouping sets, which
-- DuckDB computes with one hash table per aggregate and set.
per_relation AS (
    SELECT d.relation, d.child_id, c.child_id IS NOT NULL AS is_compared,
           c.any_uniform, c.any_leaderboard, c.any_mteb, c.any_self_reported
    FROM derivatives d
    LEFT JOIN compared c ON c.child_id = d.child_id
),
per_child AS (
    SELECT child_id, bool_or(is_compared) AS is_compared, bool_or(any_uniform) AS any_uniform,
           bool_or(any_leaderboard) AS any_leaderboard, bool_or(any_mteb) AS any_mteb,
           bool_or(any_self_reported) AS any_self_reported
    FROM per_relation
    GROUP BY child_id
),
counted AS (
    SELECT true AS is_all, 'all' AS relation,
           count(child_id) AS n,
           count(child_id) FILTER (WHERE is_compared) AS k,
           count(child_id) FILTER (WHERE any_uniform) AS k_uniform,
           count(child_id) FILTER (WHERE any_leaderboard) AS k_open_llm_leaderboard,
           count(child_id) FILTER (WHERE any_mteb) AS k_mteb,
           count(child_id) FILTER (WHERE any_self_reported) AS k_self_reported
    FROM per_child
    UNION ALL
    SELECT false, relation,
           count(child_id),
           count(child_id) FILTER (WHERE is_compared),
           count(child_id) FILTER (WHERE any_uniform),
           count(child_id) FILTER (WHERE any_leaderboard),
           count(child_id) FILTER (WHERE any_mteb),
           count(child_id) FILTER (WHERE any_self_reported)
    FROM per_relation
    GROUP BY relation
)
SELECT
    relation,
    n,
    k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    k_uniform,
    k_open_llm_leaderboard,
    k_mteb,
    k_self_reported
FROM counted
ORDER BY is_all DESC, n DESC, relation
