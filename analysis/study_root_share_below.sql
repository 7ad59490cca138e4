-- The share of models that score below their family root, per source and relation
-- (as study_share_below, but against the root of the model tree instead of the direct parent).
-- Columns: source, uniform, relation, n, k, share, ci_low, ci_high, median_rel_drop.
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
FROM root_pair_outcomes
GROUP BY GROUPING SETS ((source, relation), (source))
ORDER BY source, grouping(relation) DESC, n DESC, relation
