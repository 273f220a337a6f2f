-- KPI19: children adopted (left care E11/E12) in the period who were placed for adoption within 12 months of
-- the agency decision (ADM) that they should be adopted. Each adoption sits in the period containing its
-- adoption (care ceased) date. "Within 12 months" = on or before the ADM date + 12 months (the interval is
-- added to the earlier date: 2023-02-28 + 12 months = 2024-02-28).
WITH adopted AS (
    SELECT l.episode_id, l.person_id, l.cla_id, l.ceased_date AS adoption_date
    FROM cla_leaving AS l
    WHERE list_contains($adoption_reasons, l.ceased_reason) AND NOT l.short_break
),
permanence AS (
    -- the child's ssd_permanence row for this period of care (perm_cla_id = clae_cla_id), else the child's
    -- latest placed-for-adoption record
    SELECT episode_id, adm_date, placed_date
    FROM (
        SELECT a.episode_id,
               p.perm_adm_decision_date AS adm_date,
               p.perm_placed_for_adoption_date AS placed_date,
               row_number() OVER (PARTITION BY a.episode_id
                                  ORDER BY (p.perm_cla_id IS NOT DISTINCT FROM a.cla_id) DESC,
                                           p.perm_placed_for_adoption_date DESC NULLS LAST,
                                           p.perm_adm_decision_date DESC NULLS LAST) AS rn
        FROM adopted AS a
        JOIN ssd_permanence AS p ON p.perm_person_id = a.person_id
    )
    WHERE rn = 1
),
measured AS (
    SELECT a.*, p.adm_date, p.placed_date,
           CAST(p.adm_date + to_months(CAST($within_months AS INTEGER)) AS DATE) AS deadline
    FROM adopted AS a
    LEFT JOIN permanence AS p ON p.episode_id = a.episode_id
)
SELECT w.period_end,
       w.basis,
       m.episode_id AS record_id,
       m.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       CAST(coalesce(m.placed_date <= m.deadline, false) AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE
           WHEN m.adm_date IS NULL THEN 'ADM decision date missing'
           WHEN m.placed_date IS NULL THEN 'placed for adoption date missing'
       END AS excluded_reason
FROM measured AS m
JOIN kpi_windows AS w ON m.adoption_date BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = m.person_id
WHERE list_contains($bases, w.basis)
