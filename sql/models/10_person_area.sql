-- role: breakdown (the council a person's records are counted under: a table read only through it never makes a figure "no data";
-- see pipelines/lib/lineage.py)
-- The owning council of each person: the council of their latest HOME address's postcode
-- (postcode_ref carries the upper-tier authority's DfE la_code). A home outside the owning
-- councils is 'other'; no home postcode, or one the reference cannot locate, is 'unknown'.
CREATE OR REPLACE TEMP TABLE person_area AS
WITH home AS (
    SELECT addr_person_id AS person_id,
           addr_address_postcode AS postcode,
           row_number() OVER (
               PARTITION BY addr_person_id
               ORDER BY addr_address_start_date DESC NULLS LAST, addr_address_end_date DESC NULLS FIRST,
                        addr_address_postcode
           ) AS rn
    FROM ssd_address
    WHERE addr_address_type = 'HOME' AND addr_person_id IS NOT NULL
),
located AS (
    SELECT h.person_id, p.la_code
    FROM home AS h
    LEFT JOIN postcode_ref AS p ON p.postcode = h.postcode
    WHERE h.rn = 1
)
SELECT person_id,
       CASE
           WHEN la_code IN (SELECT la_code FROM area_lookup) THEN la_code
           WHEN la_code IS NOT NULL THEN 'other'
           ELSE 'unknown'
       END AS area
FROM located;
