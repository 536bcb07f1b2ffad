-- billing: a registration's owners, newest last. Each sale or registration
-- reads the current owner of its product (the latest row of that
-- registration); without this index every such read scanned all owners.
CREATE INDEX ownership_registration ON ownership (registration_id, id);
