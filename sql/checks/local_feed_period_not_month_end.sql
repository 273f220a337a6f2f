-- kind: feed
-- severity: critical
-- period_end is the last day of the month, term or year the figure covers: always a month end (a term is
-- dated by the month end of the month it ends in), so monthly and termly figures line up with the KPIs.
SELECT source_file, source_row, 'local_feeds' AS table_name, 'period_end' AS column_name,
       'local-feed period_end is a month end' AS rule, 'critical' AS severity,
       coalesce(measure_id, '(no measure)') || ': ' || CAST(period_end AS VARCHAR) || ' is not a month end (use '
           || CAST(last_day(period_end) AS VARCHAR) || ')' AS detail,
       CASE WHEN list_contains($feed_measures, measure_id) THEN measure_id END AS kpi_id
FROM staged.local_feeds
WHERE drop_id = $drop_id
  AND period_end <> last_day(period_end)
