-- CDS_KS08: children looked after continuously for 12 months at 31 March (SSDA903 OC2 cohort, table
-- cla_oc2_outcomes, filled by the statutory-return adapter only) aged $min_age to $max_age at the year end, convicted
-- or subject to a youth caution (final warning or reprimand before 2013) during the year - the DfE's "Total ages 10
-- to 17 years" cohort. An annual figure: each period end shows the latest collection year with OC2 rows ending on
-- or before it (sql/models/41_oc2_collection_years.sql). The OC2 table has no age: it comes from
-- ssd_person.pers_dob by the (pseudonymised) person id.
WITH person AS (
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
    FROM oc2_collection_rows($bases) AS o
    LEFT JOIN person AS p ON p.person_id = o.person_id
)
SELECT a.period_end,
       a.basis,
       a.person_id || ' ' || strftime(a.year_ending, '%Y-%m-%d') AS record_id,
       a.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(a.oc2_convicted, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE
           WHEN a.dob IS NULL THEN 'date of birth missing'
           WHEN a.oc2_convicted IS NULL THEN 'conviction not recorded'
       END AS excluded_reason
FROM aged AS a
LEFT JOIN person_area AS pa ON pa.person_id = a.person_id
WHERE a.dob IS NULL OR a.in_age_band
