-- Each table's row count within a band of the previous drop's (quality_counts is filled by sql_checks.py:
-- table_name, drop_id, extract_date, revision, source_file, n).
WITH cur AS (SELECT * FROM quality_counts WHERE drop_id = $drop_id),
prev AS (
    SELECT q.* FROM quality_counts q, cur
    WHERE q.table_name = cur.table_name AND (q.extract_date, q.revision) < (cur.extract_date, cur.revision)
    QUALIFY row_number() OVER (PARTITION BY q.table_name ORDER BY q.extract_date DESC, q.revision DESC) = 1
)
SELECT cur.source_file, NULL::BIGINT AS source_row, cur.table_name, NULL AS column_name,
       'row count within ' || CAST($low AS VARCHAR) || '-' || CAST($high AS VARCHAR) || 'x the previous drop' AS rule,
       'warning' AS severity,
       CAST(cur.n AS VARCHAR) || ' rows against ' || CAST(prev.n AS VARCHAR) || ' in drop ' || prev.drop_id AS detail,
       NULL AS kpi_id
FROM cur JOIN prev USING (table_name)
WHERE prev.n > 0 AND (cur.n < $low * prev.n OR cur.n > $high * prev.n)
