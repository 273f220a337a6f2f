-- DfE rules: 903/352, 903/359, 903/437
-- kind: row
-- severity: critical
-- Care ends at 18: no care episode runs past the 18th birthday (one that ends on the birthday is normal) or
-- starts after it, unless the child is accommodated under section 20(5) (legal status V2 in force). Critical:
-- such a child is counted as looked after in every snapshot (KPI07, KPI08, KPI12 denominators) and leaves care
-- late or never (KPI21). Dated by the later of the episode start and the 18th birthday.
WITH e AS (
    SELECT e.source_file, e.source_row, e.clae_person_id AS person_id, e.clae_cla_episode_start_date AS start_date,
           e.clae_cla_episode_ceased_date AS ceased_date, p.pers_dob + INTERVAL 18 YEAR AS birthday_18,
           greatest(e.clae_cla_episode_start_date, CAST(p.pers_dob + INTERVAL 18 YEAR AS DATE)) AS from_date
    FROM staged.ssd_cla_episodes AS e
    JOIN staged.ssd_person AS p ON p.pers_person_id = e.clae_person_id AND p.drop_id = e.drop_id
    WHERE e.drop_id = $drop_id AND p.pers_dob IS NOT NULL AND e.clae_cla_episode_start_date IS NOT NULL
)
SELECT e.source_file, e.source_row, 'ssd_cla_episodes' AS table_name, 'clae_cla_episode_start_date' AS column_name,
       'looked after only until the 18th birthday (unless V2)' AS rule, 'critical' AS severity,
       CASE WHEN e.start_date >= e.birthday_18 THEN 'episode starts on or after the 18th birthday'
            ELSE 'episode open after the 18th birthday' END AS detail, NULL AS kpi_id
FROM e
WHERE coalesce(e.ceased_date, DATE '9999-12-31') > e.birthday_18
  -- the child has turned 18 (or the episode began after) by the extract date: not a birthday still to come
  AND e.from_date <= (SELECT extract_date FROM staged.drops WHERE drop_id = $drop_id)
  AND NOT EXISTS (
      SELECT 1 FROM staged.ssd_legal_status AS l
      WHERE l.drop_id = $drop_id AND l.lega_person_id = e.person_id AND l.lega_legal_status = 'V2'
        AND l.lega_legal_status_start_date <= e.from_date
        AND coalesce(l.lega_legal_status_end_date, DATE '9999-12-31') >= e.from_date)
