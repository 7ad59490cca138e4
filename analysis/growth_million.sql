-- Claim C1: when each repo type (and all three together, repo_type 'all') passed one million.
-- total counts every row of the table; passed_1m_month is the first creation month whose running
-- total (growth_monthly.cumulative) reaches 1,000,000, NULL if never. 2022-02-01 with period
-- 'before March 2022' would mean the repos created before the createdAt floor already passed it.
-- Counts cover repos public at crawl time: deleted or private repos never enter them.
WITH per_type AS (
    SELECT repo_type, month, period, before_floor, cumulative FROM growth_monthly
),
combined AS (
    SELECT 'all' AS repo_type, month, any_value(period) AS period, before_floor,
           sum(created) AS created
    FROM growth_monthly
    GROUP BY month, before_floor
),
combined_cum AS (
    SELECT repo_type, month, period, before_floor,
           CAST(sum(created) OVER (
               ORDER BY before_floor DESC, month
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS BIGINT) AS cumulative
    FROM combined
),
series AS (
    SELECT * FROM per_type UNION ALL SELECT * FROM combined_cum
),
passed AS (
    SELECT repo_type,
           min(month) FILTER (WHERE cumulative >= 1000000) AS passed_1m_month,
           arg_min(period, month) FILTER (WHERE cumulative >= 1000000) AS passed_1m_period
    FROM series
    GROUP BY repo_type
),
totals AS (
    SELECT 'model' AS repo_type, count(*) AS total FROM models
    UNION ALL SELECT 'dataset', count(*) FROM datasets
    UNION ALL SELECT 'space', count(*) FROM spaces
),
with_all AS (
    SELECT repo_type, total FROM totals
    UNION ALL SELECT 'all', sum(total)::BIGINT FROM totals
)
SELECT t.repo_type, t.total, p.passed_1m_month, p.passed_1m_period
FROM with_all AS t
LEFT JOIN passed AS p USING (repo_type)
