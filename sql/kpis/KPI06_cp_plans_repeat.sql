-- KPI06: CP plans that are a child's second or subsequent plan. Placed in the period containing the plan
-- start; occasions, not children (every plan starting in the period counts). Subsequent when the child has a
-- plan starting earlier anywhere in the history, or the plan records previous plans
-- (cppl_number_of_previous_cpp > 0: plans held in other authorities or before the system appear only there).
WITH plans AS (
    SELECT row_number() OVER () AS rid,          -- row identity: plan ids are not trusted to be unique
           cppl_cp_plan_id AS record_id,
           cppl_person_id AS person_id,
           cppl_cp_plan_start_date AS start_date,
           cppl_number_of_previous_cpp AS previous_count
    FROM ssd_cp_plans
    WHERE cppl_cp_plan_start_date IS NOT NULL     -- an undated plan cannot be placed, nor be "earlier"
),
with_history AS (
    SELECT p.*,
           EXISTS (SELECT 1 FROM plans AS q
                   WHERE q.person_id = p.person_id AND q.rid <> p.rid
                     AND q.start_date < p.start_date) AS has_earlier_plan  -- same-day plans are not earlier
    FROM plans AS p
)
SELECT w.period_end,
       w.basis,
       h.record_id,
       h.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,      -- ssd_cp_plans carries no team or worker
       CAST(NULL AS VARCHAR) AS worker,
       CAST(h.has_earlier_plan OR coalesce(h.previous_count > 0, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM with_history AS h
JOIN kpi_windows AS w ON h.start_date BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = h.person_id
WHERE list_contains($bases, w.basis)
