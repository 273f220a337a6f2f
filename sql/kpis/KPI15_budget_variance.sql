-- KPI15: budget % variance, (forecast outturn - annual budget) / annual budget x 100, from the latest
-- budget-monitoring rows in the period. One row per cost centre line: numerator = variance (GBP),
-- denominator = budget (GBP), so every roll-up (service line, council, trust) is
-- sum(variance) / sum(budget), i.e. (total forecast - total budget) / total budget.
WITH lines AS (
    SELECT w.period_end,
           w.basis,
           nullif(trim(b.service_line), '') AS service_line,
           b.cost_centre,
           b.annual_budget,
           b.forecast_outturn
    FROM budget_monitoring AS b
    JOIN kpi_windows AS w ON b.period_end BETWEEN w.window_start AND w.window_end
    WHERE list_contains($bases, w.basis)
    -- the latest forecast in the period for each service line and cost centre (one monitoring round)
    QUALIFY row_number() OVER (PARTITION BY w.period_end, w.basis, nullif(trim(b.service_line), ''), b.cost_centre
                               ORDER BY b.period_end DESC) = 1
)
SELECT l.period_end,
       l.basis,
       coalesce(l.service_line, '') || '|' || coalesce(l.cost_centre, '') AS record_id,
       CAST(NULL AS VARCHAR) AS person_id,
       -- the line's council: the cost centre's owning council in the configured map (authority.yaml
       -- cost_centres); an unmapped cost centre is 'unknown' (trust total only; a data-quality warning)
       coalesce(cc.la_code, 'unknown') AS area,
       l.service_line AS team,          -- service lines are reported in the team column
       CAST(NULL AS VARCHAR) AS worker,
       CAST(l.forecast_outturn - l.annual_budget AS DOUBLE) AS numerator,
       CAST(l.annual_budget AS DOUBLE) AS denominator,
       CASE
           WHEN l.annual_budget IS NULL THEN 'missing annual budget'
           WHEN l.forecast_outturn IS NULL THEN 'missing forecast outturn'
       END AS excluded_reason
FROM lines AS l
LEFT JOIN cost_centre_council AS cc ON cc.cost_centre = l.cost_centre
