-- DfE rules: 903/358
-- kind: row
-- severity: warning
-- Youth-justice legal statuses (J1 remand, J2 detention under PACE, J3 a youth rehabilitation order with a
-- residence or fostering requirement) cannot start before the 10th birthday, the age of criminal
-- responsibility. Warning: no figure reads a J status; the fault points at a wrong date of birth or code, which the age-bound checks that do move
-- a figure (ceased_reason_for_age, looked_after_after_18th_birthday) catch where it matters.
SELECT l.source_file, l.source_row, 'ssd_legal_status' AS table_name, 'lega_legal_status' AS column_name,
       'youth-justice legal status not before the 10th birthday' AS rule, 'warning' AS severity,
       l.lega_legal_status || ' starts before the 10th birthday' AS detail, NULL AS kpi_id
FROM staged.ssd_legal_status AS l
JOIN staged.ssd_person AS p ON p.pers_person_id = l.lega_person_id AND p.drop_id = l.drop_id
WHERE l.drop_id = $drop_id
  AND l.lega_legal_status_start_date IS NOT NULL
  AND l.lega_legal_status IN ('J1', 'J2', 'J3')
  AND l.lega_legal_status_start_date < p.pers_dob + INTERVAL 10 YEAR
