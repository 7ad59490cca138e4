-- Claim C4 by size: the share of derivatives below their parent per parameter-size bucket.
-- Size is the parent's num_parameters, else the child's: an adapter's own count is only its
-- adapter weights and a quantized repo's count is of packed tensors, so the parent says the
-- family's size better.
-- Columns: source, size_bucket, size_floor (lower bound of the bucket, in parameters), n, k,
-- share, ci_low, ci_high, median_rel_drop.
WITH sized AS (
    SELECT o.source, o.child_below, o.rel_drop, coalesce(p.num_parameters, c.num_parameters) AS params
    FROM pair_outcomes o
    LEFT JOIN models p ON p.id = o.parent_id
    LEFT JOIN models c ON c.id = o.child_id
)
SELECT
    source,
    param_bucket(params) AS size_bucket,
    min(param_bucket_floor(params)) AS size_floor,
    count(*) AS n,
    count(*) FILTER (WHERE child_below) AS k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    median(rel_drop) AS median_rel_drop
FROM sized
GROUP BY source, size_bucket
ORDER BY source, size_floor NULLS LAST
