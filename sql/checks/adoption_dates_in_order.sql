-- DfE rules: 903/521, 903/552, 903/331
-- kind: row
-- severity: critical
-- Adoption dates in order where the GX suite (ssd_permanence: decision <= match <= placed, DfE 333 and 331)
-- cannot see them: the agency decision (ADM) on or before placement for adoption when no match date is
-- recorded, and the placement for adoption on or before the adoption itself (the care episode of the same
-- period of care ceasing E11/E12). Critical: KPI19 measures decision -> placed (a placement before its decision
-- passes whatever the delay) and KPI18 / CDS_FP14 measure to the match and placement. Dated by the placement.
WITH p AS (
    SELECT drop_id, source_file, source_row, perm_cla_id, perm_adm_decision_date AS decided,
           perm_matched_date AS matched, perm_placed_for_adoption_date AS placed
    FROM staged.ssd_permanence
    WHERE drop_id = $drop_id
),
adopted AS (
    SELECT clae_cla_id AS cla_id, min(clae_cla_episode_ceased_date) AS adopted_on
    FROM staged.ssd_cla_episodes
    WHERE drop_id = $drop_id AND clae_cla_episode_ceased_reason IN ('E11', 'E12')
    GROUP BY ALL
)
SELECT p.source_file, p.source_row, 'ssd_permanence' AS table_name, 'perm_placed_for_adoption_date' AS column_name,
       'adoption dates in order (decision, placement, adoption)' AS rule, 'critical' AS severity,
       CASE WHEN p.placed < p.decided AND p.matched IS NULL
            THEN 'placed for adoption ' || CAST(p.placed AS VARCHAR) || ' before the ADM decision '
                 || CAST(p.decided AS VARCHAR)
            ELSE 'placed for adoption ' || CAST(p.placed AS VARCHAR) || ' after the adoption '
                 || CAST(a.adopted_on AS VARCHAR) END AS detail,
       NULL AS kpi_id
FROM p
LEFT JOIN adopted AS a ON a.cla_id = p.perm_cla_id
WHERE (p.placed < p.decided AND p.matched IS NULL) OR p.placed > a.adopted_on
