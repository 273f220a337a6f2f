-- KPI20: data breaches reported (or self-reported) to the ICO, counted by ICO report date.
-- One row per incident per period and basis; unit count, so the value is the number of rows.
SELECT w.period_end,
       w.basis,
       i.incident_id AS record_id,
       CAST(NULL AS VARCHAR) AS person_id,
       -- an incident names no child (extract contract), so no council can be placed: the trust total only, and
       -- no council rows (council_rows: placed), never a council count of 0
       CAST(NULL AS VARCHAR) AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(1 AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE
           WHEN i.ico_report_date IS NULL THEN 'reported to ICO with no ICO report date'
           WHEN i.ico_report_date < i.detected_date THEN 'ICO report date before detection date'
       END AS excluded_reason
FROM information_governance_incidents AS i
JOIN kpi_windows AS w
  -- placed by the ICO report date; one flagged as reported with no report date is shown as excluded in the
  -- period it was detected, so the gap is visible
  ON coalesce(i.ico_report_date, CASE WHEN i.reported_to_ico THEN i.detected_date END)
     BETWEEN w.window_start AND w.window_end
WHERE list_contains($bases, w.basis)
