-- kind: delivery
-- severity: critical
-- A contract column missing from a table's own delivered file (an SSD CSV or Parquet named after the table):
-- staging fills it with NULL and records 'column missing from the file', so no expectation on the staged rows
-- can see it. Critical and about no record (row NULL), so every KPI reading the table is blocked for every
-- month of the run. A statutory return that does not carry a column (the adapter's `lacks`) is not a fault
-- of the delivery: cards declare the columns their figure depends on (`depends_on`), and such a month reads
-- "no data" instead (pipelines/lib/no_data.py).
SELECT r.source_file, NULL::BIGINT AS source_row, r.table_name, r.column_name,
       'every contract column is delivered' AS rule, 'critical' AS severity,
       'column ' || r.column_name || ' missing from ' || r.source_file AS detail, NULL AS kpi_id
FROM staged.rejections AS r
WHERE r.drop_id = $drop_id
  AND r.source_row IS NULL
  AND r.reason LIKE 'column missing from the file%'
  AND lower(r.source_file) IN (r.table_name || '.csv', r.table_name || '.parquet')
ORDER BY r.table_name, r.column_name
