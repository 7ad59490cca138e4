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
)
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
