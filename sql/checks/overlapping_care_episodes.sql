-- kind: row
-- severity: critical
-- Care episodes of one child must not overlap: an episode starting before an earlier episode of the same
-- child has ceased (an open episode runs on). Reported on the later episode, whenever it starts (every row of the drop).
WITH e AS (
    SELECT source_file, source_row, clae_cla_episode_id, clae_cla_episode_start_date AS start_date,
           max(coalesce(clae_cla_episode_ceased_date, DATE '9999-12-31')) OVER (
               PARTITION BY clae_person_id ORDER BY clae_cla_episode_start_date, clae_cla_episode_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
    FROM staged.ssd_cla_episodes
    WHERE drop_id = $drop_id AND clae_person_id IS NOT NULL AND clae_cla_episode_start_date IS NOT NULL
)
SELECT source_file, source_row, 'ssd_cla_episodes' AS table_name, 'clae_cla_episode_start_date' AS column_name,
       'care episodes of a child do not overlap' AS rule, 'critical' AS severity,
       'starts before an earlier episode ends (' || CAST(earlier_end AS VARCHAR) || ')' AS detail, NULL AS kpi_id
FROM e
WHERE start_date < earlier_end
