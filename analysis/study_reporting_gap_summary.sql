-- The reporting gap in one line per (uniform source, self-reported source): how often the
-- self-reported score is higher than the uniform harness's, by more than 1% of the uniform score
-- (differences from rounding are not counted).
-- Columns: uniform_source, self_source, n (model x benchmark pairs), k (self-reported higher),
-- share, ci_low, ci_high, n_models, median_gap, median_rel_gap.
SELECT
    uniform_source,
    self_source,
    count(*) AS n,
    count(*) FILTER (WHERE gap > 0.01 * abs(uniform_value)) AS k,
    k / nullif(n, 0) AS share,
    wilson_low(k, n) AS ci_low,
    wilson_high(k, n) AS ci_high,
    count(DISTINCT model_id) AS n_models,
    median(gap) AS median_gap,
    median(rel_gap) AS median_rel_gap
FROM study_reporting_gap
GROUP BY uniform_source, self_source
ORDER BY uniform_source, self_source
