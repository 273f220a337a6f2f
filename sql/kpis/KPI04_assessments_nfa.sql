-- KPI04: single assessments closing with no further action.
-- Placed in the period containing the authorisation date. NFA = the assessment's NFA flag when recorded;
-- where the flag is blank, the assessment's referral (CIN episode) closed with a configured NFA reason
-- (RC8/RC9) and no CIN plan, S47 enquiry, CP plan or care started after the assessment.
WITH assessments AS (
    SELECT row_number() OVER () AS rid,          -- row identity: assessment ids are not trusted to be unique
           cina_assessment_id AS record_id,
           cina_person_id AS person_id,
           cina_referral_id AS referral_id,
           cina_assessment_start_date AS start_date,
           cina_assessment_auth_date AS auth_date,
           cina_assessment_outcome_nfa AS nfa_flag,
           cina_assessment_team AS team,
           cina_assessment_worker_id AS worker,
           -- "after the assessment": from its start by default (an S47 begun during the assessment is further
           -- action); from authorisation when configured, or when the start is missing
           CASE WHEN $further_action_from = 'authorisation' THEN cina_assessment_auth_date
                ELSE coalesce(cina_assessment_start_date, cina_assessment_auth_date) END AS action_from
    FROM ssd_cin_assessments
    WHERE cina_assessment_auth_date IS NOT NULL   -- not yet authorised: in no period's denominator
),
further_action AS (
    -- activity that starts a further service; care starting = the start of the period of care
    SELECT cinp_referral_id AS referral_id, cinp_person_id AS person_id, cinp_cin_plan_start_date AS start_date
    FROM ssd_cin_plans
    UNION ALL
    SELECT s47e_referral_id, s47e_person_id, s47e_s47_start_date FROM ssd_s47_enquiry
    UNION ALL
    SELECT cppl_referral_id, cppl_person_id, cppl_cp_plan_start_date FROM ssd_cp_plans
    UNION ALL
    SELECT clae_referral_id, clae_person_id, coalesce(clae_entered_care_date, clae_cla_episode_start_date)
    FROM ssd_cla_episodes
),
fallback AS (
    -- blank flag only: did the referral close RC8/RC9 with nothing further after the assessment?
    -- Activity belongs to the referral when it carries the same referral id, or when it is the same child's
    -- and starts no later than the referral's closure (activity under a later referral is not counted).
    SELECT a.rid,
           bool_or(coalesce(list_contains($nfa_close_reasons, e.cine_close_reason), false)
           -- (two equality-keyed tests rather than one OR, so both run as hash joins)
           AND NOT EXISTS (
               SELECT 1 FROM further_action AS f
               WHERE f.referral_id = a.referral_id AND f.start_date >= a.action_from)
           AND NOT EXISTS (
               SELECT 1 FROM further_action AS f
               WHERE f.person_id = a.person_id AND f.start_date >= a.action_from
                 AND (e.cine_close_date IS NULL OR f.start_date <= e.cine_close_date))
           ) AS closed_nfa
    FROM assessments AS a
    JOIN ssd_cin_episodes AS e ON e.cine_referral_id = a.referral_id
    WHERE a.nfa_flag IS NULL
    GROUP BY a.rid
),
outcome AS (
    -- the flag wins when recorded; a blank flag with no matching episode is not NFA
    SELECT a.*, coalesce(a.nfa_flag, f.closed_nfa, false) AS is_nfa
    FROM assessments AS a
    LEFT JOIN fallback AS f ON f.rid = a.rid
)
SELECT w.period_end,
       w.basis,
       o.record_id,
       o.person_id,
       coalesce(pa.area, 'unknown') AS area,
       o.team,
       o.worker,
       CAST(o.is_nfa AS DOUBLE) AS numerator,
       CAST(1 AS DOUBLE) AS denominator,
       CASE WHEN o.auth_date < o.start_date THEN 'authorised before the assessment start' END AS excluded_reason
FROM outcome AS o
JOIN kpi_windows AS w ON o.auth_date BETWEEN w.window_start AND w.window_end
LEFT JOIN person_area AS pa ON pa.person_id = o.person_id
WHERE list_contains($bases, w.basis)
