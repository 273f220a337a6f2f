-- CDS_KS12: children looked after during the window who had a missing incident during it, by individual child
-- (DfE "children looked after who went missing": children with a missing incident / children looked after during
-- the year). Short breaks (V3/V4 only) are left out, as the DfE does. Away-without-authorisation incidents (ABSENT)
-- are not missing incidents unless $missing_types says so.
WITH windows AS (
    SELECT * FROM kpi_windows WHERE list_contains($bases, basis)
),
looked_after AS (
    -- looked after at some time in the window: an episode starting on or before its end and not ceased before its
    -- start (a child leaving on the first day was looked after that day)
    SELECT DISTINCT w.period_end, w.basis, w.window_start, w.window_end, e.person_id
    FROM windows AS w
    JOIN cla_episode AS e
      ON e.start_date <= w.window_end AND (e.ceased_date IS NULL OR e.ceased_date >= w.window_start)
),
statuses AS (
    -- legal statuses in force at some time in the window: a child all of whose statuses are V3/V4 is looked after
    -- only under a series of short breaks (no status recorded: not a short break, as in cla_snapshot)
    SELECT la.period_end, la.basis, la.person_id,
           count(l.person_id) AS statuses,
           count(l.person_id) FILTER (WHERE NOT l.short_break) AS care_statuses
    FROM looked_after AS la
    LEFT JOIN cla_legal AS l
      ON l.person_id = la.person_id AND l.start_date <= la.window_end
     AND (l.end_date IS NULL OR l.end_date >= la.window_start)
    GROUP BY ALL
),
cohort AS (
    SELECT la.*
    FROM looked_after AS la
    JOIN statuses AS s ON s.period_end = la.period_end AND s.basis = la.basis AND s.person_id = la.person_id
    WHERE s.statuses = 0 OR s.care_statuses > 0
),
incidents AS (
    -- missing incidents that began while the child was looked after
    SELECT m.miss_person_id AS person_id,
           m.miss_missing_episode_start_date AS start_date,
           m.miss_missing_episode_end_date AS end_date
    FROM ssd_missing AS m
    WHERE m.miss_person_id IS NOT NULL AND m.miss_missing_episode_start_date IS NOT NULL
      AND list_contains($missing_types, upper(trim(m.miss_missing_episode_type)))
      AND EXISTS (SELECT 1 FROM cla_episode AS e
                  WHERE e.person_id = m.miss_person_id AND e.start_date <= m.miss_missing_episode_start_date
                    AND (e.ceased_date IS NULL OR e.ceased_date >= m.miss_missing_episode_start_date))
),
per_child AS (
    -- an incident counts in a window it overlaps: begun in it, or begun before and still going at its start
    -- (no end date = still missing)
    SELECT c.period_end, c.basis, c.person_id, count(i.start_date) AS incidents
    FROM cohort AS c
    LEFT JOIN incidents AS i
      ON i.person_id = c.person_id AND i.start_date <= c.window_end
     AND (i.end_date IS NULL OR i.end_date >= c.window_start)
    GROUP BY ALL
)
SELECT p.period_end,
       p.basis,
       p.person_id AS record_id,
       p.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,      -- ssd_missing carries no team or worker
       CAST(NULL AS VARCHAR) AS worker,
       CAST(p.incidents > 0 AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM per_child AS p
LEFT JOIN person_area AS pa ON pa.person_id = p.person_id
