-- The contract tables a drop delivered as their own file (CSV or Parquet named after the table, even with a
-- header only), and those whose file was refused whole (a file-level rejection: no column, no row).
-- $drop_id; $contract_tables: the contract's table names.
WITH files AS (
    SELECT unnest(json_extract_string(manifest_json, '$[*].name')) AS file_name
    FROM staged.drops WHERE drop_id = $drop_id
)
SELECT lower(regexp_replace(file_name, '\.(csv|parquet)$', '', 'i')) AS table_name, file_name,
       (SELECT any_value(r.reason) FROM staged.rejections AS r
        WHERE r.drop_id = $drop_id AND r.table_name = lower(regexp_replace(file_name, '\.(csv|parquet)$', '', 'i'))
          AND r.column_name IS NULL AND r.source_row IS NULL) AS refused_reason
FROM files
WHERE regexp_matches(file_name, '\.(csv|parquet)$', 'i')
  AND list_contains($contract_tables, lower(regexp_replace(file_name, '\.(csv|parquet)$', '', 'i')))
