-- CDS_FP07: children looked after for 12+ months at the period end whose teeth were checked by a dentist in the
-- 12 months up to it (DfE OC2), computed at every month end. Same cohort and check rules as CDS_FP04:
-- Cohort (OC2): looked after at the period end (cla_snapshot: an open episode, not under V3/V4 then) and
-- throughout the $looked_after_months months up to it - the period of care began on or before the first day of
-- those months - with no V3/V4 legal status in force after that first day. Numerator: a check of one of
-- $check_types (dental) with a completed status (or no status, when $blank_status_counts) dated in the
-- $check_months months up to the period end. A cohort child with only an undated check stays in the
-- denominator and gets an information-only row.
WITH cutoffs AS (
    -- the first day of the k months up to each period end: the day after the last day of the month k months
    -- earlier (kpis.md month arithmetic; 29 Feb 2024 -> 1 Mar 2023)
    SELECT period_end,
           CAST(last_day(period_end - to_months(CAST($looked_after_months AS INTEGER))) + INTERVAL 1 DAY AS DATE)
               AS care_from,
           CAST(last_day(period_end - to_months(CAST($check_months AS INTEGER))) + INTERVAL 1 DAY AS DATE)
               AS check_from
    FROM kpi_windows
    WHERE basis = 'snapshot'
),
cla_12_months AS (
    SELECT s.period_end, s.person_id, c.check_from
    FROM cla_snapshot AS s
    JOIN cutoffs AS c ON c.period_end = s.period_end
    WHERE s.period_start <= c.care_from
      -- time under short breaks does not count: no V3/V4 status in force after the first day (a status ending
      -- on that day hands over to the next one that day)
      AND NOT EXISTS (
          SELECT 1 FROM cla_legal AS l
          WHERE l.person_id = s.person_id AND l.short_break
            AND l.start_date <= s.period_end AND (l.end_date IS NULL OR l.end_date > c.care_from)
      )
),
checks AS (
    SELECT clah_person_id AS person_id,
           clah_health_check_date AS check_date,
           coalesce(list_contains(list_transform(CAST($completed_statuses AS VARCHAR[]), lambda x: upper(trim(x))),
                                  upper(trim(clah_health_check_status))), false)
               OR ($blank_status_counts AND nullif(trim(clah_health_check_status), '') IS NULL) AS completed
    FROM ssd_cla_health
    WHERE clah_person_id IS NOT NULL
      AND list_contains(list_transform(CAST($check_types AS VARCHAR[]), lambda x: upper(trim(x))),
                        upper(trim(clah_health_check_type)))
),
measured AS (
    SELECT c.period_end, c.person_id,
           coalesce(bool_or(k.completed AND k.check_date BETWEEN c.check_from AND c.period_end), false) AS checked,
           coalesce(bool_or(k.person_id IS NOT NULL AND k.check_date IS NULL), false) AS undated_check
    FROM cla_12_months AS c
    LEFT JOIN checks AS k ON k.person_id = c.person_id
    GROUP BY c.period_end, c.person_id
),
record_rows AS (
    SELECT period_end, person_id, person_id AS record_id,
           CAST(checked AS DOUBLE) AS numerator,
           CAST(1 AS DOUBLE) AS denominator,
           CAST(NULL AS VARCHAR) AS excluded_reason
    FROM measured
    UNION ALL
    SELECT period_end, person_id, person_id || ' (check date missing)',
           CAST(0 AS DOUBLE), CAST(0 AS DOUBLE), 'check date missing (kept in the denominator)'
    FROM measured
    WHERE undated_check AND NOT checked
)
SELECT w.period_end,
       w.basis,
       r.record_id,
       r.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       r.numerator,
       r.denominator,
       r.excluded_reason
FROM record_rows AS r
JOIN kpi_windows AS w ON w.period_end = r.period_end AND w.basis = 'snapshot'
LEFT JOIN person_area AS pa ON pa.person_id = r.person_id
WHERE list_contains($bases, w.basis)
