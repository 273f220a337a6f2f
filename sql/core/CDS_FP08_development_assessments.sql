-- CDS_FP08: children looked after for 12+ months at the period end, aged under 5 then, whose development
-- assessments are up to date (DfE OC2), computed at every month end. Cohort as CDS_FP04 (looked after at the
-- period end and throughout the $looked_after_months months up to it, no V3/V4 status in force after the first
-- day of those months), restricted to children under $under_age at the period end (age in whole years: the
-- 5th birthday is dob + 5 years, 29 Feb + 5 years = 28 Feb). Up to date = a development assessment of one of
-- $check_types with a completed status (or no status, when $blank_status_counts) dated in the $check_months
-- months up to the period end. No date of birth: excluded with a reason (the age cannot be known).
WITH cla_12_months AS (
    -- the OC2 cohort (sql/models/40_cla_12_months.sql)
    SELECT * FROM cla_12_months($looked_after_months, $check_months)
),
checks AS (
    SELECT * FROM cla_health_checks($check_types, $completed_statuses, $blank_status_counts)
),
under_age AS (
    -- under 5 at the period end: the 5th birthday (dob + 5 years, added to the earlier date) is after it
    SELECT * FROM cla_12_months
    WHERE dob IS NULL OR CAST(dob + to_years(CAST($under_age AS INTEGER)) AS DATE) > period_end
),
measured AS (
    SELECT c.period_end, c.person_id, c.dob IS NULL AS no_dob,
           coalesce(bool_or(k.completed AND k.check_date BETWEEN c.check_from AND c.period_end), false) AS checked,
           coalesce(bool_or(k.person_id IS NOT NULL AND k.check_date IS NULL), false) AS undated_check
    FROM under_age AS c
    LEFT JOIN checks AS k ON k.person_id = c.person_id
    GROUP BY c.period_end, c.person_id, c.dob
),
record_rows AS (
    SELECT period_end, person_id, person_id AS record_id,
           CAST(checked AS DOUBLE) AS numerator,
           CAST(1 AS DOUBLE) AS denominator,
           CASE WHEN no_dob THEN 'date of birth missing' END AS excluded_reason
    FROM measured
    UNION ALL
    SELECT period_end, person_id, person_id || ' (check date missing)',
           CAST(0 AS DOUBLE), CAST(0 AS DOUBLE), 'check date missing (kept in the denominator)'
    FROM measured
    WHERE undated_check AND NOT checked AND NOT no_dob
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
