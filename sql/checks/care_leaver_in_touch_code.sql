-- DfE rules: 903/131
-- kind: row
-- severity: critical
-- A care leaver's in-touch code is one of the 903's: YES, NO, DIED, REFU, NREQ, RHOM. Critical: KPI09 and KPI10
-- take young people who died or returned home (DIED, RHOM) out of the cohort and keep every other code in it,
-- so an unknown code (a misspelt DIED, a local 'Y') silently keeps or moves a young person. A blank code is
-- missing data (kept in the cohort, as the DfE counts not-known) and is not reported here. Dated by the latest
-- contact; undated records are checked every month.
SELECT source_file, source_row, 'ssd_care_leavers' AS table_name, 'clea_care_leaver_in_touch' AS column_name,
       'care leaver in-touch code is a 903 code' AS rule, 'critical' AS severity,
       '''' || clea_care_leaver_in_touch || ''' is not an in-touch code' AS detail, NULL AS kpi_id
FROM staged.ssd_care_leavers
WHERE drop_id = $drop_id
  AND clea_care_leaver_in_touch IS NOT NULL
  AND upper(trim(clea_care_leaver_in_touch)) NOT IN ('YES', 'NO', 'DIED', 'REFU', 'NREQ', 'RHOM')
