-- Derivatives created per month, by relation (lineage + models.created_at).
-- A derivative is a model with at least one lineage edge child -> parent. Each derivative is
-- counted once, under one relation: when its edges disagree the first of merge, adapter,
-- quantized, finetune, unknown wins (a merge has several parents; NULL counts as unknown).
-- The createdAt floor gives one 'before March 2022' bucket (month 2022-02-01, before_floor).
--
-- How: from models alone where models.relation follows that rule (one lineage row, n_parents = 1,
-- or a merge); only the other models with several parents, or without n_parents (hand-made
-- tables), read their lineage rows.
WITH derivatives AS NOT MATERIALIZED (
    SELECT id, n_parents, relation, created_at,
           coalesce(created_before_floor, false)
               OR created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor
    FROM models
    WHERE n_parents > 0 AND (created_at IS NOT NULL OR coalesce(created_before_floor, false))
),
mixed AS (
    -- several lineage rows and no merge among them, or n_parents unknown: read the rows
    SELECT id, created_at, before_floor FROM derivatives
    WHERE n_parents > 1 AND relation IS DISTINCT FROM 'merge'
    UNION ALL
    SELECT id, created_at,
           coalesce(created_before_floor, false) OR created_at <= TIMESTAMP '2022-03-02 23:29:04'
    FROM models
    WHERE n_parents IS NULL AND (created_at IS NOT NULL OR coalesce(created_before_floor, false))
),
mixed_relation AS (
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
    WHERE child_id IN (SELECT id FROM mixed)
    GROUP BY child_id
),
dated AS (
    SELECT coalesce(relation, 'unknown') AS relation, before_floor, created_at
    FROM derivatives
    WHERE n_parents = 1 OR relation = 'merge'
    UNION ALL
    SELECT r.relation, x.before_floor, x.created_at
    FROM mixed AS x JOIN mixed_relation AS r ON r.child_id = x.id
),
counts AS (
    SELECT
        before_floor,
        creation_month(created_at, before_floor) AS month,
        relation,
        count(*) AS derivatives
    FROM dated
    GROUP BY ALL
)
SELECT
    month,
    month_label(month, before_floor) AS period,
    before_floor,
    relation,
    derivatives
FROM counts
