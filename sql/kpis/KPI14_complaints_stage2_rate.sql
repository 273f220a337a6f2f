-- KPI14: stage 2 investigations as a % of stage 1 complaints received in the period. A ratio of two counts
-- as the contract words it: stage 1 complaints received in the period form the denominator (numerator 0),
-- stage 2 complaints received in the period form the numerator (denominator 0), whichever year their stage 1
-- was, so the value can exceed 100.
SELECT w.period_end,
       w.basis,
       c.complaint_id AS record_id,
       c.person_id,
       -- the child's home council (person_area); the handling team's council only when no child is named
       CASE WHEN c.person_id IS NOT NULL THEN coalesce(pa.area, 'unknown') ELSE coalesce(ta.area, 'unknown') END
           AS area,
       c.team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(c.stage = 2 AS DOUBLE) AS numerator,
       CAST(c.stage = 1 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM complaints AS c
JOIN kpi_windows AS w ON c.received_date BETWEEN w.window_start AND w.window_end  -- undated: in no period
LEFT JOIN person_area AS pa ON pa.person_id = c.person_id
LEFT JOIN team_area AS ta ON ta.team_id = c.team
WHERE c.stage IN (1, 2)
  AND list_contains($bases, w.basis)
