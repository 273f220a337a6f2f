-- kind: feed
-- severity: critical
-- A local-feed row's measure_id must be a measure card with a feed: block ($feed_measures: the ids, bound
-- from the cards by sql_checks.py). Every row of the drop.
SELECT f.source_file, f.source_row, 'local_feeds' AS table_name, 'measure_id' AS column_name,
       'measure_id is a local-feed measure' AS rule, 'critical' AS severity,
       f.measure_id || ' is not a measure a local feed can carry (see data/templates/local_feeds/)' AS detail,
       NULL AS kpi_id
FROM staged.local_feeds AS f
WHERE f.drop_id = $drop_id
  AND f.measure_id IS NOT NULL
  AND NOT list_contains($feed_measures, f.measure_id)
