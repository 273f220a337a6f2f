-- DfE rules: 903/1006, 903/565, 903/566
-- kind: row
-- severity: critical
-- A missing incident says whether the child was missing or away without authorisation: MISSING or ABSENT (the
-- 903's M / A, which the return adapter maps). Critical: CDS_KS12 counts only the types its card names, so a
-- blank or unknown type silently drops the incident from the measure. Dated by the incident's start.
SELECT source_file, source_row, 'ssd_missing' AS table_name, 'miss_missing_episode_type' AS column_name,
       'missing incident type is MISSING or ABSENT' AS rule, 'critical' AS severity,
       CASE WHEN miss_missing_episode_type IS NULL THEN 'no type'
            ELSE '''' || miss_missing_episode_type || ''' is not a type' END AS detail,
       NULL AS kpi_id
FROM staged.ssd_missing
WHERE drop_id = $drop_id
  AND miss_missing_episode_start_date IS NOT NULL
  AND coalesce(upper(trim(miss_missing_episode_type)), '') NOT IN ('MISSING', 'ABSENT')
