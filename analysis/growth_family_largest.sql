-- The 20 largest families (most models under one root), with their deepest generation and the
-- root's own popularity. root_in_models is false when the root is not a public model.
--
-- How: without grouping every model. A model with no parent (n_parents = 0, or root_id = id when
-- n_parents is unknown) is its own root, so a family is its members with a parent plus at most one
-- such row; with t the 20th largest count of members with a parent, only families with at least
-- t - 1 such members can rank, and families of one only when t <= 1.
WITH derived AS (
    SELECT root_id, count(*) AS n, max(depth) AS max_depth
    FROM (SELECT root_id, depth FROM model_family WHERE n_parents > 0 AND root_id IS NOT NULL
          UNION ALL
          SELECT root_id, depth FROM model_family WHERE n_parents IS NULL AND root_id <> id)
    GROUP BY root_id
),
cutoff AS (
    SELECT CASE WHEN count(*) = 20 THEN min(n) ELSE 0 END AS t
    FROM (SELECT n FROM derived ORDER BY n DESC LIMIT 20)
),
candidates AS (
    SELECT d.* FROM derived AS d, cutoff WHERE d.n >= cutoff.t - 1
),
own AS (
    -- the rows of models with no parent, for the candidate roots
    SELECT root_id, count(*) AS n, max(depth) AS max_depth
    FROM (SELECT root_id, depth FROM model_family WHERE n_parents = 0
          UNION ALL
          SELECT root_id, depth FROM model_family WHERE n_parents IS NULL AND root_id = id)
    WHERE root_id IN (SELECT root_id FROM candidates)
    GROUP BY root_id
),
singles AS (
    SELECT root_id, count(*) AS size, max(depth) AS max_depth
    FROM (SELECT root_id, depth FROM model_family WHERE n_parents = 0
          UNION ALL
          SELECT root_id, depth FROM model_family WHERE n_parents IS NULL AND root_id = id), cutoff
    WHERE cutoff.t <= 1 AND root_id IS NOT NULL
      AND root_id NOT IN (SELECT root_id FROM candidates)
    GROUP BY root_id
),
fam AS (
    SELECT c.root_id, c.n + coalesce(o.n, 0) AS size, greatest(c.max_depth, o.max_depth) AS max_depth
    FROM candidates AS c LEFT JOIN own AS o ON o.root_id = c.root_id
    UNION ALL
    SELECT root_id, size, max_depth FROM singles
),
ranked AS (
    SELECT *, row_number() OVER (ORDER BY size DESC, root_id) AS rank FROM fam
    QUALIFY rank <= 20
)
SELECT r.rank, r.root_id, r.size, r.max_depth,
       m.downloads_30d AS root_downloads_30d, m.likes AS root_likes,
       m.id IS NOT NULL AS root_in_models
FROM ranked AS r
LEFT JOIN models AS m ON m.id = r.root_id
