-- intake: customers, their products, repair cases and each case's history.

CREATE TABLE customers (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    phone      text NOT NULL UNIQUE CHECK (length(phone) BETWEEN 5 AND 32),
    email      text CHECK (length(email) <= 254),
    address    text NOT NULL CHECK (length(address) BETWEEN 1 AND 300),
    lat        double precision CHECK (lat BETWEEN -90 AND 90),
    lon        double precision CHECK (lon BETWEEN -180 AND 180),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id              bigserial PRIMARY KEY,
    serial          text NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),
    category        text NOT NULL CHECK (category IN ('air_conditioner', 'refrigerator',
                        'washing_machine', 'television', 'water_heater', 'range_hood', 'gas_stove',
                        'fan', 'hair_dryer', 'vacuum_cleaner', 'smart_home')),
    model           text NOT NULL CHECK (length(model) BETWEEN 1 AND 64),
    purchase_date   date,
    proof_kind      text CHECK (proof_kind IN ('invoice', 'receipt', 'none')),
    proof_reference text,
    retailer        text,
    customer_id     bigint NOT NULL REFERENCES customers,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_customer ON products (customer_id);

CREATE TABLE cases (
    id                bigserial PRIMARY KEY,
    customer_id       bigint NOT NULL REFERENCES customers,
    product_id        bigint NOT NULL REFERENCES products,
    channel           text NOT NULL CHECK (channel IN ('phone', 'web', 'app', 'station', 'device')),
    symptom           text NOT NULL CHECK (length(symptom) BETWEEN 1 AND 2000),
    fault_code        text,
    external_ref      text,
    priority          text NOT NULL DEFAULT 'normal'
                          CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status            text NOT NULL DEFAULT 'reported'
                          CHECK (status IN ('reported', 'triaged', 'resolved_remotely',
                              'awaiting_visit', 'cancelled', 'escalated', 'closed')),
    reported_at       timestamptz NOT NULL DEFAULT now(),
    first_contact_due timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    linked_reports    integer NOT NULL DEFAULT 0,
    cancel_reason     text,
    escalation_reason text,
    escalated_to      text
);
-- One open case per product: a second report is linked to it, even when two
-- instances take the two reports at the same moment.
CREATE UNIQUE INDEX cases_one_open_per_product ON cases (product_id)
    WHERE status NOT IN ('resolved_remotely', 'cancelled', 'closed');
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_channel ON cases (channel, id);

CREATE TABLE case_history (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases,
    at          timestamptz NOT NULL DEFAULT now(),
    from_status text,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    note        text
);
CREATE INDEX case_history_case ON case_history (case_id, id);

-- Times leave the database as RFC 3339 UTC text with milliseconds.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
