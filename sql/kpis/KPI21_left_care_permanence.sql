-- KPI21: children leaving care in the period whose last leaving was to permanence (adoption, special
-- guardianship, residence / child arrangements order). One record per child per period: the last leaving in
-- the period (cla_leaving: the last episode of a period of care ceasing with a reason other than X1). Leavings
-- under V3/V4 (status in force when care ended) are left out before the last one is chosen.
WITH leavings AS (
    SELECT l.episode_id, l.person_id, l.ceased_date, l.ceased_reason
    FROM cla_leaving AS l
    WHERE NOT l.short_break
),
last_leaving AS (
    SELECT w.period_end, w.basis, l.*,
           row_number() OVER (PARTITION BY w.period_end, w.basis, l.person_id
                              ORDER BY l.ceased_date DESC, l.episode_id DESC) AS rn
    FROM leavings AS l
    JOIN kpi_windows AS w ON l.ceased_date BETWEEN w.window_start AND w.window_end
    WHERE list_contains($bases, w.basis)
),
bad_dates AS (
    -- episodes ceasing in the period with no start date, or before they started, cannot be read as a
    -- leaving (cla_episode leaves them out): shown as excluded with the reason
    SELECT w.period_end, w.basis, e.clae_cla_episode_id AS episode_id, e.clae_person_id AS person_id,
           CASE WHEN e.clae_cla_episode_start_date IS NULL THEN 'episode start date missing'
                ELSE 'ceased date before start date' END AS excluded_reason
    FROM ssd_cla_episodes AS e
    JOIN kpi_windows AS w ON e.clae_cla_episode_ceased_date BETWEEN w.window_start AND w.window_end
    WHERE (e.clae_cla_episode_start_date IS NULL
           OR e.clae_cla_episode_ceased_date < e.clae_cla_episode_start_date)
      AND list_contains($bases, w.basis)
),
record_rows AS (
    SELECT period_end, basis, episode_id, person_id,
           CAST(coalesce(list_contains($permanence_reasons, ceased_reason), false) AS DOUBLE) AS numerator,
           CAST(1 AS DOUBLE) AS denominator,
           CASE WHEN ceased_reason IS NULL THEN 'ceased reason missing' END AS excluded_reason
    FROM last_leaving
    WHERE rn = 1
    UNION ALL
    SELECT period_end, basis, episode_id, person_id, 0, 0, excluded_reason
    FROM bad_dates
)
SELECT r.period_end,
       r.basis,
       r.episode_id AS record_id,
       r.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(r.numerator AS DOUBLE) AS numerator,
       CAST(r.denominator AS DOUBLE) AS denominator,
       r.excluded_reason
FROM record_rows AS r
LEFT JOIN person_area AS pa ON pa.person_id = r.person_id
