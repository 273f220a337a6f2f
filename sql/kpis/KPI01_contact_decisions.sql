-- KPI01: contacts decided within 2 working days. Placed in the period containing the deadline.
WITH contacts AS (
    SELECT cont_contact_id AS record_id,
           cont_person_id AS person_id,
           cont_contact_date AS contact_date,
           cont_contact_decision_date AS decision_date,
           add_working_days(cont_contact_date, $decision_working_days) AS deadline
    FROM ssd_contacts
    WHERE cont_contact_date IS NOT NULL
)
SELECT w.period_end,
       w.basis,
       c.record_id,
       c.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(c.decision_date <= c.deadline, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE WHEN c.decision_date < c.contact_date THEN 'decision date before contact date' END AS excluded_reason
FROM contacts AS c
JOIN kpi_windows AS w ON c.deadline BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = c.person_id
WHERE list_contains($bases, w.basis)
