-- KPI07: children looked after 2.5+ years (under 16) in the same placement 2+ years, or placed for adoption
-- where the adoptive placement and the one before it together span 2+ years. Snapshot at each period end.
-- cla_snapshot (sql/models/20_looked_after.sql) already holds the children looked after at the period end
-- with short breaks (V3/V4) left out, their period of care and current placement.
WITH person AS (
    SELECT pers_person_id AS person_id, max(pers_dob) AS dob
    FROM ssd_person
    GROUP BY pers_person_id
),
cohort AS (
    -- look-back cut-offs use the last day of the month k months before the period end (kpis.md)
    SELECT s.period_end, s.person_id, s.placement_id, p.dob,
           CAST(last_day(s.period_end - to_months(CAST($min_placement_months AS INTEGER))) AS DATE)
               AS placement_cutoff
    FROM cla_snapshot AS s
    LEFT JOIN person AS p ON p.person_id = s.person_id
    WHERE s.period_start <= CAST(last_day(s.period_end - to_months(CAST($min_care_months AS INTEGER))) AS DATE)
      -- aged under 16 in whole years: the 16th birthday (dob + 16 years) is after the period end;
      -- a child with no date of birth is kept here and excluded below with its reason
      AND (p.dob IS NULL OR CAST(p.dob + to_years(CAST($age_under AS INTEGER)) AS DATE) > s.period_end)
),
assessed AS (
    SELECT c.*,
           cur.start_date AS placement_start,
           cur.placement_type,
           -- the placement before the current one (latest earlier start), for the adoption rule
           (SELECT max(prev.start_date) FROM cla_placement AS prev
             WHERE prev.person_id = c.person_id AND prev.start_date < cur.start_date) AS previous_start
    FROM cohort AS c
    LEFT JOIN cla_placement AS cur ON cur.placement_id = c.placement_id
)
SELECT w.period_end,
       w.basis,
       a.person_id AS record_id,
       a.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(a.placement_start <= a.placement_cutoff
                     OR (list_contains($adoption_placement_types, a.placement_type)
                         AND a.previous_start <= a.placement_cutoff), false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE
           WHEN a.dob IS NULL THEN 'date of birth missing'
           WHEN a.placement_id IS NULL THEN 'no placement open at period end'
           WHEN a.placement_start IS NULL THEN 'placement start date missing'
       END AS excluded_reason
FROM assessed AS a
JOIN kpi_windows AS w ON w.period_end = a.period_end AND w.basis = 'snapshot'
LEFT JOIN person_area AS pa ON pa.person_id = a.person_id
WHERE list_contains($bases, w.basis)
