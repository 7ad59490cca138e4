-- Claim C2, the whole distribution: relative drops of derivatives against their parent on uniform
-- benchmarks, in bins 0.1 wide. A positive drop means the child scores lower. The end bins are
-- open: bin_low NULL means "below -0.4" (an improvement of more than 40%), bin_high NULL means
-- "0.5 or more".
-- Columns: source, bin_low, bin_high, n (pairs of the source), k (pairs in the bin), share,
-- ci_low, ci_high.
WITH binned AS (
    SELECT
        source,
        -- round first so that 0.3 * 10 lands in bin 3, not 2.9999...
        least(greatest(CAST(floor(round(rel_drop * 10, 9)) AS INTEGER), -5), 5) AS b
    FROM pair_outcomes
    WHERE uniform AND rel_drop IS NOT NULL
),
counted AS (
    SELECT source, b, count(*) AS k, CAST(sum(count(*)) OVER (PARTITION BY source) AS BIGINT) AS n
    FROM binned
    GROUP BY source, b
)
SELECT
    source,
    CASE WHEN b = -5 THEN NULL ELSE b / 10.0 END AS bin_low,
    CASE WHEN b = 5 THEN NULL ELSE (b + 1) / 10.0 END AS bin_high,
    n,
    k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high
FROM counted
ORDER BY source, b
