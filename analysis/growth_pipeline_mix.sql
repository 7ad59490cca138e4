-- New models per creation month by task (pipeline_tag): the 10 most common tasks overall, the
-- rest as 'other', missing as '(none)'. share is of that month's new models.
-- The createdAt floor is one 'before March 2022' bucket (month 2022-02-01, before_floor).
WITH dated AS (
    SELECT
        coalesce(nullif(pipeline_tag, ''), '(none)') AS pipeline,
        coalesce(created_before_floor, false)
            OR created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor,
        created_at
    FROM models
    WHERE created_at IS NOT NULL OR coalesce(created_before_floor, false)
),
top AS (
    SELECT pipeline FROM dated WHERE pipeline <> '(none)'
    GROUP BY pipeline ORDER BY count(*) DESC, pipeline LIMIT 10
),
grouped AS (
    SELECT
        creation_month(created_at, before_floor) AS month,
        month_label(created_at, before_floor) AS period,
        before_floor,
        CASE WHEN pipeline = '(none)' OR pipeline IN (SELECT pipeline FROM top) THEN pipeline
             ELSE 'other' END AS pipeline,
        count(*) AS models
    FROM dated
    GROUP BY ALL
)
SELECT month, period, before_floor, pipeline, models,
       models / sum(models) OVER (PARTITION BY month, before_floor) AS share
FROM grouped
