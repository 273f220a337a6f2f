-- CDS_FP05: average SDQ (strengths and difficulties questionnaire) total difficulties score of children looked
-- after for 12+ months at the period end and aged $min_age-$max_age then (DfE OC2: ages 5 to 16 at 31 March),
-- computed at every month end. Cohort as CDS_FP04 (looked after at the period end and throughout the
-- $looked_after_months months up to it, no V3/V4 status in force after the first day of those months).
-- One record per child with a score: numerator = the child's latest score dated in the $check_months months up
-- to the period end, denominator 1, so the value (unit mean) is the average score. A child in the age band
-- with no score in those months, or a latest score outside 0-40, or no date of birth, is excluded with a reason.
WITH cla_12_months AS (
    -- the OC2 cohort (sql/models/40_cla_12_months.sql)
    SELECT * FROM cla_12_months($looked_after_months, $check_months)
),
in_age_band AS (
    -- aged min_age..max_age at the period end in whole years: the min_age birthday on or before it and the
    -- (max_age + 1) birthday after it (years added to the date of birth: 29 Feb + 5 years = 28 Feb)
    SELECT * FROM cla_12_months
    WHERE dob IS NULL
       OR (CAST(dob + to_years(CAST($min_age AS INTEGER)) AS DATE) <= period_end
           AND CAST(dob + to_years(CAST($max_age AS INTEGER) + 1) AS DATE) > period_end)
),
latest AS (
    -- the latest score dated in the months up to the period end (one row per person and date: the key)
    SELECT c.period_end, c.person_id, q.csdq_sdq_score AS score
    FROM in_age_band AS c
    JOIN ssd_sdq_scores AS q
      ON q.csdq_person_id = c.person_id AND q.csdq_sdq_score IS NOT NULL
     AND q.csdq_sdq_completed_date BETWEEN c.check_from AND c.period_end
    QUALIFY row_number() OVER (PARTITION BY c.period_end, c.person_id
                               ORDER BY q.csdq_sdq_completed_date DESC, q.csdq_sdq_score DESC) = 1
),
record_rows AS (
    SELECT c.period_end, c.person_id, c.person_id AS record_id,
           CAST(coalesce(l.score, 0) AS DOUBLE) AS numerator,
           CAST(1 AS DOUBLE) AS denominator,
           CASE
               WHEN c.dob IS NULL THEN 'date of birth missing'
               WHEN l.score IS NULL THEN 'no SDQ score in the period'
               WHEN l.score NOT BETWEEN 0 AND 40 THEN 'SDQ score outside 0-40'
           END AS excluded_reason
    FROM in_age_band AS c
    LEFT JOIN latest AS l ON l.period_end = c.period_end AND l.person_id = c.person_id
)
SELECT w.period_end,
       w.basis,
       r.record_id,
       r.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       r.numerator,
       r.denominator,
       r.excluded_reason
FROM record_rows AS r
JOIN kpi_windows AS w ON w.period_end = r.period_end AND w.basis = 'snapshot'
LEFT JOIN person_area AS pa ON pa.person_id = r.person_id
WHERE list_contains($bases, w.basis)
