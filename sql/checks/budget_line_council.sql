-- kind: row
-- severity: warning
-- Every budget-monitoring line dated in the period has an owning council: its cost centre is in the configured
-- cost-centre map (data/config/authority.yaml `cost_centres:`, loaded as cost_centre_council). An unmapped line
-- still counts in KPI15's trust total; it is in no council's figure (area 'unknown'), so each one is reported
-- where it is, for finance to add the cost centre to the map (or correct it).
SELECT b.source_file, b.source_row, 'budget_monitoring' AS table_name, 'cost_centre' AS column_name,
       'budget line mapped to an owning council' AS rule, 'warning' AS severity,
       CASE WHEN b.cost_centre IS NULL THEN 'no cost centre: the line counts for the trust only'
            ELSE 'cost centre ' || b.cost_centre || ' not in the cost-centre map: the line counts for the trust only'
       END AS detail,
       'KPI15' AS kpi_id
FROM staged.budget_monitoring AS b
WHERE b.drop_id = $drop_id
  AND b.period_end BETWEEN $period_start AND $period_end
  AND (b.cost_centre IS NULL OR b.cost_centre NOT IN (SELECT cost_centre FROM cost_centre_council))
ORDER BY b.source_file, b.source_row
