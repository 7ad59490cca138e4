-- The reporting gap: the same model has a self-reported and a uniform score for the same benchmark.
-- Matches:
--   * MTEB: `external` rows (mteb_external) and the model's card entries written by MTEB
--     (model-index dataset name 'MTEB <task> (...)', metric main_score; cards use 0-100, so values
--     above 1 are divided by 100) against the uniform MTEB score on the same task, split and subset;
--   * Open LLM Leaderboard: card entries the leaderboard wrote back (source name 'Open LLM
--     Leaderboard', dataset name starting with a v2 benchmark) against the leaderboard's own
--     normalised 0-100 score for that benchmark (the write-back uses that scale).
-- Columns: model_id, uniform_source, benchmark_key (the uniform key), self_source, self_value,
-- uniform_value, gap (self - uniform), rel_gap (gap / uniform).
WITH uniform_mteb AS (
    SELECT model_id, lower(dataset) AS task, lower(config) AS subset, lower(split) AS split,
           min(benchmark_key) AS benchmark_key, avg(value) AS value
    FROM eval_scores
    WHERE source = 'mteb' AND value IS NOT NULL
    GROUP BY ALL
),
self_mteb AS (
    SELECT model_id, 'mteb_external' AS self_source, lower(dataset) AS task, lower(config) AS subset,
           lower(split) AS split, avg(value) AS value
    FROM eval_scores
    WHERE source = 'mteb_external' AND value IS NOT NULL
    GROUP BY ALL
    UNION ALL
    SELECT model_id, 'model_index', lower(regexp_extract(benchmark, '^MTEB (\S+)', 1)),
           lower(coalesce(config, 'default')), lower(split),
           avg(CASE WHEN value > 1 THEN value / 100 ELSE value END)
    FROM eval_scores
    WHERE source = 'model_index' AND lower(metric) = 'main_score' AND benchmark LIKE 'MTEB %' AND value IS NOT NULL
    GROUP BY ALL
),
uniform_leaderboard AS (
    SELECT model_id, benchmark_key, avg(normalized_value) AS value
    FROM eval_scores
    WHERE source = 'open_llm_leaderboard' AND normalized_value IS NOT NULL
    GROUP BY ALL
),
self_leaderboard AS (
    SELECT model_id, 'model_index' AS self_source,
           CASE
               WHEN benchmark ILIKE 'IFEval%' THEN 'IFEval'
               WHEN benchmark ILIKE 'BBH%' THEN 'BBH'
               WHEN benchmark ILIKE 'MATH Lvl 5%' THEN 'MATH Lvl 5'
               WHEN benchmark ILIKE 'GPQA%' THEN 'GPQA'
               WHEN benchmark ILIKE 'MuSR%' THEN 'MUSR'
               WHEN benchmark ILIKE 'MMLU-PRO%' THEN 'MMLU-PRO'
           END AS benchmark_key,
           avg(value) AS value
    FROM eval_scores
    WHERE source = 'model_index' AND value IS NOT NULL
      AND json_extract_string(detail, '$.source_name') ILIKE '%open llm leaderboard%'
    GROUP BY ALL
)
SELECT s.model_id, 'mteb' AS uniform_source, u.benchmark_key, s.self_source,
       s.value AS self_value, u.value AS uniform_value,
       s.value - u.value AS gap, (s.value - u.value) / nullif(u.value, 0) AS rel_gap
FROM self_mteb s
JOIN uniform_mteb u ON u.model_id = s.model_id AND u.task = s.task AND u.subset = s.subset AND u.split = s.split
UNION ALL
SELECT s.model_id, 'open_llm_leaderboard', u.benchmark_key, s.self_source,
       s.value, u.value, s.value - u.value, (s.value - u.value) / nullif(u.value, 0)
FROM self_leaderboard s
JOIN uniform_leaderboard u ON u.model_id = s.model_id AND u.benchmark_key = s.benchmark_key
ORDER BY 1, 2, 3, 4
