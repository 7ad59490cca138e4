-- New models per creation month by library (library_name): the 8 most common libraries overall,
-- the rest as 'other', missing as '(none)'. share is of that month's new models.
-- The createdAt floor is one 'before March 2022' bucket (month 2022-02-01, before_floor).
WITH dated AS (
    SELECT
        coalesce(nullif(library_name, ''), '(none)') AS library,
        coalesce(created_before_floor, false)
            OR created_at <= TIMESTAMP '2022-03-02 23:29:04' AS before_floor,
        created_at
    FROM models
    WHERE created_at IS NOT NULL OR coalesce(created_before_floor, false)
),
top AS (
    SELECT library FROM dated WHERE library <> '(none)'
    GROUP BY library ORDER BY count(*) DESC, library LIMIT 8
),
grouped AS (
    SELECT
        creation_month(created_at, before_floor) AS month,
        month_label(created_at, before_floor) AS period,
        before_floor,
        CASE WHEN library = '(none)' OR library IN (SELECT library FROM top) THEN library
             ELSE 'other' END AS library,
        count(*) AS models
    FROM dated
    GROUP BY ALL
)
SELECT month, period, before_floor, library, models,
       models / sum(models) OVER (PARTITION BY month, before_floor) AS share
FROM grouped
