-- DfE rules: 903/388, 903/431, 903/432, 903/433, 903/357
-- kind: row
-- severity: critical, warning
-- Episode boundaries agree with their reasons. The engine (sql/models/20_looked_after.sql) joins episodes into
-- a period of care by dates: an episode starting the day the previous one ceased with X1 (or no reason)
-- continues it; anything else starts a new period, and a period's last episode ceasing with a reason other
-- than X1 is leaving care. Critical where the reasons say otherwise, because the period of care (KPI07's
-- "looked after continuously"), leaving care (KPI21) and placement moves (KPI08) then rest on a contradiction:
--   388: ceased X1 (new episode begins) but no episode starts that day: the child's leaving care is lost;
--   431: reason new episode S (started to be looked after) although the previous episode ceased that day X1;
--   432: the previous episode ended care (a reason other than X1) but this one is not S;
--   433: a continuation reason (not S) but no earlier episode ceased on this episode's start date.
-- Warning: 357, the child's first episode in the extract is not S (the extract may start mid-care).
-- Dated by the episode's start (388: by its ceased date).
WITH e AS (
    SELECT source_file, source_row, clae_person_id AS person_id, clae_cla_episode_start_date AS start_date,
           clae_cla_episode_start_reason AS start_reason, clae_cla_episode_ceased_date AS ceased_date,
           clae_cla_episode_ceased_reason AS ceased_reason,
           lag(clae_cla_episode_ceased_date) OVER w AS prev_ceased,
           lag(clae_cla_episode_ceased_reason) OVER w AS prev_reason,
           lead(clae_cla_episode_start_date) OVER w AS next_start,
           row_number() OVER w AS seq
    FROM staged.ssd_cla_episodes
    WHERE drop_id = $drop_id AND clae_person_id IS NOT NULL AND clae_cla_episode_start_date IS NOT NULL
    WINDOW w AS (PARTITION BY clae_person_id ORDER BY clae_cla_episode_start_date, clae_cla_episode_id)
),
found AS (
    SELECT source_file, source_row, 'clae_cla_episode_ceased_reason' AS column_name, ceased_date AS dated,
           'critical' AS severity, 'ceased X1 but no episode starts on ' || CAST(ceased_date AS VARCHAR) AS detail
    FROM e WHERE ceased_reason = 'X1' AND ceased_date IS NOT NULL AND next_start IS DISTINCT FROM ceased_date
    UNION ALL
    SELECT source_file, source_row, 'clae_cla_episode_start_reason', start_date, 'critical',
           'reason S but the previous episode ceased X1 the same day'
    FROM e WHERE start_reason = 'S' AND prev_ceased = start_date AND coalesce(prev_reason, 'X1') = 'X1'
    UNION ALL
    SELECT source_file, source_row, 'clae_cla_episode_start_reason', start_date, 'critical',
           'reason ' || start_reason || ' but the previous episode ended care (' || prev_reason || ')'
    FROM e WHERE seq > 1 AND start_reason <> 'S' AND prev_reason IS NOT NULL AND prev_reason <> 'X1'
    UNION ALL
    SELECT source_file, source_row, 'clae_cla_episode_start_reason', start_date, 'critical',
           'reason ' || start_reason || ' continues care but no episode ceased on ' || CAST(start_date AS VARCHAR)
    FROM e WHERE seq > 1 AND start_reason <> 'S' AND prev_ceased IS NOT NULL AND prev_ceased <> start_date
                 AND coalesce(prev_reason, 'X1') = 'X1'  -- an open previous episode is an overlap (its own check)
    UNION ALL
    SELECT source_file, source_row, 'clae_cla_episode_start_reason', start_date, 'warning',
           'first episode of the child in the extract has reason ' || start_reason || ', not S'
    FROM e WHERE seq = 1 AND start_reason <> 'S'
)
SELECT source_file, source_row, 'ssd_cla_episodes' AS table_name, column_name,
       CASE WHEN severity = 'critical' THEN 'episode boundaries agree with reason new episode and X1'
            ELSE 'first episode starts care (reason S)' END AS rule,
       severity, detail, NULL AS kpi_id
FROM found
