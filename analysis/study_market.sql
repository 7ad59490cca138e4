-- "Does the market notice?" Downloads (last 30 days) and likes of derivatives that score below
-- their parent against those that do not, with distribution-free 95% intervals for the medians
-- (order statistics, macros median_ci_low / median_ci_high), and the share of derivatives
-- downloaded more than their own parent. Figures are the latest crawl's (models table).
-- Unit: one (child, parent) pair per source, as in pair_outcomes.
-- Columns: source, child_below, n, k (child downloaded more than its parent), share, ci_low,
-- ci_high, median_downloads_30d, downloads_ci_low, downloads_ci_high, median_likes, likes_ci_low,
-- likes_ci_high.
WITH pairs AS (
    SELECT o.source, o.child_below, c.downloads_30d, c.likes, p.downloads_30d AS parent_downloads_30d
    FROM pair_outcomes o
    JOIN models c ON c.id = o.child_id
    LEFT JOIN models p ON p.id = o.parent_id
)
SELECT
    source,
    child_below,
    count(*) AS n,
    count(*) FILTER (WHERE downloads_30d > parent_downloads_30d) AS k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    median(downloads_30d) AS median_downloads_30d,
    median_ci_low(list(downloads_30d) FILTER (WHERE downloads_30d IS NOT NULL)) AS downloads_ci_low,
    median_ci_high(list(downloads_30d) FILTER (WHERE downloads_30d IS NOT NULL)) AS downloads_ci_high,
    median(likes) AS median_likes,
    median_ci_low(list(likes) FILTER (WHERE likes IS NOT NULL)) AS likes_ci_low,
    median_ci_high(list(likes) FILTER (WHERE likes IS NOT NULL)) AS likes_ci_high
FROM pairs
GROUP BY source, child_below
ORDER BY source, child_below DESC
