-- CDS_FP13 (adoption scorecard A10): mean days from entering care to moving in with the adoptive family, for
-- children adopted (left care E11/E12) in the window. Each adoption sits in the window containing its adoption
-- (care ceased) date. Entering care = the start of the period of care that ended in adoption. Moving in = the
-- earliest of
--   perm_placed_ffa_cp_date     placed with the carers who later adopt under fostering for adoption / concurrent
--                               planning (the clock stops when the child moves in with them);
--   perm_placed_for_adoption_date;
--   with $move_in_from_placements: the start of the child's run of placements with the carers they were adopted
--                               by - the last placement of the period of care and the placements before it that
--                               it continued with the same carers (its episode began with reason T or U), so a
--                               child adopted by their own foster carers moved in when the foster placement began.
WITH adopted AS (
    SELECT l.episode_id, l.person_id, l.cla_id, l.period_start AS entered_care, l.ceased_date AS adoption_date
    FROM cla_leaving AS l
    WHERE list_contains(CAST($adoption_reasons AS VARCHAR[]), l.ceased_reason) AND NOT l.short_break
),
permanence AS (
    -- the child's ssd_permanence row for this period of care (perm_cla_id = clae_cla_id), else the child's
    -- latest placed-for-adoption record (as KPI18/KPI19)
    SELECT episode_id, placed_date, ffa_date
    FROM (
        SELECT a.episode_id,
               p.perm_placed_for_adoption_date AS placed_date,
               p.perm_placed_ffa_cp_date AS ffa_date,
               row_number() OVER (PARTITION BY a.episode_id
                                  ORDER BY (p.perm_cla_id IS NOT DISTINCT FROM a.cla_id) DESC,
                                           p.perm_placed_for_adoption_date DESC NULLS LAST,
                                           p.perm_placed_ffa_cp_date DESC NULLS LAST) AS rn
        FROM adopted AS a
        JOIN ssd_permanence AS p ON p.perm_person_id = a.person_id
    )
    WHERE rn = 1
),
placements AS (
    -- the child's placements that began during the period of care, each flagged when it began with the same
    -- carers as the one before (an episode starting that day, linked to it, with a same-carer start reason)
    SELECT a.episode_id, p.placement_id, p.start_date,
           coalesce(bool_or(list_contains(CAST($same_carer_reasons AS VARCHAR[]), e.start_reason)), false)
               AS same_carers
    FROM adopted AS a
    JOIN cla_placement AS p
      ON p.person_id = a.person_id AND p.start_date BETWEEN a.entered_care AND a.adoption_date
    LEFT JOIN cla_episode AS e
      ON e.person_id = a.person_id AND e.placement_id = p.placement_id AND e.start_date = p.start_date
    GROUP BY a.episode_id, p.placement_id, p.start_date
),
carer_runs AS (
    -- a new run of carers starts at every placement that did not continue with the same carers
    SELECT *,
           sum(CASE WHEN same_carers THEN 0 ELSE 1 END) OVER (PARTITION BY episode_id
                                                               ORDER BY start_date, placement_id) AS run_no
    FROM placements
),
adopters_run AS (
    -- the run holding the last placement before the adoption: the carers the child was adopted by
    SELECT episode_id, min(start_date) AS run_start
    FROM (SELECT *, max(run_no) OVER (PARTITION BY episode_id) AS last_run FROM carer_runs)
    WHERE run_no = last_run
    GROUP BY episode_id
),
measured AS (
    SELECT a.*, p.placed_date, p.ffa_date,
           -- least() ignores NULLs: the earliest recorded move-in date
           least(p.ffa_date, p.placed_date, CASE WHEN $move_in_from_placements THEN r.run_start END) AS moved_in
    FROM adopted AS a
    LEFT JOIN permanence AS p ON p.episode_id = a.episode_id
    LEFT JOIN adopters_run AS r ON r.episode_id = a.episode_id
)
SELECT w.period_end,
       w.basis,
       m.episode_id AS record_id,
       m.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(date_diff('day', m.entered_care, m.moved_in), 0) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE
           WHEN m.moved_in IS NULL THEN 'moved-in date missing (no placed for adoption or FFA date)'
           WHEN m.moved_in < m.entered_care THEN 'moved in before entering care'
           WHEN m.moved_in > m.adoption_date THEN 'moved in after the adoption order'
       END AS excluded_reason
FROM measured AS m
JOIN kpi_windows AS w ON m.adoption_date BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = m.person_id
WHERE list_contains($bases, w.basis)
