-- dispatch: fleet_version takes its numbers from a sequence. Counting up
-- in the row reused a number after a rollback: a change rolled back (its
-- version seen, and its rows cached, by a booking in the same transaction)
-- and a later change that committed would both be version N + 1, and the
-- cache would keep the rolled-back rows. A sequence never gives a number
-- twice, rollback or not. The function keeps the schema's search_path, so
-- that an operator's SQL from another search_path still moves the counter.
CREATE SEQUENCE fleet_version_numbers;
SELECT setval('fleet_version_numbers', (SELECT version FROM fleet_version));

CREATE OR REPLACE FUNCTION fleet_changed () RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE fleet_version SET version = nextval('fleet_version_numbers');
    RETURN NULL;
END $$;
