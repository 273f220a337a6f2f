-- KPI17: % social worker posts filled by agency staff = agency FTE / (agency FTE + in-post FTE), summed over teams.
-- Rows for the period end with post type qualified_social_worker (configurable), one row per team.
-- Joint workforce return (North and West Northamptonshire): a team is counted once per period and post
-- type however many times the return lists it, and a team listed under both councils is area 'joint'.
WITH team_council AS (
    SELECT team_id,
           CASE
               WHEN count(DISTINCT area) FILTER (WHERE area <> 'unknown') > 1 THEN 'joint'
               ELSE coalesce(max(area) FILTER (WHERE area <> 'unknown'), 'unknown')
           END AS area
    FROM team_area
    GROUP BY team_id
),
posts AS (
    SELECT w.period_end,
           w.basis,
           nullif(trim(e.team_id), '') AS team_id,
           lower(trim(e.post_type)) AS post_type,
           e.in_post_fte,
           e.vacancy_fte,
           e.agency_fte
    FROM workforce_establishment AS e
    -- rows for period_end: a row dated any day of the month stands for its month end
    JOIN kpi_windows AS w ON CAST(last_day(e.period_end) AS DATE) = w.period_end
    WHERE list_contains($bases, w.basis)
      AND list_contains(list_transform(CAST($post_types AS VARCHAR[]), lambda p: lower(trim(p))),
                        lower(trim(e.post_type)))
    -- duplicates for the same team, period and post type are one set of posts: keep one row (the latest
    -- dated, then the largest figures); rows with no team are collapsed only when identical
    QUALIFY row_number() OVER (
        PARTITION BY w.period_end, w.basis, nullif(trim(e.team_id), ''), lower(trim(e.post_type)),
                     CASE WHEN nullif(trim(e.team_id), '') IS NULL
                          THEN [e.establishment_fte, e.in_post_fte, e.vacancy_fte, e.agency_fte] END
        ORDER BY e.period_end DESC, e.establishment_fte DESC NULLS LAST, e.in_post_fte DESC NULLS LAST,
                 e.vacancy_fte DESC NULLS LAST, e.agency_fte DESC NULLS LAST) = 1
)
SELECT p.period_end,
       p.basis,
       coalesce(p.team_id, '') || '|' || p.post_type AS record_id,
       CAST(NULL AS VARCHAR) AS person_id,
       coalesce(tc.area, 'unknown') AS area,
       p.team_id AS team,
       CAST(NULL AS VARCHAR) AS worker,
       -- a blank figure beside a recorded one is zero (no agency / nobody in post)
       CAST(coalesce(p.agency_fte, 0) AS DOUBLE) AS numerator,
       CAST(coalesce(p.agency_fte, 0) + coalesce(p.in_post_fte, 0) AS DOUBLE) AS denominator,
       CASE
           WHEN p.agency_fte IS NULL AND p.in_post_fte IS NULL THEN 'missing agency and in-post FTE'
           WHEN p.agency_fte < 0 OR p.in_post_fte < 0 THEN 'negative FTE'
       END AS excluded_reason
FROM posts AS p
LEFT JOIN team_council AS tc ON tc.team_id = p.team_id
