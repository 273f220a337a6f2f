-- KPI02: referrals with a previous referral of the same child within 12 months.
-- Placed in the period containing the referral date; every referral in the period counts once in the
-- denominator (NFA referrals included). The numerator test is against the latest earlier referral of the
-- same child, from the whole history (before the period too): re-referral when
-- referral_date <= previous_date + 12 months (the interval is added to the earlier date, kpis.md).
WITH referrals AS (
    SELECT row_number() OVER () AS rid,          -- row identity: referral ids are not trusted to be unique
           cine_referral_id AS record_id,
           cine_person_id AS person_id,
           cine_referral_date AS referral_date,
           cine_referral_team AS team,
           cine_referral_worker_id AS worker
    FROM ssd_cin_episodes
    WHERE cine_referral_date IS NOT NULL          -- an undated referral cannot be placed, nor be "earlier"
),
previous AS (
    -- the latest earlier referral of the same child. Same-day referrals are not earlier than each other
    -- unless $same_day_counts_as_rereferral (then the lower referral id is taken as the earlier one).
    SELECT r.rid, max(e.referral_date) AS previous_date
    FROM referrals AS r
    JOIN referrals AS e
      ON e.person_id = r.person_id
     AND e.rid <> r.rid
     AND (e.referral_date < r.referral_date
          OR ($same_day_counts_as_rereferral AND e.referral_date = r.referral_date
              AND e.record_id < r.record_id))
    GROUP BY r.rid
)
SELECT w.period_end,
       w.basis,
       r.record_id,
       r.person_id,
       coalesce(pa.area, 'unknown') AS area,
       r.team,
       r.worker,
       CAST(coalesce(r.referral_date <= CAST(p.previous_date + to_months($rereferral_months) AS DATE), false)
            AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CAST(NULL AS VARCHAR) AS excluded_reason
FROM referrals AS r
JOIN kpi_windows AS w ON r.referral_date BETWEEN w.window_start AND w.window_end
LEFT JOIN previous AS p ON p.rid = r.rid
LEFT JOIN person_area AS pa ON pa.person_id = r.person_id
WHERE list_contains($bases, w.basis)
