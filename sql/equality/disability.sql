-- Disability where recorded: a child with any disability code other than NONE (CIN census codes) is disabled.
-- ssd_disability is an optional contract table: read only when it holds rows (pipelines/lib/equality.py).
CREATE OR REPLACE TEMP VIEW equality_disability AS
SELECT disa_person_id AS person_id,
       bool_or(coalesce(upper(trim(disa_disability_code)), 'NONE') NOT IN ('NONE', '')) AS disabled
FROM ssd_disability
GROUP BY disa_person_id
