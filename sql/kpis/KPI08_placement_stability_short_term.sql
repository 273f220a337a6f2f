-- KPI08: children looked after at the period end with 3 or more placements in the 12 months to it.
-- Snapshot (cla_snapshot: short breaks left out) with a look-back from the day after the last day of the
-- month 12 months earlier. A placement counts when it overlaps the look-back and began with a change of carer.
WITH usable AS (
    -- a placement with no start date cannot be placed in time (the data-quality checks report it)
    SELECT * FROM cla_placement WHERE person_id IS NOT NULL AND start_date IS NOT NULL
),
starting_episode AS (
    -- the episode that began the placement: the earliest episode linked to it, else the child's episode
    -- starting on the placement's start date; on a same-day tie a change-of-carer reason wins
    SELECT placement_id, start_reason
    FROM (
        SELECT m.placement_id, m.start_reason,
               row_number() OVER (PARTITION BY m.placement_id
                                  ORDER BY m.link_rank, m.start_date,
                                           list_contains($carer_change_reasons, m.start_reason) DESC,
                                           m.episode_id) AS rn
        FROM (
            SELECT u.placement_id, e.start_reason, e.start_date, e.episode_id, 1 AS link_rank
            FROM usable AS u JOIN cla_episode AS e ON e.placement_id = u.placement_id
            UNION ALL
            SELECT u.placement_id, e.start_reason, e.start_date, e.episode_id, 2 AS link_rank
            FROM usable AS u JOIN cla_episode AS e ON e.person_id = u.person_id AND e.start_date = u.start_date
        ) AS m
    )
    WHERE rn = 1
),
short_break AS (
    -- the legal status in force when the placement began (latest start; a tie goes to the non-short break)
    SELECT placement_id, short_break
    FROM (
        SELECT u.placement_id, l.short_break,
               row_number() OVER (PARTITION BY u.placement_id ORDER BY l.start_date DESC, l.short_break) AS rn
        FROM usable AS u
        JOIN cla_legal AS l
          ON l.person_id = u.person_id AND l.start_date <= u.start_date
         AND (l.end_date IS NULL OR l.end_date >= u.start_date)
    )
    WHERE rn = 1
),
sequenced AS (
    -- for the return-from-temporary rule: the type of the placement just before, and the type and postcode
    -- of the last non-temporary placement before this one
    SELECT u.*,
           list_contains($temporary_placement_types, u.placement_type) AS is_temporary,
           lag(u.placement_type) OVER w AS previous_type,
           last_value(CASE WHEN NOT coalesce(list_contains($temporary_placement_types, u.placement_type), false)
                           THEN {'placement_type': u.placement_type, 'postcode': u.postcode} END IGNORE NULLS)
               OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS left_placement
    FROM usable AS u
    WINDOW w AS (PARTITION BY u.person_id ORDER BY u.start_date, u.placement_id)
),
counted AS (
    SELECT s.person_id, s.placement_id, s.start_date, s.end_date
    FROM sequenced AS s
    LEFT JOIN starting_episode AS se ON se.placement_id = s.placement_id
    LEFT JOIN short_break AS sb ON sb.placement_id = s.placement_id
    WHERE coalesce(list_contains($carer_change_reasons, se.start_reason), false)   -- S, P, B; not L, T, U
      AND NOT coalesce(s.is_temporary, false)                                         -- not T0-T4
      AND NOT coalesce(list_contains($temporary_placement_types, s.previous_type)     -- not the return from
                       AND s.left_placement.placement_type = s.placement_type         -- a temporary placement
                       AND s.left_placement.postcode IS NOT DISTINCT FROM s.postcode, false)
      AND NOT coalesce(sb.short_break, false)                                         -- not a short break
      AND (s.end_date IS NULL OR date_diff('day', s.start_date, s.end_date) >= $min_placement_days)
),
cohort AS (
    SELECT s.period_end, s.person_id,
           CAST(last_day(s.period_end - to_months(CAST($lookback_months AS INTEGER))) + INTERVAL 1 DAY AS DATE)
               AS lookback_start
    FROM cla_snapshot AS s
),
per_child AS (
    -- overlap as the spec words it: start <= period end and (end is null or end > window start)
    SELECT c.period_end, c.person_id, count(p.placement_id) AS placements
    FROM cohort AS c
    LEFT JOIN counted AS p
      ON p.person_id = c.person_id AND p.start_date <= c.period_end
     AND (p.end_date IS NULL OR p.end_date > c.lookback_start)
    GROUP BY c.period_end, c.person_id
)
SELECT w.period_end,
       w.basis,
       c.person_id AS record_id,
       c.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(c.placements >= $min_placements AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM per_child AS c
JOIN kpi_windows AS w ON w.period_end = c.period_end AND w.basis = 'snapshot'
LEFT JOIN person_area AS pa ON pa.person_id = c.person_id
WHERE list_contains($bases, w.basis)
