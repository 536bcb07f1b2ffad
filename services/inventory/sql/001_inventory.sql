-- inventory: parts catalogue, locations, stock balances, the movement
-- ledger they are the sum of, reservations, shipments, receipts, returns to
-- vendor, purchase requests and the reorder state per part and location.

CREATE TABLE parts (
    part_no           text PRIMARY KEY CHECK (length(part_no) BETWEEN 1 AND 32),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    compatible_models text[] NOT NULL DEFAULT '{}',
    unit_cost_fen     bigint NOT NULL CHECK (unit_cost_fen >= 0),
    kind              text NOT NULL CHECK (kind IN ('regular', 'special')),
    supplier          text NOT NULL CHECK (length(supplier) BETWEEN 1 AND 100),
    lead_time_days    integer NOT NULL CHECK (lead_time_days BETWEEN 0 AND 365),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The central warehouse, station stores (station_id is dispatch's station)
-- and engineers' vans (a van belongs to an engineer and a station).
CREATE TABLE locations (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    kind        text NOT NULL CHECK (kind IN ('central', 'station', 'van')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    station_id  bigint,
    engineer_id bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'van') = (engineer_id IS NOT NULL)),
    CHECK ((kind = 'central') = (station_id IS NULL))
);
CREATE UNIQUE INDEX locations_one_store_per_station ON locations (station_id) WHERE kind = 'station';
CREATE UNIQUE INDEX locations_one_van_per_engineer ON locations (engineer_id) WHERE kind = 'van';

-- Balances: always the sum of the ledger (ledger.verify proves it); the
-- CHECKs are the last line against a bucket going negative.
CREATE TABLE stock (
    part_no     text NOT NULL REFERENCES parts,
    location_id bigint NOT NULL REFERENCES locations,
    available   integer NOT NULL DEFAULT 0 CHECK (available >= 0),
    reserved    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    quarantine  integer NOT NULL DEFAULT 0 CHECK (quarantine >= 0),
    defective   integer NOT NULL DEFAULT 0 CHECK (defective >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (part_no, location_id)
);
CREATE INDEX stock_location ON stock (location_id, part_no);

CREATE TABLE reservations (
    id              bigserial PRIMARY KEY,
    case_id         bigint NOT NULL,
    visit_id        bigint,
    part_no         text NOT NULL REFERENCES parts,
    quantity        integer NOT NULL CHECK (quantity > 0),
    issued_quantity integer NOT NULL DEFAULT 0 CHECK (issued_quantity BETWEEN 0 AND quantity),
    location_id     bigint REFERENCES locations,   -- NULL while back-ordered
    engineer_id     bigint,
    station_id      bigint,
    status          text NOT NULL CHECK (status IN ('reserved', 'backordered', 'issued', 'released')),
    demand_at       timestamptz NOT NULL,
    ship_by         timestamptz NOT NULL,          -- back-ordered: the date the case is told
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'reserved') <= (location_id IS NOT NULL))
);
CREATE INDEX reservations_case ON reservations (case_id, id);
CREATE INDEX reservations_open_part ON reservations (part_no, id) WHERE status = 'backordered';

CREATE TABLE shipments (
    id               bigserial PRIMARY KEY,
    reservation_id   bigint NOT NULL REFERENCES reservations,
    case_id          bigint NOT NULL,
    part_no          text NOT NULL REFERENCES parts,
    quantity         integer NOT NULL CHECK (quantity > 0),
    from_location_id bigint NOT NULL REFERENCES locations,
    to_location_id   bigint NOT NULL REFERENCES locations,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'shipped', 'cancelled')),
    ship_by          timestamptz NOT NULL,
    shipped_at       timestamptz,
    late_notified_at timestamptz,                  -- shipment.late is emitted once
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_pending ON shipments (ship_by) WHERE status = 'pending';

CREATE TABLE receipts (
    id           bigserial PRIMARY KEY,
    supplier     text NOT NULL,
    delivery_ref text NOT NULL,
    part_no      text NOT NULL REFERENCES parts,
    location_id  bigint NOT NULL REFERENCES locations,
    quantity     integer NOT NULL CHECK (quantity > 0),
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vendor_returns (
    id          bigserial PRIMARY KEY,
    part_no     text NOT NULL REFERENCES parts,
    location_id bigint NOT NULL REFERENCES locations,
    supplier    text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'shipped')),
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    shipped_at  timestamptz
);

CREATE TABLE purchase_requests (
    id          bigserial PRIMARY KEY,
    part_no     text NOT NULL REFERENCES parts,
    location_id bigint REFERENCES locations,
    quantity    integer NOT NULL CHECK (quantity > 0),
    supplier    text NOT NULL,
    reason      text NOT NULL CHECK (reason IN ('backorder', 'reorder')),
    case_id     bigint,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'received')),
    expected_on date NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchase_requests_open ON purchase_requests (part_no, location_id) WHERE status = 'open';

-- The ledger. Append-only: the trigger refuses any change to a written row.
CREATE TABLE movements (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    reason         text NOT NULL CHECK (reason IN ('receipt', 'inspection_pass', 'inspection_fail',
                       'reserve', 'release', 'ship', 'transfer', 'issue', 'defective_return',
                       'return_to_vendor', 'count_adjustment')),
    part_no        text NOT NULL REFERENCES parts,
    location_id    bigint NOT NULL REFERENCES locations,
    bucket         text NOT NULL CHECK (bucket IN ('available', 'reserved', 'quarantine', 'defective')),
    quantity       integer NOT NULL CHECK (quantity <> 0),
    reservation_id bigint,
    shipment_id    bigint,
    case_id        bigint,
    actor          text NOT NULL,
    note           text
);
CREATE INDEX movements_issues ON movements (part_no, location_id, at) WHERE reason = 'issue';

CREATE FUNCTION movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'movements is append-only' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER movements_append_only BEFORE UPDATE OR DELETE ON movements
    FOR EACH ROW EXECUTE FUNCTION movements_append_only();

-- Per part and location: is the stock position below its reorder point?
-- stock.low and purchase.requested are emitted when this turns true.
CREATE TABLE reorder_state (
    part_no     text NOT NULL REFERENCES parts,
    location_id bigint NOT NULL REFERENCES locations,
    below       boolean NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (part_no, location_id)
);

-- Times leave the database as RFC 3339 UTC text with milliseconds.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
