-- kind: row
-- severity: critical
-- A month whose contacts carry no decision date at all: the extract (or return) has no front-door decision
-- dates, and KPI01 would read 0% instead of being withheld. Each of the month's contacts is reported (critical,
-- so KPI01 is blocked for that month only); a month where some contacts have a date is left to the KPI, which
-- excludes undated contacts with their reason.
WITH month_contacts AS (
    SELECT c.*, last_day(c.cont_contact_date) AS month_end,
           count(c.cont_contact_decision_date) OVER (PARTITION BY last_day(c.cont_contact_date)) AS with_decision
    FROM staged.ssd_contacts AS c
    WHERE c.drop_id = $drop_id
)
SELECT source_file, source_row, 'ssd_contacts' AS table_name, 'cont_contact_decision_date' AS column_name,
       'decision dates recorded for the month''s contacts' AS rule, 'critical' AS severity,
       'no contact dated ' || strftime(month_end, '%B %Y') || ' has a decision date' AS detail, NULL AS kpi_id
FROM month_contacts
WHERE with_decision = 0
