-- Lineage gaps: declared parents that are not a model in `models` (deleted, private, misspelt or
-- never crawled), with the number of children pointing at them and the relations used.
SELECT
    l.parent_id,
    min(l.parent_declared) AS parent_declared,
    count(DISTINCT l.child_id) AS children,
    count(*) AS edges,
    string_agg(DISTINCT coalesce(l.relation, 'unknown'), ', ' ORDER BY coalesce(l.relation, 'unknown')) AS relations
FROM lineage AS l
WHERE NOT EXISTS (SELECT 1 FROM models AS m WHERE m.id = l.parent_id)
GROUP BY l.parent_id
