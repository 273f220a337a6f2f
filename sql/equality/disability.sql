-- Disability where recorded: a child with any disability code other than NONE (CIN census codes) is disabled.
-- Read only when the warehouse holds ssd_disability (the SSD's table; not in this contract yet).
CREATE OR REPLACE TEMP VIEW equality_disability AS
SELECT disa_person_id AS person_id,
       bool_or(coalesce(upper(trim(disa_disability_code)), 'NONE') NOT IN ('NONE', '')) AS disabled
FROM ssd_disability
GROUP BY disa_person_id
