-- kind: row
-- severity: critical
-- Placements of one child must not overlap (an open placement runs on). Reported on the later placement,
-- whenever it starts (every row of the drop).
WITH p AS (
    SELECT source_file, source_row, clap_cla_placement_start_date AS start_date,
           max(coalesce(clap_cla_placement_end_date, DATE '9999-12-31')) OVER (
               PARTITION BY clap_person_id ORDER BY clap_cla_placement_start_date, clap_cla_placement_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
    FROM staged.ssd_cla_placement
    WHERE drop_id = $drop_id AND clap_person_id IS NOT NULL AND clap_cla_placement_start_date IS NOT NULL
)
SELECT source_file, source_row, 'ssd_cla_placement' AS table_name, 'clap_cla_placement_start_date' AS column_name,
       'placements of a child do not overlap' AS rule, 'critical' AS severity,
       'starts before an earlier placement ends (' || CAST(earlier_end AS VARCHAR) || ')' AS detail, NULL AS kpi_id
FROM p
WHERE start_date < earlier_end
