-- One row: lineage edges (n) and how many point at a parent missing from `models` (k), as a share
-- with a 95% Wilson interval; distinct missing parents, children affected, models in a cycle.
--
-- How: a parent is missing when lineage.parent_exists (set by the build from `models`) is false,
-- and derivatives (distinct children; every lineage child is a model) are the models with
-- n_parents > 0. Only rows without those columns (hand-made tables) join ids.
WITH missing AS (
    SELECT child_id, parent_id FROM lineage WHERE NOT parent_exists
    UNION ALL
    SELECT l.child_id, l.parent_id FROM (SELECT * FROM lineage WHERE parent_exists IS NULL) AS l
    ANTI JOIN models AS m ON m.id = l.parent_id
),
counts AS (
    SELECT
        (SELECT count(*) FROM lineage) AS n,
        count(*) AS k,
        count(DISTINCT parent_id) AS missing_parents,
        count(DISTINCT child_id) AS children_affected
    FROM missing
)
SELECT
    n, k,
    CASE WHEN n > 0 THEN k / n END AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    missing_parents,
    children_affected,
    (SELECT count(*) FROM models WHERE n_parents > 0)
        + (SELECT count(*) FROM models WHERE n_parents IS NULL AND id IN (SELECT child_id FROM lineage)) AS derivatives,
    (SELECT count(*) FROM model_family WHERE in_cycle) AS models_in_cycle
FROM counts
