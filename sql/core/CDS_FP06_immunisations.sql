-- CDS_FP06: children looked after for 12+ months at the period end whose immunisations are up to date
-- (DfE OC2), computed at every month end. Cohort as CDS_FP04 (looked after at the period end and throughout the
-- $looked_after_months months up to it, no V3/V4 status in force after the first day of those months).
-- Numerator: the child's latest immunisation status dated in the $check_months months up to the period end is
-- one of $up_to_date_statuses. No status in those months (none, or only an older one) is not up to date. A
-- cohort child with only an undated status row stays in the denominator and gets an information-only row.
WITH cla_12_months AS (
    -- the OC2 cohort (sql/models/40_cla_12_months.sql)
    SELECT * FROM cla_12_months($looked_after_months, $check_months)
),
statuses AS (
    SELECT clai_person_id AS person_id,
           clai_immunisations_status_date AS status_date,
           coalesce(list_contains(list_transform(CAST($up_to_date_statuses AS VARCHAR[]), lambda x: upper(trim(x))),
                                  upper(trim(clai_immunisations_status))), false) AS up_to_date
    FROM ssd_cla_immunisations
    WHERE clai_person_id IS NOT NULL
),
latest AS (
    -- the latest status recorded in the months up to the period end (one row per person and date: the key)
    SELECT c.period_end, c.person_id, k.up_to_date
    FROM cla_12_months AS c
    JOIN statuses AS k
      ON k.person_id = c.person_id AND k.status_date BETWEEN c.check_from AND c.period_end
    QUALIFY row_number() OVER (PARTITION BY c.period_end, c.person_id
                               ORDER BY k.status_date DESC, k.up_to_date) = 1
),
undated AS (
    SELECT DISTINCT person_id FROM statuses WHERE status_date IS NULL
),
measured AS (
    SELECT c.period_end, c.person_id,
           coalesce(l.up_to_date, false) AS checked,
           l.person_id IS NULL AND u.person_id IS NOT NULL AS undated_check
    FROM cla_12_months AS c
    LEFT JOIN latest AS l ON l.period_end = c.period_end AND l.person_id = c.person_id
    LEFT JOIN undated AS u ON u.person_id = c.person_id
),
record_rows AS (
    SELECT period_end, person_id, person_id AS record_id,
           CAST(checked AS DOUBLE) AS numerator,
           CAST(1 AS DOUBLE) AS denominator,
           CAST(NULL AS VARCHAR) AS excluded_reason
    FROM measured
    UNION ALL
    SELECT period_end, person_id, person_id || ' (status date missing)',
           CAST(0 AS DOUBLE), CAST(0 AS DOUBLE), 'immunisation status date missing (kept in the denominator)'
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
