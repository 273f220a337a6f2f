-- CDS_FP09: children looked after whose views were conveyed to their statutory reviews (SSDA903 participation
-- codes PN1-PN6: they took up the opportunity to be consulted). One record per child per period and basis: the
-- child's reviews held in the window (ssd_cla_reviews, by review date), reviews under a short break (V3/V4 in
-- force on the review date) left out. A review coded PN0 (under 4) is not applicable and a review with a blank
-- or unrecognised code cannot be read; neither counts. Numerator: consulted at every counted review in the
-- window ($consulted_at_every_review), or at least one. A child with only PN0 reviews in the window is outside
-- the measure; one with no readable code (other than PN0) is excluded with the reason.
WITH cla_child AS (
    -- the child of each period of care (clar_cla_id = clae_cla_id)
    SELECT cla_id, min(person_id) AS person_id
    FROM cla_episode
    WHERE cla_id IS NOT NULL
    GROUP BY cla_id
),
reviews AS (
    SELECT r.clar_cla_id AS cla_id,
           r.clar_cla_review_due_date AS due_date,
           r.clar_cla_review_date AS review_date,
           c.person_id,
           -- '903 code first': PN1, 'PN 1', 'PN1 - child attends and speaks' all read as PN1
           CASE WHEN regexp_matches(upper(trim(r.clar_cla_review_participation)), '^PN\s*[0-9]')
                THEN 'PN' || regexp_extract(upper(trim(r.clar_cla_review_participation)), '^PN\s*([0-9])', 1)
                ELSE nullif(upper(trim(r.clar_cla_review_participation)), '')
           END AS code
    FROM ssd_cla_reviews AS r
    LEFT JOIN cla_child AS c ON c.cla_id = r.clar_cla_id
    WHERE r.clar_cla_review_date IS NOT NULL
),
review_status AS (
    -- short break on the review date: the latest-starting legal status in force then (ties to the status that
    -- is not a short break), as cla_snapshot
    SELECT v.cla_id, v.due_date, v.review_date, v.person_id, v.code,
           coalesce(first(l.short_break ORDER BY l.start_date DESC, l.short_break), false) AS short_break
    FROM reviews AS v
    LEFT JOIN cla_legal AS l
      ON l.person_id = v.person_id AND l.start_date <= v.review_date
     AND (l.end_date IS NULL OR l.end_date >= v.review_date)
    GROUP BY v.cla_id, v.due_date, v.review_date, v.person_id, v.code
),
classified AS (
    SELECT *,
           list_contains(list_transform(CAST($consulted_codes AS VARCHAR[]), lambda x: upper(trim(x))),
                         code) AS consulted,
           coalesce(list_contains(list_transform(CAST($consulted_codes AS VARCHAR[]), lambda x: upper(trim(x))), code)
                    OR list_contains(list_transform(CAST($not_consulted_codes AS VARCHAR[]),
                                                    lambda x: upper(trim(x))), code), false) AS counted,
           coalesce(list_contains(list_transform(CAST($not_applicable_codes AS VARCHAR[]),
                                                 lambda x: upper(trim(x))), code), false) AS not_applicable
    FROM review_status
    WHERE NOT short_break
),
per_child AS (
    SELECT w.period_end, w.basis, c.person_id,
           count(*) FILTER (WHERE c.counted) AS counted_reviews,
           count(*) FILTER (WHERE c.counted AND c.consulted) AS consulted_reviews,
           count(*) FILTER (WHERE NOT c.counted AND NOT c.not_applicable) AS unreadable_reviews
    FROM classified AS c
    JOIN kpi_windows AS w ON c.review_date BETWEEN w.window_start AND w.window_end
    WHERE c.person_id IS NOT NULL AND list_contains($bases, w.basis)
    GROUP BY w.period_end, w.basis, c.person_id
),
record_rows AS (
    SELECT period_end, basis, person_id, person_id AS record_id,
           CAST(CASE WHEN $consulted_at_every_review THEN consulted_reviews = counted_reviews
                     ELSE consulted_reviews > 0 END AND counted_reviews > 0 AS DOUBLE) AS numerator,
           CAST(1 AS DOUBLE) AS denominator,
           CASE WHEN counted_reviews = 0 THEN 'participation code missing or not recognised' END AS excluded_reason
    FROM per_child
    -- a child under 4 at every review in the window (PN0 only) is outside the measure, not an exclusion
    WHERE counted_reviews > 0 OR unreadable_reviews > 0
    UNION ALL
    -- a review whose period of care matches no episode cannot be given to a child: shown on its own
    SELECT w.period_end, w.basis, CAST(NULL AS VARCHAR),
           'review of ' || c.cla_id || ' due ' || coalesce(CAST(c.due_date AS VARCHAR), '?'),
           CAST(0 AS DOUBLE), CAST(0 AS DOUBLE), 'review not linked to a period of care'
    FROM classified AS c
    JOIN kpi_windows AS w ON c.review_date BETWEEN w.window_start AND w.window_end
    WHERE c.person_id IS NULL AND list_contains($bases, w.basis)
)
SELECT r.period_end,
       r.basis,
       r.record_id,
       r.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       r.numerator,
       r.denominator,
       r.excluded_reason
FROM record_rows AS r
LEFT JOIN person_area AS pa ON pa.person_id = r.person_id
