-- Crawl cost per snapshot date, all repo types together: runs, failures, requests, retries, 429s,
-- rate-limit waits, total run time (sum of run durations) and rows stored.
SELECT
    snapshot_date,
    count(*) AS runs,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    sum(requests)::BIGINT AS requests,
    sum(retries)::BIGINT AS retries,
    sum(http_429)::BIGINT AS http_429,
    sum(rate_limit_waits)::BIGINT AS rate_limit_waits,
    sum(rate_limit_wait_s) AS rate_limit_wait_s,
    sum(epoch(finished_at - started_at)) AS duration_s,
    sum("rows")::BIGINT AS "rows"
FROM crawl_runs
GROUP BY snapshot_date
