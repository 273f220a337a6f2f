-- DfE rules: 903/148
-- kind: row
-- severity: critical
-- Date episode ceased (DEC) and reason episode ceased (REC) are both recorded or both blank. Critical: a DEC
-- without a REC leaves care with no reason (KPI21 cannot place the leaver, X1 continuations look like leaving
-- care), and a REC without a DEC keeps a child looked after who has left (KPI07, KPI08, KPI12 snapshots).
-- Dated by the ceased date, else by the start date.
SELECT source_file, source_row, 'ssd_cla_episodes' AS table_name,
       CASE WHEN clae_cla_episode_ceased_date IS NULL THEN 'clae_cla_episode_ceased_date'
            ELSE 'clae_cla_episode_ceased_reason' END AS column_name,
       'date and reason episode ceased both recorded or both blank' AS rule, 'critical' AS severity,
       CASE WHEN clae_cla_episode_ceased_date IS NULL
            THEN 'reason ' || clae_cla_episode_ceased_reason || ' but no ceased date'
            ELSE 'ceased ' || CAST(clae_cla_episode_ceased_date AS VARCHAR) || ' but no reason' END AS detail,
       NULL AS kpi_id
FROM staged.ssd_cla_episodes
WHERE drop_id = $drop_id
  AND coalesce(clae_cla_episode_ceased_date, clae_cla_episode_start_date) IS NOT NULL
  AND (clae_cla_episode_ceased_date IS NULL) <> (clae_cla_episode_ceased_reason IS NULL)
