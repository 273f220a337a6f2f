-- UASC status where recorded: the SSD's immigration-status spells whose status names an unaccompanied
-- asylum-seeking child. Read only when the warehouse holds ssd_immigration_status (not in this contract yet).
CREATE OR REPLACE TEMP VIEW equality_uasc AS
SELECT immi_person_id AS person_id, immi_immigration_status_start_date AS start_date,
       immi_immigration_status_end_date AS end_date
FROM ssd_immigration_status
WHERE upper(immi_immigration_status) LIKE '%UASC%' OR upper(immi_immigration_status) LIKE '%UNACCOMPANIED%'
