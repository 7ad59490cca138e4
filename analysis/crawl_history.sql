-- Every crawl run (one per repo type per night): what it cost and how it ended. duration_s is
-- finished_at - started_at (NULL while running); wait_share is the part of it spent in rate-limit
-- pauses; requests_per_1k_rows relates the cost to the rows stored.
SELECT
    run_id, snapshot_date, repo_type, mode, status, started_at, finished_at,
    epoch(finished_at - started_at) AS duration_s,
    requests, listing_requests, pages, "rows", heavy_rows, retries, http_429,
    rate_limit_waits, rate_limit_wait_s,
    CASE WHEN epoch(finished_at - started_at) > 0
         THEN rate_limit_wait_s / epoch(finished_at - started_at) END AS wait_share,
    CASE WHEN "rows" > 0 THEN 1000.0 * requests / "rows" END AS requests_per_1k_rows,
    resumed, error
FROM crawl_runs
