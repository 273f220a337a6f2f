-- The OC2 cohort and health checks shared by the core data set's looked-after health measures (CDS_FP04-FP08),
-- as table macros so each measure passes its own bound parameters.
--   cla_12_months(looked_after_months, check_months)
--       children looked after at each snapshot period end (cla_snapshot: an open episode, not under V3/V4 then)
--       and throughout the `looked_after_months` months up to it: the period of care began on or before the
--       first day of those months (31 March 2024, 12 months: on or before 1 April 2023, as the DfE year), with
--       no V3/V4 status in force after that first day (a status ending on that day hands over that day).
--       Returns period_end, person_id, care_from (that first day), check_from (the first day of the
--       `check_months` months up to the period end) and dob. "The first day of the k months up to a period end"
--       is the day after the last day of the month k months earlier (kpis.md month arithmetic; 29 Feb 2024 ->
--       1 Mar 2023).
--   cla_health_checks(check_types, completed_statuses, blank_status_counts)
--       ssd_cla_health rows of the given types (matched trimmed, ignoring case): person_id, check_date and
--       completed (a status among completed_statuses, or no status when blank_status_counts).
CREATE OR REPLACE TEMP MACRO cla_12_months(looked_after_months, check_months) AS TABLE
    WITH cutoffs AS (
        SELECT period_end,
               CAST(last_day(period_end - to_months(CAST(looked_after_months AS INTEGER))) + INTERVAL 1 DAY AS DATE)
                   AS care_from,
               CAST(last_day(period_end - to_months(CAST(check_months AS INTEGER))) + INTERVAL 1 DAY AS DATE)
                   AS check_from
        FROM kpi_windows
        WHERE basis = 'snapshot'
    )
    SELECT s.period_end, s.person_id, c.care_from, c.check_from, p.pers_dob AS dob
    FROM cla_snapshot AS s
    JOIN cutoffs AS c ON c.period_end = s.period_end
    LEFT JOIN ssd_person AS p ON p.pers_person_id = s.person_id
    WHERE s.period_start <= c.care_from
      AND NOT EXISTS (
          SELECT 1 FROM cla_legal AS l
          WHERE l.person_id = s.person_id AND l.short_break
            AND l.start_date <= s.period_end AND (l.end_date IS NULL OR l.end_date > c.care_from)
      );

CREATE OR REPLACE TEMP MACRO cla_health_checks(check_types, completed_statuses, blank_status_counts) AS TABLE
    SELECT clah_person_id AS person_id,
           clah_health_check_date AS check_date,
           coalesce(list_contains(list_transform(CAST(completed_statuses AS VARCHAR[]), lambda x: upper(trim(x))),
                                  upper(trim(clah_health_check_status))), false)
               OR (blank_status_counts AND nullif(trim(clah_health_check_status), '') IS NULL) AS completed
    FROM ssd_cla_health
    WHERE clah_person_id IS NOT NULL
      AND list_contains(list_transform(CAST(check_types AS VARCHAR[]), lambda x: upper(trim(x))),
                        upper(trim(clah_health_check_type)));
