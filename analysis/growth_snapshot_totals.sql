-- Hub-wide totals per snapshot date from model_snapshots: models listed that night and the sums
-- of their downloads (last 30 days and all time) and likes.
SELECT
    snapshot_date,
    count(*) AS models,
    sum(coalesce(downloads_30d, 0))::BIGINT AS downloads_30d,
    sum(coalesce(downloads_all_time, 0))::BIGINT AS downloads_all_time,
    sum(coalesce(likes, 0))::BIGINT AS likes
FROM model_snapshots
GROUP BY snapshot_date
