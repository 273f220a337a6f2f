-- The SSDA903 OC2 outcomes (cla_oc2_outcomes) by the collection year each period end shows, shared by the core
-- data set's OC2 measures (CDS_KS07, CDS_KS08), as a table macro taking the measure's bound $bases:
--   oc2_collection_rows(bases)
--       one row per child in the OC2 cohort of the latest collection year with OC2 rows ending on or before each
--       snapshot period end (at 31 March, the year ending that day once its OC2 is loaded): period_end, basis,
--       person_id, year_ending and every OC2 flag. A row belongs to the collection year of the 31 March on or
--       after oc2_year_ending (the adapter writes 31 March). Children under a short break (V3/V4) at the year
--       end (the status in force then: latest start, a tie to the status that is not a short break) are left
--       out, as the DfE does.
CREATE OR REPLACE TEMP MACRO oc2_collection_rows(bases) AS TABLE
    WITH oc2 AS (
        SELECT oc2_person_id AS person_id,
               make_date(year(oc2_year_ending) + CASE WHEN month(oc2_year_ending) > 3 THEN 1 ELSE 0 END, 3, 31)
                   AS year_ending,
               oc2_substance_misuse, oc2_convicted, oc2_health_check, oc2_immunisations, oc2_teeth_check,
               oc2_health_assessment, oc2_intervention_received, oc2_intervention_offered, oc2_sdq_score
        FROM cla_oc2_outcomes
        WHERE oc2_person_id IS NOT NULL AND oc2_year_ending IS NOT NULL
    ),
    collection AS (
        SELECT w.period_end, w.basis, max(y.year_ending) AS year_ending
        FROM kpi_windows AS w
        JOIN (SELECT DISTINCT year_ending FROM oc2) AS y ON y.year_ending <= w.period_end
        WHERE w.basis = 'snapshot' AND list_contains(bases, w.basis)
        GROUP BY ALL
    ),
    short_break AS (
        SELECT o.person_id, o.year_ending, l.short_break
        FROM oc2 AS o
        JOIN cla_legal AS l
          ON l.person_id = o.person_id AND l.start_date <= o.year_ending
         AND (l.end_date IS NULL OR l.end_date >= o.year_ending)
        QUALIFY row_number() OVER (PARTITION BY o.person_id, o.year_ending
                                   ORDER BY l.start_date DESC, l.short_break) = 1
    )
    SELECT c.period_end, c.basis, o.*
    FROM collection AS c
    JOIN oc2 AS o ON o.year_ending = c.year_ending
    LEFT JOIN short_break AS sb ON sb.person_id = o.person_id AND sb.year_ending = o.year_ending
    WHERE NOT coalesce(sb.short_break, false);
