-- How concentrated downloads are, per snapshot date (model_snapshots.downloads_30d, NULL as 0):
-- the share of all downloads going to the top 1% and top 10% of models (ceil of the count), and
-- the Gini coefficient (0 = equal, 1 = one model has everything), from the sorted-values formula
-- G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n with i the ascending rank.
WITH ranked AS (
    SELECT
        snapshot_date,
        coalesce(downloads_30d, 0) AS x,
        row_number() OVER (PARTITION BY snapshot_date ORDER BY coalesce(downloads_30d, 0) DESC) AS rank_desc,
        count(*) OVER (PARTITION BY snapshot_date) AS n
    FROM model_snapshots
),
agg AS (
    SELECT
        snapshot_date,
        any_value(n) AS n,
        sum(x) AS total,
        sum(x) FILTER (WHERE rank_desc <= ceil(n * 0.01)) AS top1,
        sum(x) FILTER (WHERE rank_desc <= ceil(n * 0.10)) AS top10,
        sum((n - rank_desc + 1) * x) AS weighted
    FROM ranked
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
