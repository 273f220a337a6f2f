-- KPI13: stage 1 complaints responded to within 10 working days. Deadline-based: placed in the period
-- containing the deadline, responded or not (an unanswered complaint past its deadline fails).
-- Deadline = response_due_date when recorded (and $use_recorded_due_date), else the 10th working day after
-- receipt, or the 20th when an extension was agreed.
WITH complaints_1 AS (
    SELECT complaint_id AS record_id,
           person_id,
           received_date,
           responded_date,
           team,
           CASE
               WHEN $use_recorded_due_date AND response_due_date IS NOT NULL THEN response_due_date
               ELSE add_working_days(received_date,
                                     CASE WHEN coalesce(extension_agreed, false) THEN $extension_working_days
                                          ELSE $response_working_days END)
           END AS deadline
    FROM complaints
    WHERE stage = 1
)
SELECT w.period_end,
       w.basis,
       c.record_id,
       c.person_id,
       -- the child's home council (person_area); the handling team's council only when no child is named
       CASE WHEN c.person_id IS NOT NULL THEN coalesce(pa.area, 'unknown') ELSE coalesce(ta.area, 'unknown') END
           AS area,
       c.team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(c.responded_date <= c.deadline, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE WHEN c.responded_date < c.received_date THEN 'response before receipt' END AS excluded_reason
FROM complaints_1 AS c
JOIN kpi_windows AS w ON c.deadline BETWEEN w.window_start AND w.window_end   -- no deadline: in no period
LEFT JOIN person_area AS pa ON pa.person_id = c.person_id
LEFT JOIN team_area AS ta ON ta.team_id = c.team
WHERE list_contains($bases, w.basis)
