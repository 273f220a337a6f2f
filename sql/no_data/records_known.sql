-- Per month of the run: the records of a KPI's headline denominator, and those its SQL flagged with the
-- card's unknown_reason (information-only rows such as KPI12's 'distance unknown (kept in the denominator)').
-- Reads the family's records table (kpi_records or core_records, named by the caller from a fixed list).
SELECT period_end,
       count(*) FILTER (WHERE excluded_reason IS NULL AND denominator > 0) AS in_denominator,
       count(*) FILTER (WHERE excluded_reason = $unknown_reason) AS unknown
FROM records_table
WHERE kpi_id = $kpi_id AND basis = $basis AND period_end BETWEEN $first AND $last
GROUP BY period_end
