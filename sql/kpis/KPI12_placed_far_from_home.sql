-- KPI12: children looked after placed more than 20 miles from home AND outside their own council.
-- Snapshot over cla_snapshot (short breaks left out). Home = the HOME address in force on the day the current
-- period of care began; its council is the child's own council. Distance = straight line between the ONS grid
-- references; the recorded clap_cla_placement_distance is used only when a postcode cannot be located.
-- A child whose distance is unknown stays in the denominator (not in the numerator) and gets a second,
-- information-only row with excluded_reason 'distance unknown (kept in the denominator)' so the clinic sees it.
WITH home AS (
    -- in force on the period start: (start null or <= it) and (end null or >= it); latest start wins
    SELECT period_end, person_id, postcode
    FROM (
        SELECT s.period_end, s.person_id, a.addr_address_postcode AS postcode,
               row_number() OVER (PARTITION BY s.period_end, s.person_id
                                  ORDER BY a.addr_address_start_date DESC NULLS LAST,
                                           a.addr_address_end_date DESC NULLS FIRST,
                                           a.addr_address_postcode) AS rn
        FROM cla_snapshot AS s
        JOIN ssd_address AS a
          ON a.addr_person_id = s.person_id AND a.addr_address_type = 'HOME'
         AND a.addr_address_postcode IS NOT NULL
         AND (a.addr_address_start_date IS NULL OR a.addr_address_start_date <= s.period_start)
         AND (a.addr_address_end_date IS NULL OR a.addr_address_end_date >= s.period_start)
    )
    WHERE rn = 1
),
located AS (
    SELECT s.period_end, s.person_id,
           pl.recorded_miles,
           hr.la_code AS home_la, pr.la_code AS placement_la,
           hr.easting IS NOT NULL AND hr.northing IS NOT NULL
               AND pr.easting IS NOT NULL AND pr.northing IS NOT NULL AS both_located,
           sqrt(power(pr.easting - hr.easting, 2) + power(pr.northing - hr.northing, 2)) / 1000 / $km_per_mile
               AS grid_miles
    FROM cla_snapshot AS s
    LEFT JOIN cla_placement AS pl ON pl.placement_id = s.placement_id
    LEFT JOIN home AS h ON h.period_end = s.period_end AND h.person_id = s.person_id
    LEFT JOIN postcode_ref AS hr ON hr.postcode = h.postcode
    LEFT JOIN postcode_ref AS pr ON pr.postcode = pl.postcode
),
classified AS (
    SELECT period_end, person_id,
           CASE WHEN both_located THEN grid_miles ELSE recorded_miles END AS miles,
           -- outside the child's own council; when a postcode cannot be located its council is unknown and
           -- a recorded distance over the threshold is taken as outside (decision recorded in the card)
           CASE WHEN both_located THEN home_la IS DISTINCT FROM placement_la
                ELSE coalesce(home_la <> placement_la, true) END AS outside
    FROM located
),
record_rows AS (
    SELECT period_end, person_id, person_id AS record_id,
           -- KPI12 itself: outside the council and strictly over the distance; CDS_FP10 runs this file with
           -- $outside_council_only false and $threshold_inclusive true (20 miles or more, anywhere)
           CAST(coalesce((outside OR NOT $outside_council_only)
                         AND (miles > $distance_miles OR ($threshold_inclusive AND miles = $distance_miles)),
                         false) AS DOUBLE) AS numerator,
           CAST(1 AS DOUBLE) AS denominator,
           CAST(NULL AS VARCHAR) AS excluded_reason
    FROM classified
    UNION ALL
    SELECT period_end, person_id, person_id || ' (distance unknown)',
           CAST(0 AS DOUBLE), CAST(0 AS DOUBLE), 'distance unknown (kept in the denominator)'
    FROM classified
    WHERE miles IS NULL
)
SELECT w.period_end,
       w.basis,
       r.record_id,
       r.person_id,
       coalesce(pa.area, 'unknown') AS area,
       CAST(NULL AS VARCHAR) AS team,
       CAST(NULL AS VARCHAR) AS worker,
       r.numerator,
       r.denominator,
       r.excluded_reason
FROM record_rows AS r
JOIN kpi_windows AS w ON w.period_end = r.period_end AND w.basis = 'snapshot'
LEFT JOIN person_area AS pa ON pa.person_id = r.person_id
WHERE list_contains($bases, w.basis)
