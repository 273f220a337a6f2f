-- kind: row_count_band
-- severity: critical, warning
-- Each table's row count against the previous drop's (quality_counts is filled by sql_checks.py:
-- table_name, drop_id, extract_date, revision, source_file, n). A monthly extract of case records grows by a
-- few percent a month: outside $low-$high x is a warning to look at; outside $critical_low-$critical_high x
-- (the table halved, or more than doubled: a partial extract, a file from another system, a duplicated
-- export) is critical, so the KPIs reading the table are blocked for every month of the run. Critical only
-- when both drops delivered the table as its own file (a statutory return covers fewer years than an
-- extract: moving between the two is expected) and either count reaches $critical_min_rows.
WITH cur AS (SELECT * FROM quality_counts WHERE drop_id = $drop_id),
prev AS (
    SELECT q.* FROM quality_counts q, cur
    WHERE q.table_name = cur.table_name AND (q.extract_date, q.revision) < (cur.extract_date, cur.revision)
    QUALIFY row_number() OVER (PARTITION BY q.table_name ORDER BY q.extract_date DESC, q.revision DESC) = 1
),
compared AS (
    SELECT cur.source_file, cur.table_name, cur.n, prev.n AS prev_n, prev.drop_id AS prev_drop,
           (cur.n < $critical_low * prev.n OR cur.n > $critical_high * prev.n)
           AND greatest(cur.n, prev.n) >= $critical_min_rows
           AND lower(cur.source_file) IN (cur.table_name || '.csv', cur.table_name || '.parquet')
           AND lower(prev.source_file) IN (cur.table_name || '.csv', cur.table_name || '.parquet') AS critical
    FROM cur JOIN prev USING (table_name)
    WHERE prev.n > 0 AND (cur.n < $low * prev.n OR cur.n > $high * prev.n)
)
SELECT source_file, NULL::BIGINT AS source_row, table_name, NULL AS column_name,
       CASE WHEN critical
            THEN 'row count within ' || CAST($critical_low AS VARCHAR) || '-' || CAST($critical_high AS VARCHAR)
                 || 'x the previous drop'
            ELSE 'row count within ' || CAST($low AS VARCHAR) || '-' || CAST($high AS VARCHAR) || 'x the previous drop'
       END AS rule,
       CASE WHEN critical THEN 'critical' ELSE 'warning' END AS severity,
       CAST(n AS VARCHAR) || ' rows against ' || CAST(prev_n AS VARCHAR) || ' in drop '
           || prev_drop AS detail,
       NULL AS kpi_id
FROM compared
