-- CDS_KS07: children looked after continuously for 12 months at 31 March (the SSDA903 OC2 cohort, table
-- cla_oc2_outcomes, filled by the statutory-return adapter only) identified as having a substance misuse problem
-- during the year. An annual figure: each period end shows the latest collection year with OC2 rows ending on or
-- before it (at 31 March, the year ending that day once its OC2 is loaded).
WITH oc2 AS (
    -- the collection year a row belongs to: the 31 March on or after oc2_year_ending (the adapter writes 31 March)
    SELECT oc2_person_id AS person_id,
           make_date(year(oc2_year_ending) + CASE WHEN month(oc2_year_ending) > 3 THEN 1 ELSE 0 END, 3, 31)
               AS year_ending,
           oc2_substance_misuse AS flag
    FROM cla_oc2_outcomes
    WHERE oc2_person_id IS NOT NULL AND oc2_year_ending IS NOT NULL
),
collection AS (
    SELECT w.period_end, w.basis, max(y.year_ending) AS year_ending
    FROM kpi_windows AS w
    JOIN (SELECT DISTINCT year_ending FROM oc2) AS y ON y.year_ending <= w.period_end
    WHERE w.basis = 'snapshot' AND list_contains($bases, w.basis)
    GROUP BY ALL
),
short_break AS (
    -- the legal status in force at the year end (latest start; a tie goes to the status that is not a short break)
    SELECT o.person_id, o.year_ending, l.short_break
    FROM oc2 AS o
    JOIN cla_legal AS l
      ON l.person_id = o.person_id AND l.start_date <= o.year_ending
     AND (l.end_date IS NULL OR l.end_date >= o.year_ending)
    QUALIFY row_number() OVER (PARTITION BY o.person_id, o.year_ending ORDER BY l.start_date DESC, l.short_break) = 1
)
SELECT c.period_end,
       c.basis,
       o.person_id || ' ' || strftime(o.year_ending, '%Y-%m-%d') AS record_id,
       o.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(o.flag, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE WHEN o.flag IS NULL THEN 'substance misuse not recorded' END AS excluded_reason
FROM collection AS c
JOIN oc2 AS o ON o.year_ending = c.year_ending
LEFT JOIN short_break AS sb ON sb.person_id = o.person_id AND sb.year_ending = o.year_ending
LEFT JOIN person_area AS pa ON pa.person_id = o.person_id
WHERE NOT coalesce(sb.short_break, false)
