-- New models, datasets and spaces per creation month, with the running total per repo type.
--
-- The Hub floors `createdAt` at 2022-03-02 23:29:04 for repos created before that; their real
-- month is unknown. They form ONE bucket, period 'before March 2022', placed at month 2022-02-01
-- (flag before_floor) so that it sorts first instead of showing up as a spike in March 2022.
-- Months without any new repo are present with created = 0, so the cumulative line has no gaps.
-- Rows with neither a date nor the floor flag are left out (counted in quality_coverage).
WITH repos AS (
    SELECT 'model' AS repo_type, created_at, created_before_floor FROM models
    UNION ALL
    SELECT 'dataset', created_at, created_before_floor FROM datasets
    UNION ALL
    SELECT 'space', created_at, created_before_floor FROM spaces
),
bucketed AS (
    SELECT
        repo_type,
        coalesce(created_before_floor, false)
            OR created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor,
        CASE
            WHEN coalesce(created_before_floor, false)
                OR created_at <= TIMESTAMP '2022-03-02 23:29:04' THEN DATE '2022-02-01'
            ELSE CAST(date_trunc('month', created_at) AS DATE)
        END AS month
    FROM repos
    WHERE created_at IS NOT NULL OR coalesce(created_before_floor, false)
),
counts AS (
    SELECT repo_type, before_floor, month, count(*) AS created
    FROM bucketed
    GROUP BY ALL
),
span AS (
    SELECT repo_type,
           min(month) FILTER (WHERE NOT before_floor) AS first_month,
           max(month) FILTER (WHERE NOT before_floor) AS last_month
    FROM counts
    GROUP BY repo_type
),
months AS (
    SELECT s.repo_type, CAST(g.m AS DATE) AS month, false AS before_floor
    FROM span AS s, generate_series(s.first_month, s.last_month, INTERVAL 1 MONTH) AS g(m)
    WHERE s.first_month IS NOT NULL
    UNION ALL
    SELECT repo_type, month, true FROM counts WHERE before_floor
)
SELECT
    m.repo_type,
    m.month,
    month_label(m.month, m.before_floor) AS period,
    m.before_floor,
    coalesce(c.created, 0) AS created,
    CAST(sum(coalesce(c.created, 0)) OVER (
        PARTITION BY m.repo_type ORDER BY m.before_floor DESC, m.month
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS BIGINT) AS cumulative
FROM months AS m
LEFT JOIN counts AS c USING (repo_type, month, before_floor)
