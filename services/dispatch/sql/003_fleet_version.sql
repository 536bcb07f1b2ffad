-- dispatch: a counter that moves whenever stations, engineers, their
-- skills or absences change (any statement, any dispatchd, an operator's
-- SQL). dispatchd keeps what it loaded of them (shifts by date, absences,
-- station places) while the counter stands still, and reads the counter in
-- the round trip that starts each offer and booking.
CREATE TABLE fleet_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
);
INSERT INTO fleet_version (one, version) VALUES (true, 1);

CREATE FUNCTION fleet_changed () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fleet_version SET version = version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER stations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION fleet_changed ();
CREATE TRIGGER engineers_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON engineers
    FOR EACH STATEMENT EXECUTE FUNCTION fleet_changed ();
CREATE TRIGGER engineer_skills_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON engineer_skills
    FOR EACH STATEMENT EXECUTE FUNCTION fleet_changed ();
CREATE TRIGGER absences_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON absences
    FOR EACH STATEMENT EXECUTE FUNCTION fleet_changed ();
