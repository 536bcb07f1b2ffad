-- dispatch: the day-version triggers of 007, the same versions at less
-- than half the cost (pgbench, one visit row updated: about 150 us of the
-- machine per call before, 60 after). A booking wrote about 2.7 visit rows
-- and each fired the trigger (docs/flow.md, Load):
-- - "SET search_path FROM CURRENT" made every call switch search_path and
--   back, which throws away the session's resolved path each time. The
--   functions now name this schema's table and sequence themselves; the
--   schema is the one these migrations run in (current_schema()), written
--   into the function's text here.
-- - A visit inserted or deleted without a day (every new visit is inserted
--   unscheduled) no longer calls the function: the trigger's WHEN says so.
-- - An update fires when it sets one of the columns a day's plan reads (the
--   list of 007's WHEN, as UPDATE OF: checked against the statement, not
--   compared row by row). Setting a column to the value it had moves the
--   day too: one extra reload for dispatchd, never a stale copy. (UPDATE OF
--   looks at the statement's SET list only: a BEFORE UPDATE trigger that
--   changed one of these columns would not fire it. visits has none; one
--   added later must move the version itself, or this must become a WHEN.)
-- - Each day is one single-row upsert; two days (a visit moved between
--   days) in (station, date) order, as before.
DO $migration$
DECLARE
    versions text := format('%I.day_versions', current_schema());
    numbers text := format('%I.day_version_numbers', current_schema());
    visits text := format('%I.visits', current_schema());
BEGIN
    EXECUTE format($fn$
CREATE OR REPLACE FUNCTION visit_days_changed () RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    first_station bigint;
    first_date date;
    second_station bigint;
    second_date date;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE %1$s SET version = nextval(%2$L);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.station_id IS NOT NULL AND NEW.plan_date IS NOT NULL THEN
            first_station := NEW.station_id;
            first_date := NEW.plan_date;
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF OLD.station_id IS NOT NULL AND OLD.plan_date IS NOT NULL THEN
            IF first_station IS NULL THEN
                first_station := OLD.station_id;
                first_date := OLD.plan_date;
            ELSIF (OLD.station_id, OLD.plan_date) < (first_station, first_date) THEN
                second_station := first_station;
                second_date := first_date;
                first_station := OLD.station_id;
                first_date := OLD.plan_date;
            ELSIF (OLD.station_id, OLD.plan_date) > (first_station, first_date) THEN
                second_station := OLD.station_id;
                second_date := OLD.plan_date;
            END IF;
        END IF;
    END IF;
    IF first_station IS NOT NULL THEN
        INSERT INTO %1$s AS d (station_id, plan_date, version)
        VALUES (first_station, first_date, nextval(%2$L))
        ON CONFLICT (station_id, plan_date) DO UPDATE SET version = excluded.version;
    END IF;
    IF second_station IS NOT NULL THEN
        INSERT INTO %1$s AS d (station_id, plan_date, version)
        VALUES (second_station, second_date, nextval(%2$L))
        ON CONFLICT (station_id, plan_date) DO UPDATE SET version = excluded.version;
    END IF;
    RETURN NULL;
END $body$ $fn$, versions, numbers);

    EXECUTE format($fn$
CREATE OR REPLACE FUNCTION case_place_changed () RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO %1$s AS d (station_id, plan_date, version)
    SELECT station_id, plan_date, nextval(%2$L)
    FROM (SELECT DISTINCT station_id, plan_date FROM %3$s
          WHERE case_id = NEW.id AND station_id IS NOT NULL AND plan_date IS NOT NULL ORDER BY 1, 2) AS days
    ON CONFLICT (station_id, plan_date) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END $body$ $fn$, versions, numbers, visits);
END $migration$;

DROP TRIGGER visit_days_written ON visits;
CREATE TRIGGER visit_days_inserted AFTER INSERT ON visits FOR EACH ROW
    WHEN (NEW.station_id IS NOT NULL AND NEW.plan_date IS NOT NULL)
    EXECUTE FUNCTION visit_days_changed ();
CREATE TRIGGER visit_days_deleted AFTER DELETE ON visits FOR EACH ROW
    WHEN (OLD.station_id IS NOT NULL AND OLD.plan_date IS NOT NULL)
    EXECUTE FUNCTION visit_days_changed ();
DROP TRIGGER visit_days_updated ON visits;
CREATE TRIGGER visit_days_updated AFTER UPDATE OF id, case_id, station_id, plan_date, status, engineer_id,
    seq, eta, window_start, window_end, pinned, minutes, skill, priority ON visits FOR EACH ROW
    EXECUTE FUNCTION visit_days_changed ();
