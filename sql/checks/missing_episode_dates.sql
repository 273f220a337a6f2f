-- DfE rules: 903/567, 903/574
-- kind: row
-- severity: critical, warning
-- Missing (or away-without-authorisation) incidents of a child end on or after they start (567) and do not
-- overlap (574; an incident with no end runs on). An end before the start is critical: CDS_KS13 times the
-- return interview from the end and CDS_KS12 takes an incident into every window it overlaps, so both move.
-- An overlap is a warning: both incidents are as recorded (a child missing, then away, in one spell), KS12
-- counts children, not incidents, and KS13 counts each recorded return. Dated by the incident's start.
WITH m AS (
    SELECT source_file, source_row, miss_missing_episode_start_date AS start_date,
           miss_missing_episode_end_date AS end_date,
           max(coalesce(miss_missing_episode_end_date, DATE '9999-12-31')) OVER (
               PARTITION BY miss_person_id ORDER BY miss_missing_episode_start_date, source_file, source_row
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
    FROM staged.ssd_missing
    WHERE drop_id = $drop_id AND miss_person_id IS NOT NULL AND miss_missing_episode_start_date IS NOT NULL
)
SELECT source_file, source_row, 'ssd_missing' AS table_name,
       CASE WHEN end_date < start_date THEN 'miss_missing_episode_end_date'
            ELSE 'miss_missing_episode_start_date' END AS column_name,
       CASE WHEN end_date < start_date THEN 'missing incident ends on or after it starts'
            ELSE 'missing incidents of a child do not overlap' END AS rule,
       CASE WHEN end_date < start_date THEN 'critical' ELSE 'warning' END AS severity,
       CASE WHEN end_date < start_date THEN 'ends ' || CAST(end_date AS VARCHAR) || ', before it starts'
            ELSE 'starts before an earlier incident ends (' || CAST(earlier_end AS VARCHAR) || ')' END AS detail,
       NULL AS kpi_id
FROM m
WHERE (end_date < start_date OR start_date < earlier_end)
