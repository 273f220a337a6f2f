-- CDS_KS02: children on a child protection plan at the period end, continuously for at least 3 months, whose
-- reviews were all held in time (DfE CIN census d6 / LAIT RevCP). The schedule is computed from the dates, not
-- from cppr_cp_review_due: the first review is due $first_review_months after the initial conference, each later
-- one $review_interval_months after the review actually held before it (a late or early review moves the next
-- due date). At the period end a review is late when held after its due date, or when its due date has passed
-- (on or before the period end) and it has not been held.
WITH plans AS (
    SELECT row_number() OVER () AS rid,          -- row identity: plan ids are not trusted to be unique
           cppl_cp_plan_id AS plan_id,
           cppl_person_id AS person_id,
           cppl_icpc_id AS icpc_id,
           cppl_cp_plan_start_date AS start_date,
           cppl_cp_plan_end_date AS end_date
    FROM ssd_cp_plans
    WHERE cppl_person_id IS NOT NULL AND cppl_cp_plan_start_date IS NOT NULL
),
conference AS (
    -- the conference that made the plan: the plan's own icpc id first, else an ICPC naming the plan
    SELECT rid, icpc_date
    FROM (
        SELECT p.rid, c.icpc_icpc_date AS icpc_date,
               row_number() OVER (PARTITION BY p.rid
                                  ORDER BY coalesce(c.icpc_icpc_id = p.icpc_id, false) DESC, c.icpc_icpc_date) AS rn
        FROM plans AS p
        JOIN ssd_initial_cp_conference AS c
          ON c.icpc_icpc_id = p.icpc_id OR c.icpc_cp_plan_id = p.plan_id
        WHERE c.icpc_icpc_date IS NOT NULL
    )
    WHERE rn = 1
),
anchored AS (
    -- the first review is due from the conference date; without a linked, dated conference, from the plan start
    SELECT p.*, coalesce(c.icpc_date, p.start_date) AS conference_date
    FROM plans AS p
    LEFT JOIN conference AS c ON c.rid = p.rid
),
linked_reviews AS (
    -- reviews of the plan: by plan id; a review without a plan id belongs to the child's plan it falls within
    SELECT a.rid, r.cppr_cp_review_date AS held_date
    FROM anchored AS a
    JOIN ssd_cp_reviews AS r ON r.cppr_cp_plan_id = a.plan_id
    UNION
    SELECT a.rid, r.cppr_cp_review_date
    FROM anchored AS a
    JOIN ssd_cp_reviews AS r
      ON r.cppr_cp_plan_id IS NULL AND r.cppr_person_id = a.person_id
     AND r.cppr_cp_review_date >= a.start_date
     AND (a.end_date IS NULL OR r.cppr_cp_review_date <= a.end_date)
),
reviews AS (
    -- held reviews in date order, each with its due date (reviews held on the same day are one review; a
    -- review dated on or before the conference cannot be a review of this plan)
    SELECT l.rid, l.held_date,
           CAST(coalesce(lag(l.held_date) OVER w + to_months(CAST($review_interval_months AS INTEGER)),
                         a.conference_date + to_months(CAST($first_review_months AS INTEGER))) AS DATE) AS due_date
    FROM linked_reviews AS l
    JOIN anchored AS a ON a.rid = l.rid
    WHERE l.held_date IS NOT NULL AND l.held_date > a.conference_date
    WINDOW w AS (PARTITION BY l.rid ORDER BY l.held_date)
),
cohort AS (
    -- open at the period end (start <= period_end, end null or after it) and begun on or before the last day of
    -- the month $min_months_on_plan months earlier; one plan per child (the latest-starting)
    SELECT w.period_end, w.basis, a.*
    FROM kpi_windows AS w
    JOIN anchored AS a
      ON a.start_date <= CAST(last_day(w.period_end - to_months(CAST($min_months_on_plan AS INTEGER))) AS DATE)
     AND (a.end_date IS NULL OR a.end_date > w.period_end)
    WHERE w.basis = 'snapshot' AND list_contains($bases, w.basis)
    QUALIFY row_number() OVER (PARTITION BY w.period_end, a.person_id ORDER BY a.start_date DESC, a.plan_id DESC) = 1
),
status AS (
    SELECT c.period_end, c.basis, c.rid, c.plan_id, c.person_id, c.conference_date,
           count(r.held_date) FILTER (WHERE r.held_date > r.due_date) AS late_reviews,
           max(r.held_date) AS last_held
    FROM cohort AS c
    LEFT JOIN reviews AS r ON r.rid = c.rid AND r.held_date <= c.period_end
    GROUP BY ALL
),
judged AS (
    SELECT *,
           CAST(CASE WHEN last_held IS NULL
                     THEN conference_date + to_months(CAST($first_review_months AS INTEGER))
                     ELSE last_held + to_months(CAST($review_interval_months AS INTEGER)) END AS DATE) AS next_due
    FROM status
)
SELECT j.period_end,
       j.basis,
       j.plan_id AS record_id,
       j.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,      -- ssd_cp_plans carries no team or worker
       CAST(NULL AS VARCHAR) AS worker,
       CAST(j.late_reviews = 0 AND j.next_due > j.period_end AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM judged AS j
LEFT JOIN person_area AS pa ON pa.person_id = j.person_id
