-- Claim C4 by generation: the share of derivatives below their parent by the child's generation
-- depth in its family (1 = a direct child of a root; NULL = unknown or inside a lineage cycle).
-- Columns: source, depth, n, k, share, ci_low, ci_high, median_rel_drop.
SELECT
    source,
    depth,
    count(*) AS n,
    count(*) FILTER (WHERE child_below) AS k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    median(rel_drop) AS median_rel_drop
FROM pair_outcomes
GROUP BY source, depth
ORDER BY source, depth NULLS LAST
