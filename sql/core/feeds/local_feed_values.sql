-- The current drop's local-feed figures (bare `local_feeds` = current.local_feeds after use_current), one row
-- per measure and period_end, joined to what the measure cards say of each measure. The cards arrive as bound
-- parallel lists ($feed_measures, $feed_families, $feed_frequencies, $feed_value_kinds; unnested together).
-- A percentage supplied as counts with the value blank gets 100 * numerator / denominator; a zero denominator
-- leaves it blank (nothing in the denominator). Rows for ids no card knows are left out (the checks report them).
WITH cards AS (
    SELECT unnest($feed_measures) AS measure_id, unnest($feed_families) AS family,
           unnest($feed_frequencies) AS frequency, unnest($feed_value_kinds) AS value_kind
)
SELECT f.measure_id, f.period_end, f.numerator, f.denominator,
       CASE WHEN f.value IS NOT NULL THEN f.value
            WHEN c.value_kind = 'percent' AND f.denominator > 0 AND f.numerator IS NOT NULL
                THEN 100.0 * f.numerator / f.denominator
       END AS value,
       f.source_note, c.frequency, c.family
FROM local_feeds AS f
JOIN cards AS c ON c.measure_id = f.measure_id
WHERE f.period_end IS NOT NULL
ORDER BY f.measure_id, f.period_end
