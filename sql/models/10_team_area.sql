-- role: breakdown (the council a team's records are counted under: a table read only through it never makes a figure "no data";
-- see pipelines/lib/lineage.py)
-- The owning council of each team (one row per team): its parent in ssd_department when the parent is an
-- owning council; 'joint' when the department lists the team under both councils (the joint workforce
-- return of North and West Northamptonshire), so it is never counted twice; else 'unknown'.
CREATE OR REPLACE TEMP TABLE team_area AS
WITH parents AS (
    SELECT dept_team_id AS team_id,
           CASE WHEN dept_team_parent_id IN (SELECT la_code FROM area_lookup) THEN dept_team_parent_id END AS council,
           dept_team_type
    FROM ssd_department
    WHERE dept_team_id IS NOT NULL
)
SELECT team_id,
       CASE
           WHEN count(DISTINCT council) > 1 THEN 'joint'
           ELSE coalesce(max(council), 'unknown')
       END AS area,
       min(dept_team_type) AS team_type
FROM parents
GROUP BY team_id;
