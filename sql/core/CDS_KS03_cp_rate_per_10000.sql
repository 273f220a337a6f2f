-- CDS_KS03: children subject of a child protection plan at the period end per 10,000 children aged 0-17.
-- Numerator rows: one per child with a plan open at the period end (area = the child's council; 'other' and
-- 'unknown' children count in the trust only, as no population stands behind them). Denominator rows: one per
-- owning council with its ONS mid-year estimate (team and worker NULL), so the roll-up gives each council and,
-- summed, the trust. The estimate for a period end is the latest mid-year (30 June) on or before it, carried
-- forward after the last year shipped. When an owning council has no estimate yet for that year (Northamptonshire
-- before the 2021 reorganisation) the former authority's estimate ($former_authorities) stands for the trust as one
-- row with no area: the trust gets a rate, the councils none.
WITH on_plan AS (
    SELECT w.period_end, w.basis, p.cppl_person_id AS person_id, max(p.cppl_cp_plan_id) AS plan_id
    FROM ssd_cp_plans AS p
    JOIN kpi_windows AS w
      ON p.cppl_cp_plan_start_date <= w.period_end
     AND (p.cppl_cp_plan_end_date IS NULL OR p.cppl_cp_plan_end_date > w.period_end)
    WHERE w.basis = 'snapshot' AND list_contains($bases, w.basis)
      AND p.cppl_person_id IS NOT NULL AND p.cppl_cp_plan_start_date IS NOT NULL
    GROUP BY ALL
),
estimate_year AS (
    SELECT period_end, basis,
           CASE WHEN period_end >= make_date(year(period_end), 6, 30) THEN year(period_end)
                ELSE year(period_end) - 1 END AS mid_year
    FROM kpi_windows
    WHERE basis = 'snapshot' AND list_contains($bases, basis)
),
council_estimate AS (
    -- each owning council's latest estimate for a mid-year on or before the target one (NULL when none)
    SELECT y.period_end, y.basis, c.la_code, p.year AS mid_year, p.population
    FROM estimate_year AS y
    CROSS JOIN (SELECT DISTINCT la_code FROM area_lookup) AS c
    LEFT JOIN population_0_17 AS p ON p.la_code = c.la_code AND p.year <= y.mid_year
    QUALIFY row_number() OVER (PARTITION BY y.period_end, c.la_code ORDER BY p.year DESC NULLS LAST) = 1
),
coverage AS (
    SELECT period_end, bool_and(population IS NOT NULL) AS every_council
    FROM council_estimate
    GROUP BY period_end
),
former_estimate AS (
    SELECT y.period_end, y.basis, p.la_code, p.year AS mid_year, p.population
    FROM estimate_year AS y
    JOIN population_0_17 AS p ON list_contains($former_authorities, p.la_code) AND p.year <= y.mid_year
    QUALIFY row_number() OVER (PARTITION BY y.period_end, p.la_code ORDER BY p.year DESC) = 1
),
use_former AS (
    SELECT c.period_end
    FROM coverage AS c
    WHERE NOT c.every_council AND EXISTS (SELECT 1 FROM former_estimate AS f WHERE f.period_end = c.period_end)
),
population AS (
    SELECT period_end, basis, la_code AS area, la_code, mid_year, population
    FROM council_estimate
    WHERE population IS NOT NULL AND period_end NOT IN (SELECT period_end FROM use_former)
    UNION ALL
    SELECT period_end, basis, CAST(NULL AS VARCHAR), la_code, mid_year, population
    FROM former_estimate
    WHERE period_end IN (SELECT period_end FROM use_former)
)
SELECT o.period_end,
       o.basis,
       o.plan_id AS record_id,
       o.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(1 AS DOUBLE) AS numerator,
       CAST(0 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM on_plan AS o
LEFT JOIN person_area AS pa ON pa.person_id = o.person_id
UNION ALL
SELECT period_end,
       basis,
       'population ' || la_code || ' mid-' || mid_year AS record_id,
       CAST(NULL AS VARCHAR) AS person_id,
       area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(0 AS DOUBLE) AS numerator,
       CAST(population AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM population
