-- Models whose ancestry loops back on itself (model_family.in_cycle), with their declared parents
-- and whether the lineage stage quarantined them.
SELECT
    f.id,
    f.n_parents,
    (SELECT string_agg(l.parent_id, ', ' ORDER BY l.parent_id) FROM lineage AS l WHERE l.child_id = f.id) AS parents,
    EXISTS (SELECT 1 FROM quarantine AS q WHERE q.id = f.id AND q.reason = 'lineage_cycle') AS quarantined
FROM model_family AS f
WHERE f.in_cycle
