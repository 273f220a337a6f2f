-- Which months of a KPI (or case measure) a critical failing record reaches, beyond the month of its own
-- date (pipelines/defs/kpis.py, history_blocking). quality_failing_records (table_name, rule, event_date,
-- person_id) holds every located record failing a critical rule in the drop, whatever its date.
--   person  the record belongs to a child counted in the figure's numerator or denominator for the month
--           (kpi_records / core_records), and is dated on or before the month end, or after the extract
--           date (misdated: its true date is unknown);
--   window  the record names no child, or the figure keeps no person ids (caseloads, budgets): its date
--           falls in the window of one of the card's bases for the month (fytd, r12, r36, ...).
-- A child excluded from the figure (with its reason) is not in it, so does not block it.
WITH failing AS (
    SELECT * FROM quality_failing_records
    WHERE list_contains($tables, table_name) AND event_date IS NOT NULL
),
figure AS (
    SELECT period_end, person_id FROM kpi_records
    WHERE $family = 'kpi' AND kpi_id = $kpi_id AND period_end BETWEEN $first AND $last
      AND (coalesce(numerator, 0) <> 0 OR coalesce(denominator, 0) <> 0)
    UNION ALL
    SELECT period_end, person_id FROM core_records
    WHERE $family = 'core' AND kpi_id = $kpi_id AND period_end BETWEEN $first AND $last
      AND (coalesce(numerator, 0) <> 0 OR coalesce(denominator, 0) <> 0)
),
keeps_people AS (SELECT count(person_id) > 0 AS yes FROM figure)
SELECT DISTINCT r.period_end, f.table_name, f.rule, 'person' AS reach
FROM failing AS f
JOIN figure AS r ON r.person_id = f.person_id
WHERE f.event_date <= r.period_end OR f.event_date > $extract_date
UNION
SELECT DISTINCT w.period_end, f.table_name, f.rule, 'window' AS reach
FROM failing AS f
JOIN kpi_windows AS w ON list_contains($bases, w.basis) AND f.event_date BETWEEN w.window_start AND w.window_end
WHERE w.period_end BETWEEN $first AND $last
  AND (f.person_id IS NULL OR NOT (SELECT yes FROM keeps_people))
ORDER BY 1, 2, 3
