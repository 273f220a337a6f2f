-- KPI18 (adoption scorecard A2): mean days from the court authority to place a child for adoption to the
-- match with adopters, for children adopted (left care E11/E12) in the window who were placed for adoption
-- before the adoption order. Each adoption sits in the window containing its adoption (care ceased) date.
WITH adopted AS (
    SELECT l.episode_id, l.person_id, l.cla_id, l.ceased_date AS adoption_date
    FROM cla_leaving AS l
    WHERE list_contains($adoption_reasons, l.ceased_reason) AND NOT l.short_break
),
permanence AS (
    -- the child's ssd_permanence row for this period of care (perm_cla_id = clae_cla_id), else the child's
    -- latest placed-for-adoption record
    SELECT episode_id, placed_date, placement_order_date, matched_date
    FROM (
        SELECT a.episode_id,
               p.perm_placed_for_adoption_date AS placed_date,
               p.perm_placement_order_date AS placement_order_date,
               p.perm_matched_date AS matched_date,
               row_number() OVER (PARTITION BY a.episode_id
                                  ORDER BY (p.perm_cla_id IS NOT DISTINCT FROM a.cla_id) DESC,
                                           p.perm_placed_for_adoption_date DESC NULLS LAST,
                                           p.perm_matched_date DESC NULLS LAST) AS rn
        FROM adopted AS a
        JOIN ssd_permanence AS p ON p.perm_person_id = a.person_id
    )
    WHERE rn = 1
),
first_order_status AS (
    -- the first start of legal status E1 (placement order) or D1 (freeing order) on or before the adoption
    SELECT a.episode_id, min(l.start_date) AS first_start
    FROM adopted AS a
    JOIN cla_legal AS l
      ON l.person_id = a.person_id AND list_contains($court_authority_statuses, l.legal_status)
     AND l.start_date <= a.adoption_date
    GROUP BY a.episode_id
),
measured AS (
    SELECT a.*, p.placed_date, p.matched_date,
           coalesce(p.placement_order_date, f.first_start) AS authority_date,
           -- a match before the order counts 0 days
           greatest(date_diff('day', coalesce(p.placement_order_date, f.first_start), p.matched_date), 0) AS days
    FROM adopted AS a
    LEFT JOIN permanence AS p ON p.episode_id = a.episode_id
    LEFT JOIN first_order_status AS f ON f.episode_id = a.episode_id
)
SELECT w.period_end,
       w.basis,
       m.episode_id AS record_id,
       m.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(m.days, 0) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE
           WHEN m.placed_date IS NULL THEN 'placed for adoption date missing'
           WHEN m.placed_date > m.adoption_date THEN 'placed for adoption after the adoption order'
           WHEN m.authority_date IS NULL THEN 'no court authority to place (no placement order, E1 or D1)'
           WHEN m.matched_date IS NULL THEN 'matched date missing'
       END AS excluded_reason
FROM measured AS m
JOIN kpi_windows AS w ON m.adoption_date BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = m.person_id
WHERE list_contains($bases, w.basis)
