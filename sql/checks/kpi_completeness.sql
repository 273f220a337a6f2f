-- kind: kpi_values
-- severity: critical
-- Every KPI present for every area at every month end in the period (quality_kpi_ids is filled by
-- sql_checks.py from the KPI cards; areas are the trust ('all') and every owning council in area_lookup,
-- (quality_areas, filled by sql_checks.py), the rows the engine always writes; 'other'/'unknown' appear only where records have them).
-- A KPI whose card says council_rows: placed (quality_kpi_ids.councils false) is expected for the trust only.
WITH months AS (
    SELECT DISTINCT period_end FROM kpi_values WHERE period_end BETWEEN $period_start AND $period_end
),
areas AS (
    SELECT m.period_end, a.area
    FROM months AS m
    CROSS JOIN (SELECT 'all' AS area UNION SELECT area FROM quality_areas) AS a
),
expected AS (SELECT k.kpi_id, a.period_end, a.area FROM quality_kpi_ids k CROSS JOIN areas a
             WHERE k.councils OR a.area = 'all')
SELECT 'kpi_values' AS source_file, NULL::BIGINT AS source_row, 'kpi_values' AS table_name, 'kpi_id' AS column_name,
       'every KPI present for every area each month' AS rule, 'critical' AS severity,
       e.kpi_id || ' missing for ' || CAST(e.period_end AS VARCHAR) || ' area ' || e.area AS detail, e.kpi_id
FROM expected e
WHERE NOT EXISTS (SELECT 1 FROM kpi_values v WHERE v.kpi_id = e.kpi_id AND v.period_end = e.period_end
                  AND v.area = e.area AND v.team IS NULL)
