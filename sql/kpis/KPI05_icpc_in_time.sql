-- KPI05: initial child protection conferences held within 15 working days of the start of the S47 enquiry
-- (strategy discussion) that led to them. Placed in the period containing the conference date; every ICPC
-- counts (several per child allowed); transfer-in conferences are outside the cohort (not returned).
WITH conferences AS (
    SELECT c.icpc_icpc_id AS record_id,
           c.icpc_person_id AS person_id,
           c.icpc_icpc_date AS icpc_date,
           c.icpc_icpc_team AS team,
           c.icpc_icpc_worker_id AS worker,
           c.icpc_s47_enquiry_id AS s47_id,
           (SELECT min(s.s47e_s47_start_date) FROM ssd_s47_enquiry AS s
            WHERE s.s47e_s47_enquiry_id = c.icpc_s47_enquiry_id) AS s47_start,
           (SELECT count(*) FROM ssd_s47_enquiry AS s
            WHERE s.s47e_s47_enquiry_id = c.icpc_s47_enquiry_id) AS s47_found
    FROM ssd_initial_cp_conference AS c
    WHERE c.icpc_icpc_date IS NOT NULL                      -- not held: in no period
      AND NOT coalesce(c.icpc_icpc_transfer_in, false)      -- transfer-in conferences are not in the measure
),
timed AS (
    SELECT *, add_working_days(s47_start, $icpc_working_days) AS deadline FROM conferences
)
SELECT w.period_end,
       w.basis,
       t.record_id,
       t.person_id,
       coalesce(pa.area, 'unknown') AS area,
       t.team,
       t.worker,
       CAST(coalesce(t.icpc_date <= t.deadline, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       -- timeliness cannot be judged without the S47 start: excluded and counted, not failed
       CASE
           WHEN t.s47_id IS NULL OR t.s47_found = 0 THEN 'no linked S47 enquiry'
           WHEN t.s47_start IS NULL THEN 'missing S47 start date'
           WHEN t.icpc_date < t.s47_start THEN 'conference before the S47 start'
       END AS excluded_reason
FROM timed AS t
JOIN kpi_windows AS w ON t.icpc_date BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = t.person_id
WHERE list_contains($bases, w.basis)
