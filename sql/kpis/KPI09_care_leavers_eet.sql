-- KPI09: care leavers with a 17th-21st birthday in the window who are in education, employment or training.
-- One row per care leaver per period and basis. The care-leaver row is the current status (one row per
-- person in ssd_care_leavers); it stands for the status around the birthday.
WITH lega AS (
    SELECT lega_person_id AS person_id,
           lega_legal_status AS status,
           lega_legal_status_start_date AS start_date,
           lega_legal_status_end_date AS end_date
    FROM ssd_legal_status
    WHERE lega_person_id IS NOT NULL AND lega_legal_status IS NOT NULL
),
short_break AS (
    -- Short breaks (kpis.md): looked after only under V3/V4, or the status in force when care ended (the
    -- latest status: latest start, then latest end, open = latest) was V3/V4.
    SELECT person_id
    FROM lega
    GROUP BY person_id
    HAVING bool_and(list_contains(CAST($short_break_statuses AS VARCHAR[]), status))
        OR list_contains(CAST($short_break_statuses AS VARCHAR[]),
                         arg_max(status, struct_pack(s := coalesce(start_date, DATE '0001-01-01'),
                                                     e := coalesce(end_date, DATE '9999-12-31'),
                                                     st := status)))
),
leavers AS (
    SELECT c.clea_person_id AS person_id,
           p.pers_dob AS dob,
           c.clea_care_leaver_activity AS activity,
           c.clea_care_leaver_allocated_team AS team,
           c.clea_care_leaver_worker_id AS worker,
           p.pers_death_date AS death_date
    FROM ssd_care_leavers AS c
    LEFT JOIN ssd_person AS p ON p.pers_person_id = c.clea_person_id
    WHERE c.clea_person_id IS NOT NULL
      -- relevant / former relevant only: qualifying, eligible (still in care) and "no eligibility" are out;
      -- matched on the upper-cased letters of the value, as prefixes; a blank eligibility stays in
      AND len(list_filter(CAST($excluded_eligibility AS VARCHAR[]),
                          lambda x: starts_with(regexp_replace(upper(coalesce(c.clea_care_leaver_eligibility, '')),
                                                               '[^A-Z]', '', 'g'),
                                                upper(x)))) = 0
      -- died or returned home are out; not in touch / refused / no longer requiring services stay in
      AND NOT list_contains(CAST($excluded_in_touch AS VARCHAR[]), coalesce(c.clea_care_leaver_in_touch, ''))
      AND c.clea_person_id NOT IN (SELECT person_id FROM short_break)
),
birthdays AS (
    -- the 17th..21st birthdays (month arithmetic on the earlier date: 29 Feb + 17 years = 28 Feb)
    SELECT l.*, CAST(l.dob + to_years(CAST(k.age AS INTEGER)) AS DATE) AS birthday
    FROM leavers AS l
    CROSS JOIN range(CAST($min_age AS BIGINT), CAST($max_age AS BIGINT) + 1) AS k(age)
    WHERE l.dob IS NOT NULL
)
SELECT w.period_end,
       w.basis,
       b.person_id AS record_id,
       b.person_id,
       coalesce(pa.area, 'unknown') AS area,
       b.team,
       b.worker,
       CAST(coalesce(list_contains(CAST($activity_codes AS VARCHAR[]), b.activity), false) AS DOUBLE)
           AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM birthdays AS b
JOIN kpi_windows AS w ON b.birthday BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = b.person_id
WHERE list_contains($bases, w.basis)
  -- a young person who died (death recorded on or before the period end) is out, like in touch DIED
  AND NOT ($exclude_recorded_deaths AND b.death_date IS NOT NULL AND b.death_date <= w.period_end)
-- a window of 12 months or less holds at most one such birthday; keep one row per person regardless
QUALIFY row_number() OVER (PARTITION BY w.period_end, w.basis, b.person_id ORDER BY b.birthday) = 1
