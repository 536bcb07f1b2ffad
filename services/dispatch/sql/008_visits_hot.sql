-- dispatch: a booking re-times the stops of the day around it (their order,
-- ETA and engineer; about 1.7 rows per booking in bench flow). With the
-- engineer and the order out of every index, and room left in each page,
-- those updates are HOT: the new row version stays on its page and no
-- index is touched. A day's visits are still found by (date, station).
DROP INDEX visits_plan;
CREATE INDEX visits_day ON visits (plan_date, station_id);
ALTER TABLE visits SET (fillfactor = 85);
