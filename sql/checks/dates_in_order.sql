-- kind: row
-- severity: critical
-- Dates in order on the tables the GX suites do not pair up: missing episodes, reviews, CIN plans,
-- involvements and addresses. Every row of the drop: cohorts and look-backs read records years old, so a
-- review or missing episode out of order long ago still feeds this month's figures.
WITH periods_of_care AS (   -- a CLA review belongs to a period of care (clar_cla_id = clae_cla_id)
    SELECT clae_cla_id AS cla_id, min(clae_cla_episode_start_date) AS care_start
    FROM staged.ssd_cla_episodes
    WHERE drop_id = $drop_id AND clae_cla_id IS NOT NULL
    GROUP BY ALL
),
cp_plans AS (
    SELECT cppl_cp_plan_id AS plan_id, cppl_cp_plan_start_date AS plan_start
    FROM staged.ssd_cp_plans
    WHERE drop_id = $drop_id
),
out_of_order AS (
    SELECT source_file, source_row, 'ssd_missing' AS table_name, 'miss_missing_episode_end_date' AS column_name,
           'missing episode start on or before its end' AS rule,
           'ends ' || CAST(miss_missing_episode_end_date AS VARCHAR) || ', before it starts' AS detail
    FROM staged.ssd_missing
    WHERE drop_id = $drop_id AND miss_missing_episode_end_date < miss_missing_episode_start_date
    UNION ALL
    SELECT source_file, source_row, 'ssd_missing', 'miss_missing_rhi_date',
           'return interview on or after the missing episode start',
           'return interview ' || CAST(miss_missing_rhi_date AS VARCHAR) || ', before the episode starts'
    FROM staged.ssd_missing
    WHERE drop_id = $drop_id AND miss_missing_rhi_date < miss_missing_episode_start_date
    UNION ALL
    SELECT r.source_file, r.source_row, 'ssd_cla_reviews', 'clar_cla_review_date',
           'CLA review on or after its period of care began',
           'reviewed ' || CAST(r.clar_cla_review_date AS VARCHAR) || ', before care began ' || CAST(c.care_start AS VARCHAR)
    FROM staged.ssd_cla_reviews AS r
    JOIN periods_of_care AS c ON c.cla_id = r.clar_cla_id
    WHERE r.drop_id = $drop_id AND r.clar_cla_review_date < c.care_start
    UNION ALL
    SELECT r.source_file, r.source_row, 'ssd_cp_reviews', 'cppr_cp_review_date',
           'CP review on or after its plan began',
           'reviewed ' || CAST(r.cppr_cp_review_date AS VARCHAR) || ', before the plan began ' || CAST(p.plan_start AS VARCHAR)
    FROM staged.ssd_cp_reviews AS r
    JOIN cp_plans AS p ON p.plan_id = r.cppr_cp_plan_id
    WHERE r.drop_id = $drop_id AND r.cppr_cp_review_date < p.plan_start
    UNION ALL
    SELECT source_file, source_row, 'ssd_cin_plans', 'cinp_cin_plan_end_date', 'CIN plan start on or before end',
           'ends ' || CAST(cinp_cin_plan_end_date AS VARCHAR) || ', before it starts'
    FROM staged.ssd_cin_plans
    WHERE drop_id = $drop_id AND cinp_cin_plan_end_date < cinp_cin_plan_start_date
    UNION ALL
    SELECT source_file, source_row, 'ssd_involvements', 'invo_involvement_end_date',
           'involvement start on or before end', 'ends ' || CAST(invo_involvement_end_date AS VARCHAR) || ', before it starts'
    FROM staged.ssd_involvements
    WHERE drop_id = $drop_id AND invo_involvement_end_date < invo_involvement_start_date
    UNION ALL
    SELECT source_file, source_row, 'ssd_address', 'addr_address_end_date', 'address start on or before end',
           'ends ' || CAST(addr_address_end_date AS VARCHAR) || ', before it starts'
    FROM staged.ssd_address
    WHERE drop_id = $drop_id AND addr_address_end_date < addr_address_start_date
)
SELECT source_file, source_row, table_name, column_name, rule, 'critical' AS severity, detail, NULL AS kpi_id
FROM out_of_order
