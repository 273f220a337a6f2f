-- Workforce establishment as one set of posts per month end, team and post type (KPI16, KPI17).
-- A row dated any day of a month stands for its month end. The joint workforce return can list the same
-- team, month and post type more than once: those rows are one set of posts, so one is kept (the latest
-- dated, then the largest figures); rows with no team collapse only when identical.
CREATE OR REPLACE TEMP TABLE workforce_posts AS
SELECT CAST(last_day(period_end) AS DATE) AS month_end,
       nullif(trim(team_id), '') AS team_id,
       lower(trim(post_type)) AS post_type,
       establishment_fte,
       in_post_fte,
       vacancy_fte,
       agency_fte
FROM workforce_establishment
WHERE period_end IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY last_day(period_end), nullif(trim(team_id), ''), lower(trim(post_type)),
                 CASE WHEN nullif(trim(team_id), '') IS NULL
                      THEN [establishment_fte, in_post_fte, vacancy_fte, agency_fte] END
    ORDER BY period_end DESC, establishment_fte DESC NULLS LAST, in_post_fte DESC NULLS LAST,
             vacancy_fte DESC NULLS LAST, agency_fte DESC NULLS LAST) = 1;
