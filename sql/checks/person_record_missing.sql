-- DfE rules: 903/INT01, 903/INT02, 903/INT03, 903/INT04, 903/INT05, 903/INT06
-- kind: row
-- severity: warning
-- Every child in the looked-after tables has a person record (ssd_person). Warning: without it the child has no
-- date of birth and no home council, so age-bound cohorts (KPI07 under 16, KPI09/KPI10 17th-21st birthdays,
-- the OC2 age bands) leave the child out and areas show 'unknown' - the same effect as a missing date of birth,
-- which is a warning (README "Data quality"). Dated by the record's own main date (undated rows always).
WITH rows AS (
    SELECT drop_id, source_file, source_row, 'ssd_cla_episodes' AS table_name, 'clae_person_id' AS column_name,
           clae_person_id AS person_id, clae_cla_episode_start_date AS dated FROM staged.ssd_cla_episodes
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_care_leavers', 'clea_person_id', clea_person_id,
           clea_care_leaver_latest_contact FROM staged.ssd_care_leavers
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_permanence', 'perm_person_id', perm_person_id,
           perm_adm_decision_date FROM staged.ssd_permanence
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_missing', 'miss_person_id', miss_person_id,
           miss_missing_episode_start_date FROM staged.ssd_missing
    UNION ALL SELECT drop_id, source_file, source_row, 'cla_oc2_outcomes', 'oc2_person_id', oc2_person_id,
           oc2_year_ending FROM staged.cla_oc2_outcomes
)
SELECT r.source_file, r.source_row, r.table_name, r.column_name,
       'child has a person record' AS rule, 'warning' AS severity,
       'no ssd_person row for this child' AS detail, NULL AS kpi_id
FROM rows AS r
WHERE r.drop_id = $drop_id
  AND r.person_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM staged.ssd_person AS p
                  WHERE p.drop_id = r.drop_id AND p.pers_person_id = r.person_id)
