-- kind: feed
-- severity: critical
-- A local-feed percentage lies within 0-100: the value as supplied, or as computed from numerator and
-- denominator when it is blank. $percent_measures: the cards whose feed value_kind is percent.
WITH f AS (
    SELECT source_file, source_row, measure_id,
           coalesce(value, CASE WHEN denominator > 0 THEN 100.0 * numerator / denominator END) AS pct,
           value IS NULL AS computed
    FROM staged.local_feeds
    WHERE drop_id = $drop_id
      AND list_contains($percent_measures, measure_id)
)
SELECT source_file, source_row, 'local_feeds' AS table_name, 'value' AS column_name,
       'local-feed percentage within 0-100' AS rule, 'critical' AS severity,
       measure_id || ': ' || CASE WHEN computed THEN 'computed ' ELSE '' END || 'value '
           || CAST(round(pct, 2) AS VARCHAR) || ' is outside 0-100' AS detail,
       measure_id AS kpi_id
FROM f
WHERE pct < 0 OR pct > 100
