-- Share of new models, per creation month, that declare a base model (at least one lineage edge
-- as child, from tags or card). n = models created that month, k = those declaring a parent,
-- with a 95% Wilson interval. The createdAt floor is one 'before March 2022' bucket.
WITH dated AS (
    SELECT
        m.id,
        coalesce(m.created_before_floor, false)
            OR m.created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor,
        m.created_at,
        EXISTS (SELECT 1 FROM lineage AS l WHERE l.child_id = m.id) AS declares_base
    FROM models AS m
    WHERE m.created_at IS NOT NULL OR coalesce(m.created_before_floor, false)
),
counts AS (
    SELECT
        CASE WHEN before_floor THEN DATE '2022-02-01'
             ELSE CAST(date_trunc('month', created_at) AS DATE) END AS month,
        CASE WHEN before_floor THEN 'before March 2022'
             ELSE strftime(created_at, '%Y-%m') END AS period,
        before_floor,
        count(*) AS n,
        count(*) FILTER (WHERE declares_base) AS k
    FROM dated
    GROUP BY ALL
)
SELECT month, period, before_floor, n, k,
       k / n AS share,
       wilson_low(k, n) AS ci_low,
       wilson_high(k, n) AS ci_high
FROM counts
