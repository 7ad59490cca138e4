-- How downloads and likes move, snapshot by snapshot, for the 10 largest families (most models
-- under one root in model_family). Sums over the family's models present in that snapshot;
-- *_change is the difference from the family's previous snapshot (NULL for its first).
WITH fam AS (
    SELECT root_id, count(*) AS family_size
    FROM model_family
    WHERE root_id IS NOT NULL
    GROUP BY root_id
),
largest AS (
    SELECT root_id, family_size, row_number() OVER (ORDER BY family_size DESC, root_id) AS family_rank
    FROM fam
    QUALIFY family_rank <= 10
),
per_snapshot AS (
    SELECT
        s.snapshot_date, f.root_id, l.family_rank, l.family_size,
        count(*) AS models,
        sum(coalesce(s.downloads_30d, 0))::BIGINT AS downloads_30d,
        sum(coalesce(s.downloads_all_time, 0))::BIGINT AS downloads_all_time,
        sum(coalesce(s.likes, 0))::BIGINT AS likes
    FROM model_snapshots AS s
    JOIN model_family AS f ON f.id = s.id
    JOIN largest AS l ON l.root_id = f.root_id
    GROUP BY ALL
)
SELECT *,
       downloads_30d - lag(downloads_30d) OVER w AS downloads_30d_change,
       likes - lag(likes) OVER w AS likes_change
FROM per_snapshot
WINDOW w AS (PARTITION BY root_id ORDER BY snapshot_date)
