-- DfE rules: 903/392c, 903/392b, 903/392a, 903/164
-- kind: row
-- severity: critical, warning
-- Home and placement postcodes of children looked after in the period can be located (main.postcode_ref: the
-- drop's postcodes that the ONS-based reference knows; a malformed or retired postcode is not there). KPI12
-- (and CDS_FP10) measure the distance between the two, so findings name KPI12 only (placement moves, KPI07 and
-- KPI08, do not read postcodes). Critical: a postcode that is recorded but cannot be located, with no recorded
-- distance to fall back on - an impossible value that silently keeps the child out of the numerator. Warning:
-- a blank postcode or no home address (missing data, which KPI12 reports as 'distance unknown (kept in the
-- denominator)', as a missing date is reported), and any postcode a recorded distance stands in for.
-- Short breaks (V3/V4 in force at the placement start) are left out, as KPI12 leaves them out.
WITH placed AS (
    SELECT pl.drop_id, pl.source_file, pl.source_row, pl.clap_person_id AS person_id,
           pl.clap_cla_placement_postcode AS postcode, pl.clap_cla_placement_distance AS recorded_miles,
           pl.clap_cla_placement_start_date AS start_date,
           coalesce(pl.clap_cla_placement_end_date, CAST($period_end AS DATE)) AS end_date
    FROM staged.ssd_cla_placement AS pl
    WHERE pl.drop_id = $drop_id
      AND pl.clap_cla_placement_start_date <= $period_end
      AND coalesce(pl.clap_cla_placement_end_date, DATE '9999-12-31') >= $period_start
      AND NOT EXISTS (
          SELECT 1 FROM staged.ssd_legal_status AS l
          WHERE l.drop_id = pl.drop_id AND l.lega_person_id = pl.clap_person_id
            AND l.lega_legal_status IN ('V3', 'V4')
            AND l.lega_legal_status_start_date <= pl.clap_cla_placement_start_date
            AND coalesce(l.lega_legal_status_end_date, DATE '9999-12-31') >= pl.clap_cla_placement_start_date)
),
homes AS (
    SELECT a.source_file, a.source_row, a.addr_person_id AS person_id, a.addr_address_postcode AS postcode,
           a.addr_address_start_date AS start_date, a.addr_address_end_date AS end_date
    FROM staged.ssd_address AS a
    WHERE a.drop_id = $drop_id AND a.addr_address_type = 'HOME'
),
findings AS (
    -- the placement postcode
    SELECT p.source_file, p.source_row, 'ssd_cla_placement' AS table_name,
           'clap_cla_placement_postcode' AS column_name, p.postcode IS NOT NULL AND p.recorded_miles IS NULL AS wrong,
           CASE WHEN p.postcode IS NULL THEN 'no placement postcode' ELSE 'placement postcode not located' END
               AS detail
    FROM placed AS p
    WHERE p.postcode IS NULL OR p.postcode NOT IN (SELECT postcode FROM main.postcode_ref)
    UNION ALL
    -- a home postcode in force during the placement
    SELECT DISTINCT h.source_file, h.source_row, 'ssd_address', 'addr_address_postcode',
           h.postcode IS NOT NULL AND bool_or(p.recorded_miles IS NULL) OVER (PARTITION BY h.source_file, h.source_row),
           CASE WHEN h.postcode IS NULL THEN 'no home postcode' ELSE 'home postcode not located' END
    FROM placed AS p
    JOIN homes AS h ON h.person_id = p.person_id
     AND coalesce(h.start_date, DATE '0001-01-01') <= p.end_date
     AND coalesce(h.end_date, DATE '9999-12-31') >= p.start_date
    WHERE h.postcode IS NULL OR h.postcode NOT IN (SELECT postcode FROM main.postcode_ref)
    UNION ALL
    -- no home address at all: reported on the placement
    SELECT p.source_file, p.source_row, 'ssd_cla_placement', 'clap_cla_placement_distance',
           false, 'no home address recorded for the child'
    FROM placed AS p
    WHERE NOT EXISTS (SELECT 1 FROM homes AS h WHERE h.person_id = p.person_id)
)
SELECT source_file, source_row, table_name, column_name,
       'home and placement postcodes located for the distance from home' AS rule,
       CASE WHEN wrong THEN 'critical' ELSE 'warning' END AS severity,
       detail || CASE WHEN wrong THEN ' and no recorded distance' ELSE '' END AS detail,
       'KPI12' AS kpi_id
FROM findings
