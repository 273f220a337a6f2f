-- kind: row
-- severity: critical
-- Reason episode ceased valid for the collection year of the ceased date (data/reference/code_sets.csv,
-- loaded as quality_code_sets): e.g. E43/E44 end with 2019/20, E45-E48 begin in 2020/21. Collection year
-- = the financial year's end year (2020 = 2019/20).
WITH episodes AS (
    SELECT e.source_file, e.source_row, e.clae_cla_episode_ceased_reason AS code,
           e.clae_cla_episode_ceased_date AS ceased,
           CASE WHEN month(e.clae_cla_episode_ceased_date) >= 4 THEN year(e.clae_cla_episode_ceased_date) + 1
                ELSE year(e.clae_cla_episode_ceased_date) END AS collection_year
    FROM staged.ssd_cla_episodes e
    WHERE e.drop_id = $drop_id
      AND e.clae_cla_episode_ceased_date IS NOT NULL
      AND e.clae_cla_episode_ceased_reason IS NOT NULL
)
SELECT ep.source_file, ep.source_row, 'ssd_cla_episodes' AS table_name,
       'clae_cla_episode_ceased_reason' AS column_name,
       'reason episode ceased valid for the collection year' AS rule, 'critical' AS severity,
       ep.code || ' is not a ' || CAST(ep.collection_year - 1 AS VARCHAR) || '/' ||
       right(CAST(ep.collection_year AS VARCHAR), 2) || ' REC code' AS detail, NULL AS kpi_id
FROM episodes ep
WHERE NOT EXISTS (
    SELECT 1 FROM quality_code_sets c
    WHERE c.code_set = 'REC' AND c.code = ep.code
      AND (c.first_year IS NULL OR ep.collection_year >= c.first_year)
      AND (c.last_year IS NULL OR ep.collection_year <= c.last_year))
