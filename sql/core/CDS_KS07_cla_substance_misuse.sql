-- CDS_KS07: children looked after continuously for 12 months at 31 March (the SSDA903 OC2 cohort, table
-- cla_oc2_outcomes, filled by the statutory-return adapter only) identified as having a substance misuse problem
-- during the year. An annual figure: each period end shows the latest collection year with OC2 rows ending on or
-- before it (sql/models/41_oc2_collection_years.sql).
SELECT o.period_end,
       o.basis,
       o.person_id || ' ' || strftime(o.year_ending, '%Y-%m-%d') AS record_id,
       o.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(o.oc2_substance_misuse, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE WHEN o.oc2_substance_misuse IS NULL THEN 'substance misuse not recorded' END AS excluded_reason
FROM oc2_collection_rows($bases) AS o
LEFT JOIN person_area AS pa ON pa.person_id = o.person_id
