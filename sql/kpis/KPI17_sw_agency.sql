-- KPI17: % social worker posts filled by agency staff = agency FTE / (agency FTE + in-post FTE), summed over teams.
-- Rows for the period end with post type qualified_social_worker (configurable), one row per team.
-- Joint workforce return (North and West Northamptonshire): workforce_posts (sql/models) keeps one set of
-- posts per team, month and post type, and team_area puts a team listed under both councils in area 'joint'.
SELECT w.period_end,
       w.basis,
       coalesce(p.team_id, '') || '|' || p.post_type AS record_id,
       CAST(NULL AS VARCHAR) AS person_id,
       coalesce(ta.area, 'unknown') AS area,
       p.team_id AS team,
       CAST(NULL AS VARCHAR) AS worker,
       -- a blank figure beside a recorded one is zero (no agency / nobody in post)
       CAST(coalesce(p.agency_fte, 0) AS DOUBLE) AS numerator,
       CAST(coalesce(p.agency_fte, 0) + coalesce(p.in_post_fte, 0) AS DOUBLE) AS denominator,
       CASE
           WHEN p.agency_fte IS NULL AND p.in_post_fte IS NULL THEN 'missing agency and in-post FTE'
           WHEN p.agency_fte < 0 OR p.in_post_fte < 0 THEN 'negative FTE'
       END AS excluded_reason
FROM workforce_posts AS p
JOIN kpi_windows AS w ON w.period_end = p.month_end
LEFT JOIN team_area AS ta ON ta.team_id = p.team_id
WHERE list_contains($bases, w.basis)
  AND list_contains(list_transform(CAST($post_types AS VARCHAR[]), lambda t: lower(trim(t))), p.post_type)
