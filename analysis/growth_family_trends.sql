-- How downloads and likes move, snapshot by snapshot, for the 10 largest families (most models
-- under one root in model_family). Sums over the family's models present in that snapshot;
-- *_change is the difference from the family's previous snapshot (NULL for its first).
--
-- How: the 10 largest are found as in growth_family_largest, without grouping every model. A model
-- with no parent (n_parents = 0, or root_id = id when n_parents is unknown) is its own root, so a
-- family is its members with a parent plus at most one such row; with t the 10th largest count of
-- members with a parent, only families with at least t - 1 such members can rank, and families of
-- one only when t <= 1.
WITH derived AS (
    SELECT root_id, count(*) AS n
    FROM (SELECT root_id, depth FROM model_family WHERE n_parents > 0 AND root_id IS NOT NULL
          UNION ALL
          SELECT root_id, depth FROM model_family WHERE n_parents IS NULL AND root_id <> id)
    GROUP BY root_id
),
cutoff AS (
    SELECT CASE WHEN count(*) = 10 THEN min(n) ELSE 0 END AS t
    FROM (SELECT n FROM derived ORDER BY n DESC LIMIT 10)
),
candidates AS (
    SELECT d.* FROM derived AS d, cutoff WHERE d.n >= cutoff.t - 1
),
own AS (
    SELECT root_id, count(*) AS n
    FROM (SELECT root_id, depth FROM model_family WHERE n_parents = 0
          UNION ALL
          SELECT root_id, depth FROM model_family WHERE n_parents IS NULL AND root_id = id)
    WHERE root_id IN (SELECT root_id FROM candidates)
    GROUP BY root_id
),
singles AS (
    SELECT root_id, count(*) AS family_size
    FROM (SELECT root_id, depth FROM model_family WHERE n_parents = 0
          UNION ALL
          SELECT root_id, depth FROM model_family WHERE n_parents IS NULL AND root_id = id), cutoff
    WHERE cutoff.t <= 1 AND root_id IS NOT NULL
      AND root_id NOT IN (SELECT root_id FROM candidates)
    GROUP BY root_id
),
fam AS (
    SELECT c.root_id, c.n + coalesce(o.n, 0) AS family_size
    FROM candidates AS c LEFT JOIN own AS o ON o.root_id = c.root_id
    UNION ALL
    SELECT root_id, family_size FROM singles
),
largest AS (
    SELECT root_id, family_size, row_number() OVER (ORDER BY family_size DESC, root_id) AS family_rank
    FROM fam
    QUALIFY family_rank <= 10
),
members AS (
    SELECT f.id, l.root_id, l.family_rank, l.family_size
    FROM model_family AS f
    JOIN largest AS l ON l.root_id = f.root_id
),
per_snapshot AS (
    SELECT
        s.snapshot_date, f.root_id, f.family_rank, f.family_size,
        count(*) AS models,
        sum(coalesce(s.downloads_30d, 0))::BIGINT AS downloads_30d,
        sum(coalesce(s.downloads_all_time, 0))::BIGINT AS downloads_all_time,
        sum(coalesce(s.likes, 0))::BIGINT AS likes
    FROM model_snapshots AS s
    JOIN members AS f ON f.id = s.id
    GROUP BY ALL
)
SELECT *,
       downloads_30d - lag(downloads_30d) OVER w AS downloads_30d_change,
       likes - lag(likes) OVER w AS likes_change
FROM per_snapshot
WINDOW w AS (PARTITION BY root_id ORDER BY snapshot_date)
