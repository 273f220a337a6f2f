-- DfE rules: 903/365, 903/367
-- kind: row
-- severity: critical
-- Short breaks (legal status V3/V4 in force at the episode start) are short: one break lasts at most 17 days
-- (365) and a child's breaks add up to at most 75 days in any 12 months (367; counted over the 12 months ending
-- when a break ends). Critical: every looked-after measure leaves out children whose care is only short breaks
-- (kpis.md), so care recorded as a short break but longer than one removes a looked-after child from KPI07,
-- KPI08, KPI12, KPI21 and the core measures. An open break is measured to the extract date. Dated by its end.
WITH breaks AS (
    SELECT e.source_file, e.source_row, e.clae_person_id AS person_id, e.clae_cla_episode_start_date AS start_date,
           coalesce(e.clae_cla_episode_ceased_date, e.extract_date) AS end_date
    FROM staged.ssd_cla_episodes AS e
    WHERE e.drop_id = $drop_id AND e.clae_cla_episode_start_date IS NOT NULL
      AND EXISTS (
          SELECT 1 FROM staged.ssd_legal_status AS l
          WHERE l.drop_id = e.drop_id AND l.lega_person_id = e.clae_person_id
            AND l.lega_legal_status IN ('V3', 'V4')
            AND l.lega_legal_status_start_date <= e.clae_cla_episode_start_date
            AND coalesce(l.lega_legal_status_end_date, DATE '9999-12-31') >= e.clae_cla_episode_start_date)
),
totals AS (
    -- days of the child's breaks within the 12 months ending on this break's end
    SELECT b.source_file, b.source_row, b.start_date, b.end_date,
           sum(greatest(0, date_diff('day', greatest(o.start_date, CAST(b.end_date - INTERVAL 12 MONTH AS DATE)),
                                     least(o.end_date, b.end_date)))) AS days_in_year
    FROM breaks AS b
    JOIN breaks AS o ON o.person_id = b.person_id
    GROUP BY ALL
)
SELECT source_file, source_row, 'ssd_cla_episodes' AS table_name, 'clae_cla_episode_ceased_date' AS column_name,
       'short breaks within 17 days each and 75 days a year' AS rule, 'critical' AS severity,
       CASE WHEN date_diff('day', start_date, end_date) > 17
            THEN 'short break of ' || CAST(date_diff('day', start_date, end_date) AS VARCHAR) || ' days'
            ELSE CAST(days_in_year AS VARCHAR) || ' days of short breaks in the 12 months to this one''s end' END
           AS detail,
       NULL AS kpi_id
FROM totals
WHERE (date_diff('day', start_date, end_date) > 17 OR days_in_year > 75)
