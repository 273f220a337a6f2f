-- kind: feed
-- severity: critical
-- A percentage supplied with value, numerator and denominator: the value must be 100 * numerator / denominator
-- within 0.1 points (rounding to one decimal place is fine; the small epsilon keeps exactly 0.1 inside).
-- $percent_measures: the cards whose feed value_kind is percent.
SELECT f.source_file, f.source_row, 'local_feeds' AS table_name, 'value' AS column_name,
       'local-feed percentage agrees with its numerator and denominator' AS rule, 'critical' AS severity,
       f.measure_id || ': value ' || CAST(f.value AS VARCHAR) || ' but 100 * ' || CAST(f.numerator AS VARCHAR)
           || ' / ' || CAST(f.denominator AS VARCHAR) || ' = '
           || CAST(round(100.0 * f.numerator / f.denominator, 2) AS VARCHAR) AS detail,
       f.measure_id AS kpi_id
FROM staged.local_feeds AS f
WHERE f.drop_id = $drop_id
  AND list_contains($percent_measures, f.measure_id)
  AND f.value IS NOT NULL AND f.numerator IS NOT NULL AND f.denominator > 0
  AND abs(f.value - 100.0 * f.numerator / f.denominator) > 0.1 + 1e-9
