-- The 25 parents with the most derivatives (distinct children), all time and over the last 90
-- days before the data date (max models.snapshot_date; children by created_at). Children are
-- counted per relation of their edge to this parent; a child may sit under two relations.
-- parent_in_models is false when the parent is not (or no longer) a public model.
--
-- How: ids are joined only for the children created in the last 90 days: every lineage child is
-- a model, and lineage.parent_exists says whether the parent is one (looked up only for edges
-- without it, in hand-made tables). Distinct children are counted only for the parents that can
-- rank: the edges of a parent-id hash bound its parents' children from above, so with t the 25th
-- largest count among the parents of the 25 busiest hashes, only hashes with at least t edges can
-- hold a top-25 parent.
WITH data_date AS (
    SELECT coalesce(max(snapshot_date), current_date) AS d FROM models
),
all_edges AS NOT MATERIALIZED (
    SELECT parent_id, child_id, relation, parent_exists, hash(parent_id) AS h
    FROM lineage WHERE parent_exists IS NOT NULL
    UNION ALL
    SELECT l.parent_id, l.child_id, l.relation, true, hash(l.parent_id)
    FROM (SELECT * FROM lineage WHERE parent_exists IS NULL) AS l SEMI JOIN models AS m ON m.id = l.parent_id
    UNION ALL
    SELECT l.parent_id, l.child_id, l.relation, false, hash(l.parent_id)
    FROM (SELECT * FROM lineage WHERE parent_exists IS NULL) AS l ANTI JOIN models AS m ON m.id = l.parent_id
),
recent_edges AS MATERIALIZED (
    SELECT e.* FROM all_edges AS e
    JOIN (SELECT m.id FROM models AS m, data_date
          WHERE (m.n_parents > 0 OR m.n_parents IS NULL) AND m.created_at > data_date.d - INTERVAL 90 DAY) AS r
      ON r.id = e.child_id
),
edge_counts AS MATERIALIZED (
    SELECT 'all time' AS time_window, h, count(*) AS edges FROM all_edges GROUP BY h
    UNION ALL
    SELECT 'last 90 days', h, count(*) FROM recent_edges GROUP BY h
),
probe AS (
    (SELECT time_window, h FROM edge_counts WHERE time_window = 'all time' ORDER BY edges DESC LIMIT 25)
    UNION ALL
    (SELECT time_window, h FROM edge_counts WHERE time_window = 'last 90 days' ORDER BY edges DESC LIMIT 25)
),
probe_counts AS (
    SELECT 'all time' AS time_window, parent_id, count(DISTINCT child_id) AS derivatives
    FROM all_edges WHERE h IN (SELECT h FROM probe WHERE time_window = 'all time') GROUP BY parent_id
    UNION ALL
    SELECT 'last 90 days', parent_id, count(DISTINCT child_id)
    FROM recent_edges WHERE h IN (SELECT h FROM probe WHERE time_window = 'last 90 days') GROUP BY parent_id
),
cutoff AS (
    SELECT time_window, CASE WHEN count(*) >= 25 THEN min(derivatives) ELSE 0 END AS t
    FROM (SELECT *, row_number() OVER (PARTITION BY time_window ORDER BY derivatives DESC) AS n FROM probe_counts)
    WHERE n <= 25
    GROUP BY time_window
),
candidates AS (
    SELECT e.time_window, e.h FROM edge_counts AS e JOIN cutoff AS c USING (time_window) WHERE e.edges >= c.t
),
windowed AS (
    SELECT 'all time' AS time_window, parent_id, child_id, relation, parent_exists
    FROM all_edges WHERE h IN (SELECT h FROM candidates WHERE time_window = 'all time')
    UNION ALL
    SELECT 'last 90 days', parent_id, child_id, relation, parent_exists
    FROM recent_edges WHERE h IN (SELECT h FROM candidates WHERE time_window = 'last 90 days')
),
children AS (
    SELECT time_window, parent_id, child_id,
        bool_or(coalesce(relation, 'unknown') = 'finetune') AS finetune,
        bool_or(coalesce(relation, 'unknown') = 'adapter') AS adapter,
        bool_or(coalesce(relation, 'unknown') = 'quantized') AS quantized,
        bool_or(coalesce(relation, 'unknown') = 'merge') AS merge,
        bool_or(coalesce(relation, 'unknown') NOT IN ('finetune', 'adapter', 'quantized', 'merge')) AS unknown,
        bool_or(coalesce(parent_exists, false)) AS parent_in_models
    FROM windowed
    GROUP BY time_window, parent_id, child_id
),
agg AS (
    SELECT time_window, parent_id,
        count(child_id) AS derivatives,
        count(child_id) FILTER (WHERE finetune) AS finetune,
        count(child_id) FILTER (WHERE adapter) AS adapter,
        count(child_id) FILTER (WHERE quantized) AS quantized,
        count(child_id) FILTER (WHERE merge) AS merge,
        count(child_id) FILTER (WHERE unknown) AS unknown,
        bool_or(parent_in_models) AS parent_in_models
    FROM children
    GROUP BY time_window, parent_id
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY time_window ORDER BY derivatives DESC, parent_id) AS rank
    FROM agg
)
SELECT time_window, rank, parent_id, derivatives, finetune, adapter, quantized, merge, unknown,
       parent_in_models
FROM ranked
WHERE rank <= 25
