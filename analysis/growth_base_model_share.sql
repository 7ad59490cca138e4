-- Share of new models, per creation month, that declare a base model (at least one lineage edge
-- as child, from tags or card). n = models created that month, k = those declaring a parent,
-- with a 95% Wilson interval. The createdAt floor is one 'before March 2022' bucket.
--
-- How: a model declares a base model when models.n_parents (its lineage rows as child) > 0; only
-- models without n_parents (hand-made tables) look for their lineage rows.
WITH flagged AS (
    SELECT created_at, created_before_floor, n_parents > 0 AS declares_base
    FROM models WHERE n_parents IS NOT NULL
    UNION ALL
    SELECT m.created_at, m.created_before_floor, true
    FROM (SELECT * FROM models WHERE n_parents IS NULL) AS m SEMI JOIN lineage AS l ON l.child_id = m.id
    UNION ALL
    SELECT m.created_at, m.created_before_floor, false
    FROM (SELECT * FROM models WHERE n_parents IS NULL) AS m ANTI JOIN lineage AS l ON l.child_id = m.id
),
counts AS (
    SELECT
        coalesce(created_before_floor, false)
            OR created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor,
        CASE WHEN coalesce(created_before_floor, false) OR created_at <= TIMESTAMP '2022-03-02 23:29:04'
             THEN DATE '2022-02-01'
             ELSE CAST(date_trunc('month', created_at) AS DATE) END AS month,
        count(*) AS n,
        count(*) FILTER (WHERE declares_base) AS k
    FROM flagged
    WHERE created_at IS NOT NULL OR coalesce(created_before_floor, false)
    GROUP BY ALL
)
SELECT month,
       month_label(month, before_floor) AS period,
       before_floor, n, k,
       k / n AS share,
       wilson_low(k, n) AS ci_low,
       wilson_high(k, n) AS ci_high
FROM counts
