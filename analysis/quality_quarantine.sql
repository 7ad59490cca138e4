-- Quarantined records by stage and reason: how many rows and distinct ids, over which dates.
SELECT
    stage,
    reason,
    repo_type,
    count(*) AS n_rows,
    count(DISTINCT id) AS ids,
    min(snapshot_date) AS first_date,
    max(snapshot_date) AS last_date
FROM quarantine
GROUP BY ALL
