-- CDS_KS13: return (home) interviews held within $timescale_hours hours of the child's return from a missing
-- episode. Dates carry no time, so the hours become whole days: the interview is in time when dated on or after the
-- return date and on or before the return date + ceil($timescale_hours / 24) days (72 hours -> 3 days). Calendar
-- days: weekends and bank holidays do not stop the clock. Deadline-based (kpis.md, as KPI01/KPI13): an episode sits
-- in the period containing its deadline (return date + the days), so a period's figure is complete at its end.
WITH episodes AS (
    SELECT m.miss_person_id AS person_id,
           m.miss_missing_episode_start_date AS start_date,
           m.miss_missing_episode_end_date AS return_date,
           m.miss_missing_rhi_offered AS offered,
           m.miss_missing_rhi_accepted AS accepted,
           m.miss_missing_rhi_date AS interview_date,
           CAST(m.miss_missing_episode_end_date
                + to_days(CAST(ceil($timescale_hours / 24.0) AS INTEGER)) AS DATE) AS deadline
    FROM ssd_missing AS m
    WHERE m.miss_person_id IS NOT NULL AND m.miss_missing_episode_start_date IS NOT NULL
      AND list_contains($episode_types, upper(trim(m.miss_missing_episode_type)))
),
judged AS (
    SELECT *,
           CASE
               WHEN return_date IS NULL THEN 'no return date (still missing or not recorded)'
               WHEN interview_date IS NOT NULL AND interview_date < return_date THEN 'interview dated before the return'
               -- a refusal: not accepted and no interview, unless recorded as never offered (none to refuse)
               WHEN coalesce(accepted = false, false) AND coalesce(offered, true) AND interview_date IS NULL
                    AND NOT $count_refusals THEN 'interview offered and refused'
           END AS excluded_reason
    FROM episodes
)
SELECT w.period_end,
       w.basis,
       j.person_id || ' ' || strftime(j.start_date, '%Y-%m-%d') AS record_id,
       j.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,      -- ssd_missing carries no team or worker
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(j.interview_date BETWEEN j.return_date AND j.deadline, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       j.excluded_reason
FROM judged AS j
-- placed by the deadline; an episode with no return date (excluded) by its start date
JOIN kpi_windows AS w ON coalesce(j.deadline, j.start_date) BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = j.person_id
WHERE list_contains($bases, w.basis)
