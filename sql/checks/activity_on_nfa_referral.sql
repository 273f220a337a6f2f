-- DfE rules: CIN/8831, CIN/4000, CIN/8832
-- kind: row
-- severity: critical
-- A referral marked no further action (cine_referral_nfa) has no assessment, S47 enquiry, conference, CIN plan
-- or CP plan (8831 assessments / S47 / ICPC, 4000 CIN plans, 8832 CP plans). Critical, reported on the
-- activity's own row so that exactly the KPIs reading that table are held: the activity is counted (KPI03 and
-- KPI04 assessments, KPI05 conferences, KPI06 plans) while the referral says none happened, so one of the two
-- is wrong and the figure with it. Dated by the activity.
WITH nfa AS (
    SELECT cine_referral_id FROM staged.ssd_cin_episodes WHERE drop_id = $drop_id AND cine_referral_nfa
),
activity AS (
    SELECT source_file, source_row, 'ssd_cin_assessments' AS table_name, 'cina_referral_id' AS column_name,
           'an assessment' AS what, cina_referral_id AS referral_id, cina_assessment_start_date AS dated
    FROM staged.ssd_cin_assessments WHERE drop_id = $drop_id
    UNION ALL SELECT source_file, source_row, 'ssd_s47_enquiry', 's47e_referral_id', 'an S47 enquiry',
           s47e_referral_id, s47e_s47_start_date FROM staged.ssd_s47_enquiry WHERE drop_id = $drop_id
    UNION ALL SELECT source_file, source_row, 'ssd_initial_cp_conference', 'icpc_referral_id', 'a conference',
           icpc_referral_id, icpc_icpc_date FROM staged.ssd_initial_cp_conference WHERE drop_id = $drop_id
    UNION ALL SELECT source_file, source_row, 'ssd_cin_plans', 'cinp_referral_id', 'a CIN plan',
           cinp_referral_id, cinp_cin_plan_start_date FROM staged.ssd_cin_plans WHERE drop_id = $drop_id
    UNION ALL SELECT source_file, source_row, 'ssd_cp_plans', 'cppl_referral_id', 'a CP plan',
           cppl_referral_id, cppl_cp_plan_start_date FROM staged.ssd_cp_plans WHERE drop_id = $drop_id
)
SELECT a.source_file, a.source_row, a.table_name, a.column_name,
       'no activity on a no-further-action referral' AS rule, 'critical' AS severity,
       a.what || ' on a referral marked no further action' AS detail, NULL AS kpi_id
FROM activity AS a
JOIN nfa ON nfa.cine_referral_id = a.referral_id
