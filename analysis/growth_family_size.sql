-- Family size distribution. A family is every model sharing a root in model_family (the ancestor
-- reached through primary parents); size counts the root itself, so size 1 is a model nobody
-- derived from. Models inside a lineage cycle have no root and are left out (see quality_cycles).
WITH fam AS (
    SELECT root_id, count(*) AS size
    FROM model_family
    WHERE root_id IS NOT NULL
    GROUP BY root_id
),
bucketed AS (
    SELECT
        size,
        CASE
            WHEN size = 1 THEN 1 WHEN size <= 10 THEN 2 WHEN size <= 100 THEN 3
            WHEN size <= 1000 THEN 4 WHEN size <= 10000 THEN 5 ELSE 6
        END AS bucket_order
    FROM fam
)
SELECT
    bucket_order,
    CASE bucket_order
        WHEN 1 THEN '1' WHEN 2 THEN '2-10' WHEN 3 THEN '11-100' WHEN 4 THEN '101-1,000'
        WHEN 5 THEN '1,001-10,000' ELSE 'over 10,000'
    END AS size_bucket,
    count(*) AS families,
    sum(size)::BIGINT AS models
FROM bucketed
GROUP BY bucket_order
