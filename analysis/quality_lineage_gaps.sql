-- Lineage gaps: declared parents that are not a model in `models` (deleted, private, misspelt or
-- never crawled), with the number of children pointing at them and the relations used.
--
-- How: a parent is missing when lineage.parent_exists (set by the build from `models`) is false;
-- only edges without that flag (hand-made tables) look the parent up in `models`.
SELECT
    l.parent_id,
    min(l.parent_declared) AS parent_declared,
    count(DISTINCT l.child_id) AS children,
    count(*) AS edges,
    string_agg(DISTINCT coalesce(l.relation, 'unknown'), ', ' ORDER BY coalesce(l.relation, 'unknown')) AS relations
FROM (
    SELECT parent_id, parent_declared, child_id, relation FROM lineage WHERE NOT parent_exists
    UNION ALL
    SELECT l.parent_id, l.parent_declared, l.child_id, l.relation
    FROM (SELECT * FROM lineage WHERE parent_exists IS NULL) AS l
    ANTI JOIN models AS m ON m.id = l.parent_id
) AS l
GROUP BY l.parent_id
