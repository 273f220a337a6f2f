-- kind: row
-- severity: critical
-- No event dated after the drop's extract date, on every dated table (review due dates are plans,
-- not events, and may lie ahead; so may a pathway plan review).
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
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_person', 'pers_death_date', pers_death_date FROM staged.ssd_person
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_address', 'addr_address_start_date', addr_address_start_date FROM staged.ssd_address
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_address', 'addr_address_end_date', addr_address_end_date FROM staged.ssd_address
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cin_plans', 'cinp_cin_plan_start_date', cinp_cin_plan_start_date FROM staged.ssd_cin_plans
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cin_plans', 'cinp_cin_plan_end_date', cinp_cin_plan_end_date FROM staged.ssd_cin_plans
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cp_reviews', 'cppr_cp_review_date', cppr_cp_review_date FROM staged.ssd_cp_reviews
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_permanence', 'perm_placement_order_date', perm_placement_order_date FROM staged.ssd_permanence
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_permanence', 'perm_placed_ffa_cp_date', perm_placed_ffa_cp_date FROM staged.ssd_permanence
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_permanence', 'perm_decision_reversed_date', perm_decision_reversed_date FROM staged.ssd_permanence
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_permanence', 'perm_permanence_order_date', perm_permanence_order_date FROM staged.ssd_permanence
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cla_health', 'clah_health_check_date', clah_health_check_date FROM staged.ssd_cla_health
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cla_immunisations', 'clai_immunisations_status_date', clai_immunisations_status_date FROM staged.ssd_cla_immunisations
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_sdq_scores', 'csdq_sdq_completed_date', csdq_sdq_completed_date FROM staged.ssd_sdq_scores
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_missing', 'miss_missing_episode_start_date', miss_missing_episode_start_date FROM staged.ssd_missing
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_missing', 'miss_missing_episode_end_date', miss_missing_episode_end_date FROM staged.ssd_missing
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_missing', 'miss_missing_rhi_date', miss_missing_rhi_date FROM staged.ssd_missing
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_cla_reviews', 'clar_cla_review_date', clar_cla_review_date FROM staged.ssd_cla_reviews
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_involvements', 'invo_involvement_start_date', invo_involvement_start_date FROM staged.ssd_involvements
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'ssd_involvements', 'invo_involvement_end_date', invo_involvement_end_date FROM staged.ssd_involvements
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'information_governance_incidents', 'detected_date', detected_date FROM staged.information_governance_incidents
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'information_governance_incidents', 'ico_report_date', ico_report_date FROM staged.information_governance_incidents
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'budget_monitoring', 'period_end', period_end FROM staged.budget_monitoring
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'workforce_establishment', 'period_end', period_end FROM staged.workforce_establishment
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'complaints', 'received_date', received_date FROM staged.complaints
    UNION ALL SELECT drop_id, extract_date, source_file, source_row, 'complaints', 'responded_date', responded_date FROM staged.complaints
)
SELECT source_file, source_row, table_name, column_name, 'no event after the extract date' AS rule,
       'critical' AS severity, CAST(d AS VARCHAR) || ' is after the extract date ' || CAST(extract_date AS VARCHAR) AS detail,
       NULL AS kpi_id
FROM ev
WHERE drop_id = $drop_id AND d > extract_date
