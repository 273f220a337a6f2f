-- kind: row
-- severity: critical
-- S47 enquiry start <= initial child protection conference (joined by S47 enquiry id).
SELECT c.source_file, c.source_row, 'ssd_initial_cp_conference' AS table_name, 'icpc_icpc_date' AS column_name,
       'S47 start on or before ICPC' AS rule, 'critical' AS severity,
       'S47 started ' || CAST(s.s47e_s47_start_date AS VARCHAR) AS detail, NULL AS kpi_id
FROM staged.ssd_initial_cp_conference c
JOIN staged.ssd_s47_enquiry s ON s.s47e_s47_enquiry_id = c.icpc_s47_enquiry_id AND s.drop_id = c.drop_id
WHERE c.drop_id = $drop_id
  AND s.s47e_s47_start_date > c.icpc_icpc_date
