-- Every KPI present for every area at every month end in the period (quality_kpi_ids is filled by
-- sql_checks.py from the KPI cards; areas are those any KPI reports for the month, plus 'all').
WITH months AS (
    SELECT DISTINCT period_end FROM kpi_values WHERE period_end BETWEEN $period_start AND $period_end
),
areas AS (
    SELECT DISTINCT period_end, area FROM kpi_values WHERE period_end BETWEEN $period_start AND $period_end AND team IS NULL
    UNION SELECT period_end, 'all' FROM months
),
expected AS (SELECT k.kpi_id, a.period_end, a.area FROM quality_kpi_ids k CROSS JOIN areas a)
SELECT 'kpi_values' AS source_file, NULL::BIGINT AS source_row, 'kpi_values' AS table_name, 'kpi_id' AS column_name,
       'every KPI present for every area each month' AS rule, 'critical' AS severity,
       e.kpi_id || ' missing for ' || CAST(e.period_end AS VARCHAR) || ' area ' || e.area AS detail, e.kpi_id
FROM expected e
WHERE NOT EXISTS (SELECT 1 FROM kpi_values v WHERE v.kpi_id = e.kpi_id AND v.period_end = e.period_end
                  AND v.area = e.area AND v.team IS NULL)
