-- Tables of a drop whose history is complete only from a date (a statutory return's span), with the source.
SELECT table_name, covered_from, source
FROM staged.table_coverage
WHERE drop_id = $drop_id AND covered_from IS NOT NULL
