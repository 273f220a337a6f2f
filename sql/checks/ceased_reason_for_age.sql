-- DfE rules: 903/386, 903/407
-- kind: row
-- severity: critical
-- Adoption (E11, E12) and special guardianship (E43-E48) end care only before the 18th birthday. Critical:
-- KPI21 counts these reasons as permanence, so a wrong reason or a wrong date of birth changes its numerator.
-- Other age-bound reasons (E5/E6 under 14, E7 under 16, E17 under 18: DfE 387, 389, 460) only change why a
-- child left, not whether: no figure moves, so they are not checked here (data/reference/dfe_rules.csv).
SELECT e.source_file, e.source_row, 'ssd_cla_episodes' AS table_name, 'clae_cla_episode_ceased_reason' AS column_name,
       'adoption or special guardianship ends care before the 18th birthday' AS rule, 'critical' AS severity,
       e.clae_cla_episode_ceased_reason || ' on or after the 18th birthday' AS detail, NULL AS kpi_id
FROM staged.ssd_cla_episodes AS e
JOIN staged.ssd_person AS p ON p.pers_person_id = e.clae_person_id AND p.drop_id = e.drop_id
WHERE e.drop_id = $drop_id
  AND e.clae_cla_episode_ceased_date IS NOT NULL
  AND e.clae_cla_episode_ceased_reason IN ('E11', 'E12', 'E43', 'E44', 'E45', 'E46', 'E47', 'E48')
  AND e.clae_cla_episode_ceased_date >= p.pers_dob + INTERVAL 18 YEAR
