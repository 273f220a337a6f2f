-- DfE rules: 903/167
-- kind: row
-- severity: warning
-- A review held has a participation code PN0-PN7. Warning: CDS_FP09 reads the code (PN1-PN6 count as views
-- conveyed, PN0 is not applicable) and leaves a child whose reviews carry no readable code out of the measure
-- with that reason, so the figure states the gap (as for a missing date). Dated by the review.
SELECT source_file, source_row, 'ssd_cla_reviews' AS table_name, 'clar_cla_review_participation' AS column_name,
       'review participation code PN0-PN7' AS rule, 'warning' AS severity,
       CASE WHEN clar_cla_review_participation IS NULL THEN 'no participation code'
            ELSE '''' || clar_cla_review_participation || ''' is not a participation code' END AS detail,
       NULL AS kpi_id
FROM staged.ssd_cla_reviews
WHERE drop_id = $drop_id
  AND clar_cla_review_date IS NOT NULL
  AND NOT regexp_matches(coalesce(upper(trim(clar_cla_review_participation)), ''), '^PN\s*[0-7]\b')
