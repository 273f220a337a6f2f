-- KPI03: single assessments authorised within 45 working days of the assessment start.
-- Placed in the period containing the authorisation date. The deadline is the 45th working day after the
-- start (the start day itself is never counted); authorised on or before it passes.
WITH assessments AS (
    SELECT cina_assessment_id AS record_id,
           cina_person_id AS person_id,
           cina_assessment_start_date AS start_date,
           cina_assessment_auth_date AS auth_date,
           cina_assessment_team AS team,
           cina_assessment_worker_id AS worker,
           add_working_days(cina_assessment_start_date, $assessment_working_days) AS deadline
    FROM ssd_cin_assessments
    WHERE cina_assessment_auth_date IS NOT NULL   -- not yet authorised: in no period's denominator
)
SELECT w.period_end,
       w.basis,
       a.record_id,
       a.person_id,
       coalesce(pa.area, 'unknown') AS area,
       a.team,
       a.worker,
       CAST(coalesce(a.auth_date <= a.deadline, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       -- timeliness cannot be judged without a valid start: excluded and counted, not failed
       CASE
           WHEN a.start_date IS NULL THEN 'missing assessment start date'
           WHEN a.auth_date < a.start_date THEN 'authorised before the assessment start'
       END AS excluded_reason
FROM assessments AS a
JOIN kpi_windows AS w ON a.auth_date BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = a.person_id
WHERE list_contains($bases, w.basis)
