-- CDS_FP04: children looked after for 12+ months at the period end who had their annual health assessment
-- (DfE OC2), computed at every month end.
-- Cohort (OC2): looked after at the period end (cla_snapshot: an open episode, not under V3/V4 then) and
-- throughout the $looked_after_months months up to it - the period of care began on or before the first day of
-- those months (for 31 March 2024: on or before 1 April 2023, as the DfE year) - with no V3/V4 legal status in
-- force after that first day. Numerator: a health check of one of $check_types with a completed status
-- (or no status, when $blank_status_counts) dated in the $check_months months up to the period end.
-- A cohort child with only an undated check stays in the denominator and gets an information-only row.
WITH cla_12_months AS (
    -- the OC2 cohort (sql/models/40_cla_12_months.sql)
    SELECT * FROM cla_12_months($looked_after_months, $check_months)
),
checks AS (
    SELECT * FROM cla_health_checks($check_types, $completed_statuses, $blank_status_counts)
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
