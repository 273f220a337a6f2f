-- kind: setup
-- Run by sql_checks._fill_counts (not a check): a table's row count in a drop is compared only when the drop
-- delivered it. Rows staged name their file; a header-only file (0 rows) is named from the drop's manifest;
-- a table the drop did not deliver at all is dropped from the comparison.
UPDATE quality_counts AS q SET source_file = f.file_name
FROM (
    SELECT d.drop_id, unnest(json_extract_string(d.manifest_json, '$[*].name')) AS file_name
    FROM staged.drops AS d
) AS f
WHERE q.source_file IS NULL AND f.drop_id = q.drop_id
  AND regexp_matches(f.file_name, '\.(csv|parquet)$', 'i')
  AND lower(regexp_replace(f.file_name, '\.(csv|parquet)$', '', 'i')) = q.table_name;
DELETE FROM quality_counts WHERE source_file IS NULL;
