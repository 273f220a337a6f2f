-- Equality breakdowns: every child-level KPI's figure by sex, ethnicity group, age band, disability (when
-- recorded) and, for looked-after measures, UASC status, for every month end and basis of the range in one
-- pass over kpi_records (the engine's record-level rows) joined to the children's staged attributes.
-- A record whose child is not in ssd_person, or has no usable code or date of birth, is in the dimension's
-- "Unknown" group: the groups of a dimension always add up to the trust's numerator and denominator.
-- Views made by pipelines/lib/equality.py before this runs: equality_disability (person_id, disabled) and
-- equality_uasc (person_id, start_date, end_date), empty when the warehouse holds no such records.
WITH recs AS (
    SELECT r.kpi_id, r.period_end, r.basis, r.person_id, r.numerator, r.denominator
    FROM kpi_records AS r
    WHERE list_contains($kpi_ids, r.kpi_id) AND r.period_end BETWEEN $first AND $last
      AND r.excluded_reason IS NULL
      -- child-level: the KPI's records carry person ids (not social workers' caseloads, posts or money)
      AND r.kpi_id IN (SELECT kpi_id FROM kpi_records WHERE person_id IS NOT NULL AND list_contains($kpi_ids, kpi_id))
),
ethnicity_map AS (
    SELECT unnest($ethnicity_codes) AS code, unnest($ethnicity_groups) AS grp
),
person AS (
    -- one row per child (the contract's key); max() keeps it deterministic should a drop repeat one
    SELECT pers_person_id AS person_id, max(upper(trim(pers_sex))) AS sex,
           max(upper(trim(pers_ethnicity))) AS ethnicity, max(pers_dob) AS dob
    FROM ssd_person
    GROUP BY pers_person_id
),
attrs AS (
    SELECT r.kpi_id, r.period_end, r.basis, r.person_id, r.numerator, r.denominator,
           CASE WHEN p.sex IN ('M', '1') THEN 'Male' WHEN p.sex IN ('F', '2') THEN 'Female'
                ELSE 'Unknown' END AS sex,
           coalesce(e.grp, $unknown_ethnicity) AS ethnicity,
           -- completed years at the period end; a 29 February birthday is reached on 1 March in other years
           year(r.period_end) - year(p.dob)
               - CASE WHEN month(r.period_end) < month(p.dob)
                        OR (month(r.period_end) = month(p.dob) AND day(r.period_end) < day(p.dob))
                      THEN 1 ELSE 0 END AS age,
           CASE WHEN NOT $has_disability THEN NULL
                WHEN d.disabled THEN 'Disabled' ELSE 'No disability recorded' END AS disability,
           CASE WHEN NOT $has_uasc OR NOT list_contains($uasc_kpi_ids, r.kpi_id) THEN NULL
                WHEN EXISTS (SELECT 1 FROM equality_uasc AS u
                             WHERE u.person_id = r.person_id AND coalesce(u.start_date <= r.period_end, true)
                               AND (u.end_date IS NULL OR u.end_date >= r.period_end)) THEN 'UASC'
                ELSE 'Not UASC' END AS uasc
    FROM recs AS r
    LEFT JOIN person AS p USING (person_id)
    LEFT JOIN ethnicity_map AS e ON e.code = p.ethnicity
    LEFT JOIN equality_disability AS d USING (person_id)
),
banded AS (
    SELECT kpi_id, period_end, basis, person_id, numerator, denominator, sex, ethnicity, disability, uasc,
           CASE WHEN age IS NULL OR age < 0 THEN 'Unknown'   -- no date of birth, or not yet born
                WHEN age < 1 THEN 'Under 1' WHEN age < 5 THEN '1-4' WHEN age < 10 THEN '5-9'
                WHEN age < 16 THEN '10-15' WHEN age < 18 THEN '16-17' ELSE '18 and over' END AS age_band
    FROM attrs
),
long AS (
    -- a dimension that does not apply (NULL: no disability records, UASC outside looked-after measures)
    -- gives no row
    UNPIVOT banded ON sex, ethnicity, age_band, disability, uasc INTO NAME dimension VALUE grp
),
grouped AS (
    SELECT kpi_id, period_end, basis, replace(dimension, '_', ' ') AS dimension, grp,
           sum(numerator) AS numerator, sum(denominator) AS denominator,
           count(DISTINCT person_id) FILTER (WHERE denominator > 0) AS children,
           count(DISTINCT person_id) FILTER (WHERE numerator > 0) AS children_in_numerator
    FROM long
    GROUP BY ALL
),
cohort AS (
    SELECT kpi_id, period_end, basis, sum(numerator) AS numerator, sum(denominator) AS denominator
    FROM recs
    GROUP BY ALL
),
valued AS (
    SELECT g.*,
           CASE WHEN list_contains($count_kpi_ids, g.kpi_id) THEN g.numerator
                WHEN g.denominator = 0 THEN NULL
                ELSE round(list_extract($scales, list_position($kpi_ids, g.kpi_id)) * g.numerator / g.denominator, 6)
           END AS value,
           CASE WHEN list_contains($count_kpi_ids, g.kpi_id) THEN c.numerator
                WHEN c.denominator = 0 THEN NULL
                ELSE round(list_extract($scales, list_position($kpi_ids, g.kpi_id)) * c.numerator / c.denominator, 6)
           END AS cohort_value,
           c.numerator AS cohort_numerator, c.denominator AS cohort_denominator
    FROM grouped AS g
    JOIN cohort AS c USING (kpi_id, period_end, basis)
)
SELECT kpi_id, period_end, basis, dimension, grp AS "group",
       CAST(numerator AS DOUBLE) AS numerator,
       CASE WHEN list_contains($count_kpi_ids, kpi_id) THEN NULL ELSE CAST(denominator AS DOUBLE) END AS denominator,
       value, cohort_value, round(value - cohort_value, 6) AS gap,
       CAST(children AS BIGINT) AS children, CAST(children_in_numerator AS BIGINT) AS children_in_numerator,
       CAST(cohort_numerator AS DOUBLE) AS cohort_numerator,
       CASE WHEN list_contains($count_kpi_ids, kpi_id) THEN NULL ELSE CAST(cohort_denominator AS DOUBLE) END
           AS cohort_denominator
FROM valued
ORDER BY kpi_id, period_end, basis, list_position($dimension_order, dimension),
         list_position($group_order, grp), grp
