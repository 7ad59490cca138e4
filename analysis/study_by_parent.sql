-- Claim C4 by family: the 25 parents with the most compared derivatives, per source, and the
-- share of those derivatives that score below the parent.
-- Columns: source, rank, parent_id, n, k, share, ci_low, ci_high, median_rel_drop.
WITH per_parent AS (
    SELECT
        source,
        parent_id,
        count(*) AS n,
        count(*) FILTER (WHERE child_below) AS k,
        median(rel_drop) AS median_rel_drop
    FROM pair_outcomes
    GROUP BY source, parent_id
)
SELECT
    source,
    row_number() OVER (PARTITION BY source ORDER BY n DESC, parent_id) AS rank,
    parent_id,
    n,
    k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    median_rel_drop
FROM per_parent
QUALIFY rank <= 25
ORDER BY source, rank
