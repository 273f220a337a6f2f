-- kind: feed
-- severity: warning
-- A value within the plausible range its card gives (feed: range), as a warning: an unusual month is
-- reported for a second look, not withheld. The cards arrive as parallel bound lists ($range_measures,
-- $range_low, $range_high; a NULL bound is open). A negative value is left to the critical negative-count check.
WITH ranges AS (
    SELECT unnest($range_measures) AS measure_id, unnest($range_low) AS low, unnest($range_high) AS high
)
SELECT f.source_file, f.source_row, 'local_feeds' AS table_name, 'value' AS column_name,
       'local-feed value within the range its card expects' AS rule, 'warning' AS severity,
       f.measure_id || ': value ' || CAST(f.value AS VARCHAR) || ' is outside '
           || coalesce(CAST(r.low AS VARCHAR), '') || '-' || coalesce(CAST(r.high AS VARCHAR), '') AS detail,
       f.measure_id AS kpi_id
FROM staged.local_feeds AS f
JOIN ranges AS r ON r.measure_id = f.measure_id
WHERE f.drop_id = $drop_id
  AND (f.value < r.low OR f.value > r.high)
  AND f.value >= 0
