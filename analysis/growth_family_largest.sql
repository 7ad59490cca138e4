-- The 20 largest families (most models under one root), with their deepest generation and the
-- root's own popularity. root_in_models is false when the root is not a public model.
WITH fam AS (
    SELECT root_id, count(*) AS size, max(depth) AS max_depth
    FROM model_family
    WHERE root_id IS NOT NULL
    GROUP BY root_id
),
ranked AS (
    SELECT *, row_number() OVER (ORDER BY size DESC, root_id) AS rank FROM fam
)
SELECT r.rank, r.root_id, r.size, r.max_depth,
       m.downloads_30d AS root_downloads_30d, m.likes AS root_likes,
       m.id IS NOT NULL AS root_in_models
FROM ranked AS r
LEFT JOIN models AS m ON m.id = r.root_id
WHERE r.rank <= 20
