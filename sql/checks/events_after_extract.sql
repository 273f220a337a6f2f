-- No event dated after the drop's extract date (whole drop: such rows fall in no past month's slice).
WITH ev AS (
    SELECT drop_id, extract_date, source_file, source_row, 'ssd_contacts' AS table_name, 'cont_contact_date' AS column_name, cont_contact_date AS d FROM staged.ssd_contacts
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_contacts', 'cont_contact_decision_date', cont_contact_decision_date FROM staged.ssd_contacts
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cin_episodes', 'cine_referral_date', cine_referral_date FROM staged.ssd_cin_episodes
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cin_episodes', 'cine_close_date', cine_close_date FROM staged.ssd_cin_episodes
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cin_assessments', 'cina_assessment_start_date', cina_assessment_start_date FROM staged.ssd_cin_assessments
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cin_assessments', 'cina_assessment_auth_date', cina_assessment_auth_date FROM staged.ssd_cin_assessments
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_s47_enquiry', 's47e_s47_start_date', s47e_s47_start_date FROM staged.ssd_s47_enquiry
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_s47_enquiry', 's47e_s47_end_date', s47e_s47_end_date FROM staged.ssd_s47_enquiry
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_initial_cp_conference', 'icpc_icpc_date', icpc_icpc_date FROM staged.ssd_initial_cp_conference
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cp_plans', 'cppl_cp_plan_start_date', cppl_cp_plan_start_date FROM staged.ssd_cp_plans
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cp_plans', 'cppl_cp_plan_end_date', cppl_cp_plan_end_date FROM staged.ssd_cp_plans
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cla_episodes', 'clae_cla_episode_start_date', clae_cla_episode_start_date FROM staged.ssd_cla_episodes
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cla_episodes', 'clae_cla_episode_ceased_date', clae_cla_episode_ceased_date FROM staged.ssd_cla_episodes
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_legal_status', 'lega_legal_status_start_date', lega_legal_status_start_date FROM staged.ssd_legal_status
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_legal_status', 'lega_legal_status_end_date', lega_legal_status_end_date FROM staged.ssd_legal_status
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cla_placement', 'clap_cla_placement_start_date', clap_cla_placement_start_date FROM staged.ssd_cla_placement
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cla_placement', 'clap_cla_placement_end_date', clap_cla_placement_end_date FROM staged.ssd_cla_placement
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_permanence', 'perm_adm_decision_date', perm_adm_decision_date FROM staged.ssd_permanence
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_permanence', 'perm_matched_date', perm_matched_date FROM staged.ssd_permanence
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_permanence', 'perm_placed_for_adoption_date', perm_placed_for_adoption_date FROM staged.ssd_permanence
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_care_leavers', 'clea_care_leaver_latest_contact', clea_care_leaver_latest_contact FROM staged.ssd_care_leavers
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'complaints', 'received_date', received_date FROM staged.complaints
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'complaints', 'responded_date', responded_date FROM staged.complaints
)
SELECT source_file, source_row, table_name, column_name, 'no event after the extract date' AS rule,
       'critical' AS severity, CAST(d AS VARCHAR) || ' is after the extract date ' || CAST(extract_date AS VARCHAR) AS detail,
       NULL AS kpi_id
FROM ev
WHERE drop_id = $drop_id AND d > extract_date
