-- CDS_KS08: children looked after continuously for 12 months at 31 March (SSDA903 OC2 cohort, table
-- cla_oc2_outcomes, filled by the statutory-return adapter only) aged $min_age to $max_age at the year end, convicted
-- or subject to a youth caution (final warning or reprimand before 2013) during the year - the DfE's "Total ages 10
-- to 17 years" cohort. An annual figure: each period end shows the latest collection year with OC2 rows ending on
-- or before it. The OC2 table has no age: it comes from ssd_person.pers_dob by the (pseudonymised) person id.
WITH oc2 AS (
    -- the collection year a row belongs to: the 31 March on or after oc2_year_ending (the adapter writes 31 March)
    SELECT oc2_person_id AS person_id,
           make_date(year(oc2_year_ending) + CASE WHEN month(oc2_year_ending) > 3 THEN 1 ELSE 0 END, 3, 31)
               AS year_ending,
           oc2_convicted AS flag
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
),
person AS (
    SELECT pers_person_id AS person_id, max(pers_dob) AS dob
    FROM ssd_person
    WHERE pers_person_id IS NOT NULL
    GROUP BY pers_person_id
),
aged AS (
    -- whole years at the year end: aged min..max when the min-th birthday is on or before it and the
    -- (max + 1)-th after it
    SELECT o.*, p.dob,
           p.dob IS NOT NULL
           AND CAST(p.dob + to_years(CAST($min_age AS INTEGER)) AS DATE) <= o.year_ending
           AND CAST(p.dob + to_years(CAST($max_age AS INTEGER) + 1) AS DATE) > o.year_ending AS in_age_band
    FROM oc2 AS o
    LEFT JOIN person AS p ON p.person_id = o.person_id
)
SELECT c.period_end,
       c.basis,
       a.person_id || ' ' || strftime(a.year_ending, '%Y-%m-%d') AS record_id,
       a.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(a.flag, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE
           WHEN a.dob IS NULL THEN 'date of birth missing'
           WHEN a.flag IS NULL THEN 'conviction not recorded'
       END AS excluded_reason
FROM collection AS c
JOIN aged AS a ON a.year_ending = c.year_ending
LEFT JOIN short_break AS sb ON sb.person_id = a.person_id AND sb.year_ending = a.year_ending
LEFT JOIN person_area AS pa ON pa.person_id = a.person_id
WHERE NOT coalesce(sb.short_break, false)
  AND (a.dob IS NULL OR a.in_age_band)
