-- Claim C4: the share of derivatives that score below their parent, per source and relation.
-- Unit: one (child, parent) pair per source from pair_outcomes (a merge counts once per parent);
-- relation 'all' pools the relations of a source. uniform = a uniform harness source
-- (open_llm_leaderboard, mteb); the others are self-reported.
-- Columns: source, uniform, relation, n, k (child below parent), share, ci_low, ci_high (95% Wilson),
-- median_rel_drop (median of (parent - child) / parent).
SELECT
    source,
    any_value(uniform) AS uniform,
    CASE WHEN grouping(relation) = 1 THEN 'all' ELSE relation END AS relation,
    count(*) AS n,
    count(*) FILTER (WHERE child_below) AS k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    median(rel_drop) AS median_rel_drop
FROM pair_outcomes
GROUP BY GROUPING SETS ((source, relation), (source))
ORDER BY source, grouping(relation) DESC, n DESC, relation
