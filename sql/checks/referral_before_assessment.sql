-- kind: row
-- severity: critical
-- referral date <= assessment start (joined by referral id); start <= authorisation is in the GX suite.
SELECT a.source_file, a.source_row, 'ssd_cin_assessments' AS table_name, 'cina_assessment_start_date' AS column_name,
       'referral on or before assessment start' AS rule, 'critical' AS severity,
       'referral dated ' || CAST(r.cine_referral_date AS VARCHAR) AS detail, NULL AS kpi_id
FROM staged.ssd_cin_assessments a
JOIN staged.ssd_cin_episodes r ON r.cine_referral_id = a.cina_referral_id AND r.drop_id = a.drop_id
WHERE a.drop_id = $drop_id
  AND r.cine_referral_date > a.cina_assessment_start_date
