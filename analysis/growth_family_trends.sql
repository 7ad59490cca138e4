-- How downloads and likes move, snapshot by snapshot, for the 10 largest families (most models
-- under one root in model_family). Sums over the family's models present in that snapshot;
-- *_change is the difference from the family's previous snapshot (NULL for its first).
--
-- How: the 10 largest are the first 10 of growth_family_largest (same size and tie order).
WITH largest AS (
    SELECT root_id, size AS family_size, rank AS family_rank
    FROM growth_family_largest
    WHERE rank <= 10
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
