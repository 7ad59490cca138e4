-- Claim C3: every direct derivative of sentence-transformers/all-MiniLM-L6-v2 with its scores
-- against it, one row per derivative and source (a derivative with no comparable score has one
-- row with source NULL). n_mteb_keys counts the MTEB keys it shares with the parent even when
-- they are fewer than the 5 the MTEB headline requires (then there is no mteb row).
-- Columns: child_id, relation, source, uniform, n_shared, child_mean, parent_mean, delta,
-- rel_drop, child_below, n_mteb_keys, downloads_30d, likes.
WITH children AS (
    SELECT child_id, parent_id, relation
    FROM study_edges
    WHERE parent_id = 'sentence-transformers/all-MiniLM-L6-v2'
),
mteb_keys AS (
    SELECT child_id, count(*) AS n_mteb_keys
    FROM parent_child_scores
    WHERE parent_id = 'sentence-transformers/all-MiniLM-L6-v2' AND source = 'mteb'
    GROUP BY child_id
)
SELECT
    c.child_id,
    c.relation,
    o.source,
    o.uniform,
    o.n_shared,
    o.child_mean,
    o.parent_mean,
    o.delta,
    o.rel_drop,
    o.child_below,
    coalesce(k.n_mteb_keys, 0) AS n_mteb_keys,
    m.downloads_30d,
    m.likes
FROM children c
LEFT JOIN pair_outcomes o ON o.child_id = c.child_id AND o.parent_id = c.parent_id
LEFT JOIN mteb_keys k ON k.child_id = c.child_id
LEFT JOIN models m ON m.id = c.child_id
ORDER BY o.source NULLS LAST, o.rel_drop DESC NULLS LAST, c.child_id
