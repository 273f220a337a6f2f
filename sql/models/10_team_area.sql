-- The owning council of each team: its parent in ssd_department when the parent is an owning council.
CREATE OR REPLACE TEMP TABLE team_area AS
SELECT dept_team_id AS team_id,
       CASE WHEN dept_team_parent_id IN (SELECT la_code FROM area_lookup) THEN dept_team_parent_id
            ELSE 'unknown' END AS area,
       dept_team_type AS team_type
FROM ssd_department
WHERE dept_team_id IS NOT NULL;
