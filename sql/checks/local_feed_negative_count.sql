-- kind: feed
-- severity: critical
-- Counts are never negative: a count measure's value ($count_measures: the cards whose feed value_kind is
-- count), and every numerator and denominator (they are counts of children, schools or providers).
WITH f AS (
    SELECT * FROM staged.local_feeds
    WHERE drop_id = $drop_id
),
counts AS (
    SELECT source_file, source_row, measure_id, 'value' AS column_name, value AS n FROM f
    WHERE list_contains($count_measures, measure_id)
    UNION ALL SELECT source_file, source_row, measure_id, 'numerator', numerator FROM f
    UNION ALL SELECT source_file, source_row, measure_id, 'denominator', denominator FROM f
)
SELECT source_file, source_row, 'local_feeds' AS table_name, column_name,
       'local-feed counts not negative' AS rule, 'critical' AS severity,
       measure_id || ': ' || column_name || ' ' || CAST(n AS VARCHAR) || ' is negative' AS detail,
       CASE WHEN list_contains($feed_measures, measure_id) THEN measure_id END AS kpi_id
FROM counts
WHERE n < 0
