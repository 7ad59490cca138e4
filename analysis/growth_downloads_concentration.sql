-- How concentrated downloads are, per snapshot date (model_snapshots.downloads_30d, NULL as 0):
-- the share of all downloads going to the top 1% and top 10% of models (ceil of the count), and
-- the Gini coefficient (0 = equal, 1 = one model has everything), from the sorted-values formula
-- G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n with i the ascending rank.
--
-- How: per distinct value instead of sorting every model: the c models with value x that have
-- `above` models with a larger value hold descending ranks above + 1 .. above + c.
WITH distinct_values AS (
    SELECT snapshot_date, coalesce(downloads_30d, 0) AS x, count(*) AS c
    FROM model_snapshots
    GROUP BY ALL
),
placed AS (
    SELECT
        snapshot_date, x, c,
        coalesce(sum(c) OVER (PARTITION BY snapshot_date ORDER BY x DESC
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::BIGINT AS above,
        sum(c) OVER (PARTITION BY snapshot_date)::BIGINT AS n
    FROM distinct_values
),
agg AS (
    SELECT
        snapshot_date,
        any_value(n) AS n,
        sum(x * c) AS total,
        -- models of this value within the top ceil(n * share) ranks
        sum(x * greatest(0, least(c, ceil(n * 0.01)::BIGINT - above))) AS top1,
        sum(x * greatest(0, least(c, ceil(n * 0.10)::BIGINT - above))) AS top10,
        -- sum of (n - rank + 1) over ranks above + 1 .. above + c, times x
        sum(x * (c * (n + 1 - above)::HUGEINT - (c * (c + 1)::HUGEINT) // 2)) AS weighted
    FROM placed
    GROUP BY snapshot_date
)
SELECT
    snapshot_date,
    n AS models,
    total::BIGINT AS downloads_30d,
    CASE WHEN total > 0 THEN top1 / total END AS top1_share,
    CASE WHEN total > 0 THEN top10 / total END AS top10_share,
    CASE WHEN total > 0 THEN 2 * weighted / (n * total) - (n + 1) / n END AS gini
FROM agg
