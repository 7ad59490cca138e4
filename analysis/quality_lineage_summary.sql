-- One row: lineage edges (n) and how many point at a parent missing from `models` (k), as a share
-- with a 95% Wilson interval; distinct missing parents, children affected, models in a cycle.
WITH edges AS (
    SELECT l.child_id, l.parent_id,
           NOT EXISTS (SELECT 1 FROM models AS m WHERE m.id = l.parent_id) AS missing
    FROM lineage AS l
),
counts AS (
    SELECT
        count(*) AS n,
        count(*) FILTER (WHERE missing) AS k,
        count(DISTINCT parent_id) FILTER (WHERE missing) AS missing_parents,
        count(DISTINCT child_id) FILTER (WHERE missing) AS children_affected,
        count(DISTINCT child_id) AS derivatives
    FROM edges
)
SELECT
    n, k,
    CASE WHEN n > 0 THEN k / n END AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    missing_parents,
    children_affected,
    derivatives,
    (SELECT count(*) FROM model_family WHERE in_cycle) AS models_in_cycle
FROM counts
