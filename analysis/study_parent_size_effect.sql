-- Claim C5 (exploratory): do derivatives of larger parents fall further? Per uniform source, the
-- Spearman rank correlation between the parent's parameter count and the pair's relative drop,
-- with a 95% interval from Fisher's z (tanh(atanh(rho) +- 1.96 / sqrt(n - 3))), and the median
-- relative drop below and above the median parent size. Pre-training length is not recorded on
-- the Hub, so only size is tested.
-- Columns: source, n, spearman_rho, rho_ci_low, rho_ci_high, median_parent_params,
-- median_rel_drop_smaller_parents, median_rel_drop_larger_parents.
WITH pairs AS (
    SELECT o.source, o.rel_drop, CAST(p.num_parameters AS DOUBLE) AS parent_params
    FROM pair_outcomes o
    JOIN models p ON p.id = o.parent_id
    WHERE o.uniform AND o.rel_drop IS NOT NULL AND p.num_parameters > 0
),
ranked AS (
    SELECT
        source,
        rel_drop,
        parent_params,
        -- average ranks, so ties share their rank as Spearman's rho requires
        rank() OVER (PARTITION BY source ORDER BY parent_params)
            + (count(*) OVER (PARTITION BY source, parent_params) - 1) / 2.0 AS size_rank,
        rank() OVER (PARTITION BY source ORDER BY rel_drop)
            + (count(*) OVER (PARTITION BY source, rel_drop) - 1) / 2.0 AS drop_rank,
        median(parent_params) OVER (PARTITION BY source) AS median_parent_params
    FROM pairs
),
stats AS (
    SELECT
        source,
        count(*) AS n,
        corr(size_rank, drop_rank) AS rho,
        any_value(median_parent_params) AS median_parent_params,
        median(rel_drop) FILTER (WHERE parent_params < median_parent_params) AS median_rel_drop_smaller_parents,
        median(rel_drop) FILTER (WHERE parent_params >= median_parent_params) AS median_rel_drop_larger_parents
    FROM ranked
    GROUP BY source
)
SELECT
    source,
    n,
    CASE WHEN isnan(rho) THEN NULL ELSE rho END AS spearman_rho,
    CASE WHEN n > 3 AND abs(rho) < 1 THEN tanh(atanh(rho) - 1.959963984540054 / sqrt(n - 3)) END AS rho_ci_low,
    CASE WHEN n > 3 AND abs(rho) < 1 THEN tanh(atanh(rho) + 1.959963984540054 / sqrt(n - 3)) END AS rho_ci_high,
    median_parent_params,
    median_rel_drop_smaller_parents,
    median_rel_drop_larger_parents
FROM stats
ORDER BY source
