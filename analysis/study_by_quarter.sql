-- Claim C4 over time: the share of derivatives below their parent by the child's creation quarter.
-- Models created before March 2022 carry the Hub's floor date (2022-03-02) and are grouped apart.
-- Columns: source, created_quarter ('2023-Q4', 'before 2022-03 (floored)' or 'unknown'), n, k,
-- share, ci_low, ci_high, median_rel_drop.
WITH dated AS (
    SELECT
        o.source,
        o.child_below,
        o.rel_drop,
        CASE
            WHEN m.created_at IS NULL THEN 'unknown'
            WHEN coalesce(m.created_before_floor, false) THEN 'before 2022-03 (floored)'
            ELSE strftime(m.created_at, '%Y') || '-Q' || quarter(m.created_at)
        END AS created_quarter
    FROM pair_outcomes o
    LEFT JOIN models m ON m.id = o.child_id
)
SELECT
    source,
    created_quarter,
    count(*) AS n,
    count(*) FILTER (WHERE child_below) AS k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    median(rel_drop) AS median_rel_drop
FROM dated
GROUP BY source, created_quarter
ORDER BY source, created_quarter
