-- Working-day arithmetic over the `calendar` table (pipelines/lib/calendar.py).
-- add_working_days(d, n): the Nth working day after d. The start day itself is never counted, whatever day
-- it is; "within N working days of d" means "on or before add_working_days(d, N)".
CREATE OR REPLACE TABLE working_day_seq AS
SELECT wd_cum AS seq, day FROM calendar WHERE is_working_day;

-- n = 0 is the day itself (a same-day end is within), whatever day it is.
CREATE OR REPLACE MACRO add_working_days(d, n) AS CASE WHEN n = 0 THEN d ELSE (
    SELECT w.day
    FROM calendar AS c
    JOIN working_day_seq AS w ON w.seq = c.wd_cum + n
    WHERE c.day = d
) END;
