-- Claim C2: how often a derivative falls by 20% or more, and by 40% or more, relative to its
-- parent, on uniform benchmarks. Relative drop = (parent - child) / parent over the pair's
-- shared benchmarks (pair_outcomes.rel_drop); pairs whose parent mean is 0 have none and are left out.
-- Columns: source, relation ('all' pools them), threshold (0.2 or 0.4), n (pairs), k (pairs with
-- rel_drop >= threshold), share, ci_low, ci_high, median_rel_drop, p90_rel_drop.
WITH drops AS (
    SELECT source, relation, rel_drop
    FROM pair_outcomes
    WHERE uniform AND rel_drop IS NOT NULL
),
thresholds AS (
    SELECT threshold FROM (VALUES (0.2), (0.4)) AS t(threshold)
)
SELECT
    d.source,
    CASE WHEN grouping(d.relation) = 1 THEN 'all' ELSE d.relation END AS relation,
    t.threshold,
    count(*) AS n,
    count(*) FILTER (WHERE d.rel_drop >= t.threshold) AS k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    median(d.rel_drop) AS median_rel_drop,
    quantile_cont(d.rel_drop, 0.9) AS p90_rel_drop
FROM drops d
CROSS JOIN thresholds t
GROUP BY GROUPING SETS ((d.source, d.relation, t.threshold), (d.source, t.threshold))
ORDER BY d.source, grouping(d.relation) DESC, relation, t.threshold
