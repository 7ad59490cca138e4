-- Coverage per repo type: rows, how many carry only the createdAt floor (real date unknown, before
-- March 2022), how many have no creation date at all, and the snapshot dates seen. For models also
-- how many declare a parent and how many have fetched heavy fields (card data, evals).
SELECT 'model' AS repo_type, count(*) AS "rows",
       count(*) FILTER (WHERE created_before_floor) AS before_floor,
       count(*) FILTER (WHERE created_at IS NULL) AS created_missing,
       count(*) FILTER (WHERE n_parents > 0) AS with_parent,
       count(*) FILTER (WHERE heavy_fetched_at IS NOT NULL) AS heavy_fetched,
       min(first_seen) AS first_seen, max(snapshot_date) AS snapshot_date
FROM models
UNION ALL
SELECT 'dataset', count(*), count(*) FILTER (WHERE created_before_floor),
       count(*) FILTER (WHERE created_at IS NULL), NULL, NULL, min(first_seen), max(snapshot_date)
FROM datasets
UNION ALL
SELECT 'space', count(*), count(*) FILTER (WHERE created_before_floor),
       count(*) FILTER (WHERE created_at IS NULL), NULL, NULL, min(first_seen), max(snapshot_date)
FROM spaces
