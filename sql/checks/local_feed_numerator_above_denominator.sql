-- kind: feed
-- severity: critical
-- A local-feed numerator cannot exceed its denominator (the numerator is a part of the denominator).
SELECT f.source_file, f.source_row, 'local_feeds' AS table_name, 'numerator' AS column_name,
       'local-feed numerator not above denominator' AS rule, 'critical' AS severity,
       f.measure_id || ': numerator ' || CAST(f.numerator AS VARCHAR) || ' is above denominator '
           || CAST(f.denominator AS VARCHAR) AS detail,
       CASE WHEN list_contains($feed_measures, f.measure_id) THEN f.measure_id END AS kpi_id
FROM staged.local_feeds AS f
WHERE f.drop_id = $drop_id
  AND f.numerator > f.denominator
