-- Derivatives created per month, by relation (lineage + models.created_at).
-- A derivative is a model with at least one lineage edge child -> parent. Each derivative is
-- counted once, under one relation: when its edges disagree the first of merge, adapter,
-- quantized, finetune, unknown wins (a merge has several parents; NULL counts as unknown).
-- The createdAt floor gives one 'before March 2022' bucket (month 2022-02-01, before_floor).
WITH child AS (
    SELECT
        child_id,
        arg_min(
            coalesce(relation, 'unknown'),
            CASE coalesce(relation, 'unknown')
                WHEN 'merge' THEN 1 WHEN 'adapter' THEN 2 WHEN 'quantized' THEN 3
                WHEN 'finetune' THEN 4 ELSE 5
            END
        ) AS relation
    FROM lineage
    GROUP BY child_id
),
dated AS (
    SELECT
        c.relation,
        coalesce(m.created_before_floor, false)
            OR m.created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor,
        m.created_at
    FROM child AS c
    JOIN models AS m ON m.id = c.child_id
    WHERE m.created_at IS NOT NULL OR coalesce(m.created_before_floor, false)
)
SELECT
    CASE WHEN before_floor THEN DATE '2022-02-01'
         ELSE CAST(date_trunc('month', created_at) AS DATE) END AS month,
    CASE WHEN before_floor THEN 'before March 2022'
         ELSE strftime(created_at, '%Y-%m') END AS period,
    before_floor,
    relation,
    count(*) AS derivatives
FROM dated
GROUP BY ALL
