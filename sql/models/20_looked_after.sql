-- Looked-after children, shared by KPI07, KPI08, KPI12, KPI18, KPI19 and KPI21:
--   cla_legal     legal statuses (V3/V4 = an agreed series of short-term placements, "short breaks")
--   cla_episode   usable episodes, grouped into periods of care, with the leaving-care flag
--   cla_placement one row per placement; the child is clap_person_id, else the child of an episode linked to it
--   cla_snapshot  the children looked after at each reporting period end, short breaks excluded, with the
--                 period of care they are in and their current placement
--   cla_leaving   every leaving of care, flagged when the status in force when care ended is V3/V4
-- A legal status is "in force on day d" when start <= d and (end is null or end >= d); when several are,
-- the latest-starting one is the child's status (a tie goes to the status that is not a short break).

CREATE OR REPLACE TEMP TABLE cla_legal AS
SELECT lega_person_id AS person_id,
       lega_legal_status AS legal_status,
       lega_legal_status_start_date AS start_date,
       lega_legal_status_end_date AS end_date,
       coalesce(lega_legal_status IN ('V3', 'V4'), false) AS short_break
FROM ssd_legal_status
WHERE lega_person_id IS NOT NULL AND lega_legal_status_start_date IS NOT NULL;

-- Episodes with a start date and no end before their start (the others cannot be placed in time; the
-- data-quality checks report them). A period of care is a run of episodes in which each episode starts on
-- the day the previous one ceased with reason X1 (or with no reason recorded); a gap, or an episode that
-- ended with any other reason, starts a new period. Leaving care = the last episode of a period ceasing with
-- a reason other than X1 (kpis.md: X1 is not leaving care).
CREATE OR REPLACE TEMP TABLE cla_episode AS
WITH e AS (
    SELECT clae_cla_episode_id AS episode_id,
           clae_person_id AS person_id,
           clae_cla_id AS cla_id,
           clae_cla_episode_start_date AS start_date,
           clae_cla_episode_start_reason AS start_reason,
           clae_cla_episode_ceased_date AS ceased_date,
           clae_cla_episode_ceased_reason AS ceased_reason,
           clae_cla_placement_id AS placement_id
    FROM ssd_cla_episodes
    WHERE clae_person_id IS NOT NULL
      AND clae_cla_episode_start_date IS NOT NULL
      AND (clae_cla_episode_ceased_date IS NULL OR clae_cla_episode_ceased_date >= clae_cla_episode_start_date)
),
ordered AS (
    SELECT *,
           row_number() OVER w AS seq,
           lag(ceased_date) OVER w AS prev_ceased,
           lag(ceased_reason) OVER w AS prev_reason
    FROM e
    WINDOW w AS (PARTITION BY person_id ORDER BY start_date, ceased_date NULLS LAST, episode_id)
),
flagged AS (
    SELECT *,
           seq = 1 OR (prev_ceased IS NOT NULL
                       AND (start_date > prev_ceased
                            OR (start_date = prev_ceased AND prev_reason IS NOT NULL AND prev_reason <> 'X1')))
               AS new_period
    FROM ordered
),
numbered AS (
    SELECT *, sum(CAST(new_period AS INTEGER)) OVER (PARTITION BY person_id ORDER BY seq) AS period_no
    FROM flagged
)
SELECT episode_id, person_id, cla_id, start_date, start_reason, ceased_date, ceased_reason, placement_id, seq,
       period_no,
       min(start_date) OVER p AS period_start,
       seq = max(seq) OVER p AS last_in_period,
       (seq = max(seq) OVER p AND ceased_date IS NOT NULL AND coalesce(ceased_reason, '') <> 'X1') AS ends_care
FROM numbered
WINDOW p AS (PARTITION BY person_id, period_no);

CREATE OR REPLACE TEMP TABLE cla_placement AS
WITH linked_person AS (
    SELECT placement_id, min(person_id) AS person_id
    FROM cla_episode
    WHERE placement_id IS NOT NULL
    GROUP BY placement_id
)
SELECT p.clap_cla_placement_id AS placement_id,
       coalesce(any_value(p.clap_person_id), any_value(lp.person_id)) AS person_id,
       any_value(p.clap_cla_placement_start_date) AS start_date,
       any_value(p.clap_cla_placement_end_date) AS end_date,
       any_value(p.clap_cla_placement_type) AS placement_type,
       any_value(p.clap_cla_placement_postcode) AS postcode,
       any_value(p.clap_cla_placement_distance) AS recorded_miles
