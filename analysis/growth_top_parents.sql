-- The 25 parents with the most derivatives (distinct children), all time and over the last 90
-- days before the data date (max models.snapshot_date; children by created_at). Children are
-- counted per relation of their edge to this parent; a child may sit under two relations.
-- parent_in_models is false when the parent is not (or no longer) a public model.
WITH data_date AS (
    SELECT coalesce(max(snapshot_date), current_date) AS d FROM models
),
edges AS (
    SELECT l.parent_id, l.child_id, coalesce(l.relation, 'unknown') AS relation,
           m.created_at,
           EXISTS (SELECT 1 FROM models AS p WHERE p.id = l.parent_id) AS parent_in_models
    FROM lineage AS l
    JOIN models AS m ON m.id = l.child_id
),
windowed AS (
    SELECT 'all time' AS time_window, * FROM edges
    UNION ALL
    SELECT 'last 90 days', e.*
    FROM edges AS e, data_date
    WHERE e.created_at > data_date.d - INTERVAL 90 DAY
),
-- Distinct children counted in two steps (one row per child, then counted): the same numbers as
-- count(DISTINCT child_id) FILTER (...), which DuckDB runs as one hash table per aggregate.
children AS (
    SELECT
        time_window,
        parent_id,
        child_id,
        bool_or(relation = 'finetune') AS finetune,
        bool_or(relation = 'adapter') AS adapter,
        bool_or(relation = 'quantized') AS quantized,
        bool_or(relation = 'merge') AS merge,
        bool_or(relation NOT IN ('finetune', 'adapter', 'quantized', 'merge')) AS unknown,
        bool_or(parent_in_models) AS parent_in_models
    FROM windowed
    GROUP BY time_window, parent_id, child_id
),
agg AS (
    SELECT
        time_window,
        parent_id,
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
