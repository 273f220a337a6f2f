-- CDS_KS04: children on a child protection plan at the period end whose plan began at least $duration_months
-- months earlier (DfE CIN census d5 "2 years or more", LAIT CPPlans2yrsActive), as a share of all children on a
-- plan then. Month arithmetic per kpis.md: "at least 2 years" at a month end = the plan started on or before the
-- last day of the month 24 months earlier (31 March 2024 -> 31 March 2022).
WITH on_plan AS (
    -- plans open at the period end (start <= period_end, end null or after it); one per child, the latest-starting
    SELECT w.period_end, w.basis, p.cppl_cp_plan_id AS plan_id, p.cppl_person_id AS person_id,
           p.cppl_cp_plan_start_date AS start_date
    FROM ssd_cp_plans AS p
    JOIN kpi_windows AS w
      ON p.cppl_cp_plan_start_date <= w.period_end
     AND (p.cppl_cp_plan_end_date IS NULL OR p.cppl_cp_plan_end_date > w.period_end)
    WHERE w.basis = 'snapshot' AND list_contains($bases, w.basis)
      AND p.cppl_person_id IS NOT NULL AND p.cppl_cp_plan_start_date IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY w.period_end, p.cppl_person_id
                               ORDER BY p.cppl_cp_plan_start_date DESC, p.cppl_cp_plan_id DESC) = 1
)
SELECT o.period_end,
       o.basis,
       o.plan_id AS record_id,
       o.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,      -- ssd_cp_plans carries no team or worker
       CAST(NULL AS VARCHAR) AS worker,
       CAST(o.start_date <= CAST(last_day(o.period_end - to_months(CAST($duration_months AS INTEGER))) AS DATE)
            AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM on_plan AS o
LEFT JOIN person_area AS pa ON pa.person_id = o.person_id
