-- DfE rules: 903/190
-- kind: row
-- severity: critical
-- An OC2 row (cla_oc2_outcomes, from a 903 return) belongs to a child looked after continuously for at least
-- 12 months at its year end: an episode open on the year end whose period of care began on or before the first
-- day of that year (periods joined as the engine joins them, sql/models/20_looked_after.sql: an episode that
-- starts the day the previous one ceased with X1, or no reason, continues it). Critical: CDS_KS07 and CDS_KS08
-- take the OC2 table as their cohort, so a row for any other child changes both. Dated by the year end.
WITH e AS (
    SELECT clae_person_id AS person_id, clae_cla_episode_start_date AS start_date,
           clae_cla_episode_ceased_date AS ceased_date,
           coalesce(NOT (clae_cla_episode_start_date = lag(clae_cla_episode_ceased_date) OVER w
                         AND coalesce(lag(clae_cla_episode_ceased_reason) OVER w, 'X1') = 'X1'), true) AS new_period
    FROM staged.ssd_cla_episodes
    WHERE drop_id = $drop_id AND clae_person_id IS NOT NULL AND clae_cla_episode_start_date IS NOT NULL
    WINDOW w AS (PARTITION BY clae_person_id ORDER BY clae_cla_episode_start_date, clae_cla_episode_id)
),
numbered AS (
    SELECT *, sum(CAST(new_period AS INTEGER)) OVER (PARTITION BY person_id ORDER BY start_date
                                                     ROWS UNBOUNDED PRECEDING) AS period_no
    FROM e
),
periods AS (
    SELECT *, min(start_date) OVER (PARTITION BY person_id, period_no) AS period_start FROM numbered
)
SELECT o.source_file, o.source_row, 'cla_oc2_outcomes' AS table_name, 'oc2_person_id' AS column_name,
       'OC2 child looked after 12 months at the year end' AS rule, 'critical' AS severity,
       'not looked after continuously for the year to ' || CAST(o.oc2_year_ending AS VARCHAR) AS detail,
       NULL AS kpi_id
FROM staged.cla_oc2_outcomes AS o
WHERE o.drop_id = $drop_id
  AND o.oc2_year_ending IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM periods AS p
      WHERE p.person_id = o.oc2_person_id
        AND p.start_date <= o.oc2_year_ending
        AND (p.ceased_date IS NULL OR p.ceased_date > o.oc2_year_ending)
        AND p.period_start <= CAST(o.oc2_year_ending - INTERVAL 1 YEAR + INTERVAL 1 DAY AS DATE))
