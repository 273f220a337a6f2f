-- Roll the record-level rows of one KPI (temp table kpi_rows) up to kpi_values rows:
-- the trust ('all'), each owning council, each team, each team x allocated worker.
-- value = $scale * sum(numerator) / sum(denominator) for ratio KPIs (percent, days), sum(numerator) for counts;
-- NULL with a reason when the denominator is 0. The trust and every owning council get a row for every
-- period and basis even when nothing is in the cohort, so a missing figure is visible, not absent - unless the
-- card's council_rows is 'placed': then a council has a row only where a record is placed in it.
WITH included AS (
    SELECT * FROM kpi_rows
),
rolled AS (
    SELECT period_end, basis,
           CASE WHEN grouping(area) = 1 THEN 'all' ELSE area END AS area,
           team, worker,
           grouping(area) AS g_area, grouping(team) AS g_team, grouping(worker) AS g_worker,
           coalesce(sum(numerator) FILTER (WHERE excluded_reason IS NULL), 0) AS numerator,
           coalesce(sum(denominator) FILTER (WHERE excluded_reason IS NULL), 0) AS denominator,
           count(*) FILTER (WHERE excluded_reason IS NOT NULL) AS excluded_count,
           histogram(excluded_reason) FILTER (WHERE excluded_reason IS NOT NULL) AS reasons
    FROM included
    GROUP BY GROUPING SETS ((period_end, basis), (period_end, basis, area), (period_end, basis, team),
                            (period_end, basis, team, worker))
),
usable AS (
    -- a record with no area/team/worker belongs to the trust total only
    SELECT * FROM rolled
    WHERE (g_area = 1 OR area IS NOT NULL) AND (g_team = 1 OR team IS NOT NULL)
      AND (g_worker = 1 OR worker IS NOT NULL)
),
scaffold AS (
    SELECT w.period_end, w.basis, a.area
    FROM kpi_windows AS w
    CROSS JOIN (SELECT 'all' AS area UNION ALL SELECT la_code FROM area_lookup WHERE $council_rows = 'always') AS a
    WHERE list_contains($bases, w.basis)
),
filled AS (
    SELECT s.period_end, s.basis, s.area, NULL::VARCHAR AS team, NULL::VARCHAR AS worker,
           coalesce(u.numerator, 0) AS numerator, coalesce(u.denominator, 0) AS denominator,
           coalesce(u.excluded_count, 0) AS excluded_count, u.reasons
    FROM scaffold AS s
    LEFT JOIN usable AS u
      ON u.period_end = s.period_end AND u.basis = s.basis AND u.area = s.area AND u.g_team = 1
    UNION ALL
    SELECT period_end, basis, area, team, worker, numerator, denominator, excluded_count, reasons
    FROM usable
    WHERE (g_team = 0) OR (g_area = 0 AND area NOT IN (SELECT 'all' UNION ALL SELECT la_code FROM area_lookup))
       OR (g_area = 0 AND g_team = 1 AND $council_rows = 'placed'
           AND area IN (SELECT la_code FROM area_lookup))
)
SELECT $kpi_id AS kpi_id,
       period_end,
       basis,
       area,
       CASE WHEN team IS NULL THEN NULL ELSE team END AS team,
       worker,
       CAST(numerator AS DOUBLE) AS numerator,
       CASE WHEN $unit = 'count' THEN NULL ELSE CAST(denominator AS DOUBLE) END AS denominator,
       CASE
           WHEN $unit = 'count' THEN CAST(numerator AS DOUBLE)
           WHEN denominator = 0 THEN NULL
           ELSE round($scale * numerator / denominator, 6)
       END AS value,
       CASE
           WHEN $unit <> 'count' AND denominator = 0 THEN 'no records in the denominator'
       END AS null_reason,
       CAST(excluded_count AS BIGINT) AS excluded_count,
       CASE WHEN reasons IS NOT NULL THEN
           array_to_string(list_transform(list_sort(map_entries(reasons)), lambda e: e.key || ': ' || e.value), '; ')
       END AS excluded_reasons,
       $definition_version AS definition_version
FROM filled
ORDER BY period_end, basis, area, team NULLS FIRST, worker NULLS FIRST;
