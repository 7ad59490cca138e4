-- Generation depth distribution: models per number of edges from their family root (0 = root).
-- Models inside a lineage cycle (depth NULL) are left out; share is of models with a known depth.
SELECT
    depth,
    count(*) AS models,
    count(*) / sum(count(*)) OVER () AS share
FROM model_family
WHERE depth IS NOT NULL
GROUP BY depth