FROM ssd_cla_placement AS p
LEFT JOIN linked_person AS lp ON lp.placement_id = p.clap_cla_placement_id
WHERE p.clap_cla_placement_id IS NOT NULL
GROUP BY p.clap_cla_placement_id;

-- The children looked after at each period end (an episode open: start <= period_end and (ceased is null or
-- ceased > period_end)), excluding children whose legal status in force at the period end is V3/V4. The
-- current placement is the one the open episode links to (when it is open at the period end), else the
-- child's placement open at the period end with the latest start.
CREATE OR REPLACE TEMP TABLE cla_snapshot AS
WITH ends AS (
    SELECT DISTINCT period_end FROM kpi_windows
),
open_episode AS (
    SELECT d.period_end, e.person_id, e.episode_id, e.cla_id, e.period_start, e.placement_id,
           row_number() OVER (PARTITION BY d.period_end, e.person_id
                              ORDER BY e.start_date DESC, e.episode_id DESC) AS rn
    FROM ends AS d
    JOIN cla_episode AS e
      ON e.start_date <= d.period_end AND (e.ceased_date IS NULL OR e.ceased_date > d.period_end)
),
status AS (
    SELECT o.period_end, o.person_id, l.short_break,
           row_number() OVER (PARTITION BY o.period_end, o.person_id
                              ORDER BY l.start_date DESC, l.short_break) AS rn
    FROM open_episode AS o
    JOIN cla_legal AS l
      ON l.person_id = o.person_id AND l.start_date <= o.period_end
     AND (l.end_date IS NULL OR l.end_date >= o.period_end)
    WHERE o.rn = 1
),
by_person AS (
    SELECT o.period_end, o.person_id, p.placement_id,
           row_number() OVER (PARTITION BY o.period_end, o.person_id
                              ORDER BY p.start_date DESC, p.placement_id DESC) AS rn
    FROM open_episode AS o
    JOIN cla_placement AS p
      ON p.person_id = o.person_id AND p.start_date <= o.period_end
     AND (p.end_date IS NULL OR p.end_date > o.period_end)
    WHERE o.rn = 1
)
SELECT o.period_end, o.person_id, o.episode_id, o.cla_id, o.period_start,
       coalesce(linked.placement_id, bp.placement_id) AS placement_id
FROM open_episode AS o
LEFT JOIN status AS s ON s.period_end = o.period_end AND s.person_id = o.person_id AND s.rn = 1
LEFT JOIN cla_placement AS linked
  ON linked.placement_id = o.placement_id
 AND (linked.start_date IS NULL OR linked.start_date <= o.period_end)
 AND (linked.end_date IS NULL OR linked.end_date > o.period_end)
LEFT JOIN by_person AS bp ON bp.period_end = o.period_end AND bp.person_id = o.person_id AND bp.rn = 1
WHERE o.rn = 1 AND NOT coalesce(s.short_break, false);

-- Every leaving of care (the last episode of a period ceasing with a reason other than X1), with the short-break
-- flag of the legal status in force on the day care ended (for leavers, the status when care ended).
CREATE OR REPLACE TEMP TABLE cla_leaving AS
WITH status AS (
    SELECT e.episode_id, l.short_break,
           row_number() OVER (PARTITION BY e.episode_id ORDER BY l.start_date DESC, l.short_break) AS rn
    FROM cla_episode AS e
    JOIN cla_legal AS l
      ON l.person_id = e.person_id AND l.start_date <= e.ceased_date
     AND (l.end_date IS NULL OR l.end_date >= e.ceased_date)
    WHERE e.ends_care
)
SELECT e.episode_id, e.person_id, e.cla_id, e.period_start, e.ceased_date, e.ceased_reason,
       coalesce(s.short_break, false) AS short_break
FROM cla_episode AS e
LEFT JOIN status AS s ON s.episode_id = e.episode_id AND s.rn = 1
WHERE e.ends_care;
