-- kind: delivery
-- severity: critical
-- A table delivered as its own file in the previous drop and absent from this one (a stray folder holding one
-- CSV, a partial extract): the KPIs reading it would be computed from nothing. Critical and about no record
-- (file and row NULL), so every KPI reading the table is blocked for every month of the run. Only a table's
-- own SSD file counts: the statutory returns are annual, so a table a March return filled is not expected in
-- April's drop. $contract_tables: the contract's table names.
WITH files AS (
    SELECT d.drop_id, d.extract_date, d.revision,
           lower(regexp_replace(unnest(json_extract_string(d.manifest_json, '$[*].name')),
                                '\.(csv|parquet)$', '', 'i')) AS stem,
           unnest(json_extract_string(d.manifest_json, '$[*].name')) AS file_name
    FROM staged.drops AS d
),
tables_by_drop AS (
    SELECT drop_id, extract_date, revision, stem AS table_name, file_name
    FROM files
    WHERE list_contains($contract_tables, stem)
      AND regexp_matches(file_name, '\.(csv|parquet)$', 'i')
),
cur AS (SELECT drop_id, extract_date, revision FROM staged.drops WHERE drop_id = $drop_id),
prev AS (
    SELECT d.drop_id, d.extract_date, d.revision FROM staged.drops AS d, cur
    WHERE (d.extract_date, d.revision) < (cur.extract_date, cur.revision)
      AND d.drop_id NOT IN (SELECT drop_id FROM staged.withdrawn_drops)  -- a withdrawn drop is nobody's previous
    ORDER BY d.extract_date DESC, d.revision DESC
    LIMIT 1
)
SELECT NULL AS source_file, NULL::BIGINT AS source_row, p.table_name, NULL AS column_name,
       'table delivered in the previous drop is delivered again' AS rule, 'critical' AS severity,
       p.file_name || ' was in drop ' || prev.drop_id || ' and is not in this drop' AS detail, NULL AS kpi_id
FROM tables_by_drop AS p
JOIN prev USING (drop_id)
WHERE p.table_name NOT IN (SELECT t.table_name FROM tables_by_drop AS t JOIN cur USING (drop_id))
ORDER BY p.table_name
