-- KPI11: qualified social workers whose caseload is above target x FTE, at period end.
-- One row per qualified worker with at least one open allocation per period and basis.
WITH roles AS (
    -- empty list = every involvement of a qualified worker is an allocation
    SELECT list_transform(CAST($allocated_roles AS VARCHAR[]), lambda r: upper(trim(r))) AS roles
),
targets AS (
    -- caseload target by team type: a map {team_type: target}, keys compared upper-cased
    SELECT upper(key) AS team_type, CAST(value AS DOUBLE) AS target
    FROM json_each(to_json($caseload_targets))
),
team_council AS (
    -- team_area has one council per team ('joint' when listed under both), so no team counts twice
    SELECT team_id, area, upper(team_type) AS team_type FROM team_area
),
qualified AS (
    -- qualified = has a social work registration number; agency workers in unless configured out
    SELECT prof_professional_id AS worker,
           coalesce(prof_full_time_equivalency, CAST($fte_when_missing AS DOUBLE)) AS fte
    FROM ssd_professionals
    WHERE prof_professional_id IS NOT NULL
      AND nullif(trim(prof_social_worker_registration_no), '') IS NOT NULL
      AND ($include_agency OR NOT coalesce(prof_agency_worker_flag, false))
    QUALIFY row_number() OVER (PARTITION BY prof_professional_id ORDER BY prof_full_time_equivalency DESC NULLS LAST) = 1
),
open_alloc AS (
    -- open at period end: start <= period_end and (end is null or end > period_end)
    SELECT w.period_end, w.basis,
           i.invo_professional_id AS worker,
           i.invo_person_id AS person_id,
           i.invo_professional_team AS team,
           i.invo_involvement_start_date AS start_date
    FROM ssd_involvements AS i
    JOIN kpi_windows AS w
      ON i.invo_involvement_start_date <= w.window_end
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > w.window_end)
    CROSS JOIN roles
    WHERE list_contains($bases, w.basis)
      AND i.invo_person_id IS NOT NULL
      AND i.invo_professional_id IN (SELECT worker FROM qualified)
      AND (len(roles.roles) = 0 OR list_contains(roles.roles, upper(trim(i.invo_professional_role_id))))
),
caseload AS (
    SELECT period_end, basis, worker, count(DISTINCT person_id) AS children
    FROM open_alloc
    GROUP BY ALL
),
worker_team AS (
    -- the worker's team: the team holding most of their open allocations (distinct children), then the
    -- team of their most recently started open allocation, then the lowest team id
    SELECT period_end, basis, worker, team
    FROM (
        SELECT period_end, basis, worker, team, count(DISTINCT person_id) AS n, max(start_date) AS latest
        FROM open_alloc
        WHERE team IS NOT NULL
        GROUP BY ALL
    )
    QUALIFY row_number() OVER (PARTITION BY period_end, basis, worker ORDER BY n DESC, latest DESC, team) = 1
)
SELECT c.period_end,
       c.basis,
       c.worker AS record_id,
       CAST(NULL AS VARCHAR) AS person_id,
       coalesce(tc.area, 'unknown') AS area,
       wt.team,
       c.worker,
       CAST(c.children > coalesce(t.target, CAST($default_caseload_target AS DOUBLE)) * q.fte AS DOUBLE)
           AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE WHEN q.fte <= 0 THEN 'FTE not positive' END AS excluded_reason
FROM caseload AS c
JOIN qualified AS q ON q.worker = c.worker
LEFT JOIN worker_team AS wt ON wt.period_end = c.period_end AND wt.basis = c.basis AND wt.worker = c.worker
LEFT JOIN team_council AS tc ON tc.team_id = wt.team
LEFT JOIN targets AS t ON t.team_type = tc.team_type
