-- Reporting windows for every month end from $first_period_end to $last_period_end, for every basis.
--   month    the calendar month
--   quarter  the financial quarter containing period_end, quarter to date
--   fytd     1 April of the financial year to period_end
--   r12      the day after (period_end - 12 months) to period_end
--   r36      the day after (period_end - 36 months) to period_end (KPI18 as in the adoption scorecard)
--   snapshot the state at period_end (window_start = window_end = period_end)
-- Look-backs from a month end use the last day of the month k months earlier (kpis.md, month arithmetic).
CREATE OR REPLACE TEMP TABLE kpi_windows AS
WITH periods AS (
    SELECT CAST(last_day(m) AS DATE) AS period_end
    FROM range(date_trunc('month', CAST($first_period_end AS DATE)),
               CAST($last_period_end AS DATE) + INTERVAL 1 DAY, INTERVAL 1 MONTH) AS t(m)
),
fy AS (
    SELECT period_end,
           make_date(CASE WHEN month(period_end) >= 4 THEN year(period_end) ELSE year(period_end) - 1 END, 4, 1)
               AS fy_start
    FROM periods
)
SELECT period_end, 'month' AS basis, CAST(date_trunc('month', period_end) AS DATE) AS window_start,
       period_end AS window_end FROM fy
UNION ALL
SELECT period_end, 'quarter',
       CAST(fy_start + to_months(3 * CAST(floor(datediff('month', fy_start, period_end) / 3) AS INTEGER)) AS DATE),
       period_end FROM fy
UNION ALL
SELECT period_end, 'fytd', fy_start, period_end FROM fy
UNION ALL
SELECT period_end, 'r12', CAST(last_day(period_end - INTERVAL 12 MONTH) + INTERVAL 1 DAY AS DATE), period_end FROM fy
UNION ALL
SELECT period_end, 'r36', CAST(last_day(period_end - INTERVAL 36 MONTH) + INTERVAL 1 DAY AS DATE), period_end FROM fy
UNION ALL
SELECT period_end, 'snapshot', period_end, period_end FROM fy;
