-- kind: row
-- severity: warning
-- Date of birth <= every event of the child (every row of the drop) (warning: pre-birth contacts, referrals and
-- CP plans for unborn children are legitimate, and then usually carry no DOB yet).
WITH ev AS (
    SELECT drop_id, source_file, source_row, 'ssd_contacts' AS table_name, 'cont_contact_date' AS column_name,
           cont_person_id AS person_id, cont_contact_date AS event_date FROM staged.ssd_contacts
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_cin_episodes', 'cine_referral_date', cine_person_id, cine_referral_date FROM staged.ssd_cin_episodes
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_cin_assessments', 'cina_assessment_start_date', cina_person_id, cina_assessment_start_date FROM staged.ssd_cin_assessments
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_s47_enquiry', 's47e_s47_start_date', s47e_person_id, s47e_s47_start_date FROM staged.ssd_s47_enquiry
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_initial_cp_conference', 'icpc_icpc_date', icpc_person_id, icpc_icpc_date FROM staged.ssd_initial_cp_conference
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_cp_plans', 'cppl_cp_plan_start_date', cppl_person_id, cppl_cp_plan_start_date FROM staged.ssd_cp_plans
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_cla_episodes', 'clae_cla_episode_start_date', clae_person_id, clae_cla_episode_start_date FROM staged.ssd_cla_episodes
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_legal_status', 'lega_legal_status_start_date', lega_person_id, lega_legal_status_start_date FROM staged.ssd_legal_status
    UNION ALL SELECT drop_id, source_file, source_row, 'ssd_cla_placement', 'clap_cla_placement_start_date', clap_person_id, clap_cla_placement_start_date FROM staged.ssd_cla_placement
)
SELECT ev.source_file, ev.source_row, ev.table_name, ev.column_name,
       'date of birth on or before every event' AS rule, 'warning' AS severity,
       'event before the date of birth' AS detail, NULL AS kpi_id
FROM ev
JOIN staged.ssd_person p ON p.pers_person_id = ev.person_id AND p.drop_id = ev.drop_id
WHERE ev.drop_id = $drop_id
  AND p.pers_dob > ev.event_date
