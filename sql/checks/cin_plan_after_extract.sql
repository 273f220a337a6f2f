-- DfE rules: CIN/4010
-- kind: row
-- severity: critical
-- No CIN plan starts or ends after the drop's extract date (events_after_extract covers the other event
-- tables). Critical: KPI04 reads an assessment as not NFA when a CIN plan follows it, so a plan dated in the
-- future moves KPI04. Whole drop, as events_after_extract: such rows fall in no past month.
WITH d AS (
    SELECT source_file, source_row, 'cinp_cin_plan_start_date' AS column_name, cinp_cin_plan_start_date AS dated,
           extract_date
    FROM staged.ssd_cin_plans WHERE drop_id = $drop_id
    UNION ALL SELECT source_file, source_row, 'cinp_cin_plan_end_date', cinp_cin_plan_end_date, extract_date
    FROM staged.ssd_cin_plans WHERE drop_id = $drop_id
)
SELECT source_file, source_row, 'ssd_cin_plans' AS table_name, column_name,
       'no CIN plan date after the extract date' AS rule, 'critical' AS severity,
       CAST(dated AS VARCHAR) || ' is after the extract date ' || CAST(extract_date AS VARCHAR) AS detail,
       NULL AS kpi_id
FROM d
WHERE dated > extract_date
