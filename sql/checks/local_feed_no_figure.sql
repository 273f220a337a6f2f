-- kind: feed
-- severity: warning
-- A row gives a figure: a value, or (for a percentage) a numerator and a denominator. Warning: the period
-- then shows no value for the measure, which the pack says; a cell rejected at staging (e.g. '12%') is
-- recorded in rejections.csv too.
SELECT source_file, source_row, 'local_feeds' AS table_name, 'value' AS column_name,
       'local-feed row gives a value (or a numerator and denominator)' AS rule, 'warning' AS severity,
       measure_id || ': no value' || CASE WHEN list_contains($percent_measures, measure_id)
                                          THEN ', and no numerator and denominator to compute it from' ELSE '' END
           AS detail,
       measure_id AS kpi_id
FROM staged.local_feeds
WHERE drop_id = $drop_id
  AND list_contains($feed_measures, measure_id)
  AND value IS NULL
  AND NOT (list_contains($percent_measures, measure_id) AND numerator IS NOT NULL AND denominator IS NOT NULL)
