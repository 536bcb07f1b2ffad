-- dispatch: a version per station and plan date, moved whenever a visit of
-- that day is written, by whoever writes it (another dispatchd, an
-- operator's SQL). dispatchd keeps the planned visits of the days it loaded
-- and asks PostgreSQL only for the days whose version moved since
-- (dispatch_plan.c, the plan cache). Numbers come from a sequence: never
-- given twice, even after a rollback, so a copy made inside a transaction
-- that rolled back can never match a committed version.
CREATE SEQUENCE day_version_numbers;

CREATE TABLE day_versions (
    station_id bigint NOT NULL,
    plan_date  date NOT NULL,
    version    bigint NOT NULL,
    PRIMARY KEY (station_id, plan_date)
);

-- The day a visit is on and the day it was on (one of them when it was
-- inserted or deleted, one when it stayed), in (station, date) order.
CREATE FUNCTION visit_days_changed () RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    new_station bigint;
    new_date date;
    old_station bigint;
    old_date date;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE day_versions SET version = nextval('day_version_numbers');
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_station := NEW.station_id;
        new_date := NEW.plan_date;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_station := OLD.station_id;
        old_date := OLD.plan_date;
    END IF;
    INSERT INTO day_versions AS d (station_id, plan_date, version)
    SELECT station_id, plan_date, nextval('day_version_numbers')
    FROM (SELECT DISTINCT station_id, plan_date
          FROM (VALUES (new_station, new_date), (old_station, old_date)) AS day (station_id, plan_date)
          WHERE station_id IS NOT NULL AND plan_date IS NOT NULL ORDER BY 1, 2) AS days
    ON CONFLICT (station_id, plan_date) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END $$;

CREATE TRIGGER visit_days_written AFTER INSERT OR DELETE ON visits
    FOR EACH ROW EXECUTE FUNCTION visit_days_changed ();
-- An update moves the days only when it changes what a day's plan reads
-- of the visit (s_bulk_visits in dispatch_plan.c).
CREATE TRIGGER visit_days_updated AFTER UPDATE ON visits FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.case_id IS DISTINCT FROM NEW.case_id
          OR OLD.station_id IS DISTINCT FROM NEW.station_id OR OLD.plan_date IS DISTINCT FROM NEW.plan_date
          OR OLD.status IS DISTINCT FROM NEW.status OR OLD.engineer_id IS DISTINCT FROM NEW.engineer_id
          OR OLD.seq IS DISTINCT FROM NEW.seq OR OLD.eta IS DISTINCT FROM NEW.eta
          OR OLD.window_start IS DISTINCT FROM NEW.window_start OR OLD.window_end IS DISTINCT FROM NEW.window_end
          OR OLD.pinned IS DISTINCT FROM NEW.pinned OR OLD.minutes IS DISTINCT FROM NEW.minutes
          OR OLD.skill IS DISTINCT FROM NEW.skill OR OLD.priority IS DISTINCT FROM NEW.priority)
    EXECUTE FUNCTION visit_days_changed ();
CREATE TRIGGER visit_days_truncated AFTER TRUNCATE ON visits
    FOR EACH STATEMENT EXECUTE FUNCTION visit_days_changed ();

-- A day's plan holds its customers' places: a case that moves moves the
-- days of its visits (dispatchd never changes them; an operator might).
CREATE FUNCTION case_place_changed () RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO day_versions AS d (station_id, plan_date, version)
    SELECT station_id, plan_date, nextval('day_version_numbers')
    FROM (SELECT DISTINCT station_id, plan_date FROM visits
          WHERE case_id = NEW.id AND station_id IS NOT NULL AND plan_date IS NOT NULL ORDER BY 1, 2) AS days
    ON CONFLICT (station_id, plan_date) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END $$;

CREATE TRIGGER case_place_updated AFTER UPDATE OF lat, lon ON cases FOR EACH ROW
    WHEN (OLD.lat IS DISTINCT FROM NEW.lat OR OLD.lon IS DISTINCT FROM NEW.lon)
    EXECUTE FUNCTION case_place_changed ();
