-- The tables every service schema has (see common/README.md). Names are
-- unqualified: the connection's search_path is the service schema.

-- Events written in the same transaction as the change that caused them.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL UNIQUE,
    type        text NOT NULL,
    subject     text NOT NULL,
    time        text NOT NULL,          -- RFC 3339 as sent, re-encoded byte for byte
    traceparent text,
    data        bytea NOT NULL          -- msgpack map
);

-- The producer's log: gap-free, commit-ordered positions assigned by the
-- relay alone (under an advisory lock), never by a sequence object.
CREATE TABLE event_log (
    sequence    bigint PRIMARY KEY CHECK (sequence > 0),
    event_id    uuid NOT NULL UNIQUE,
    type        text NOT NULL,
    subject     text NOT NULL,
    time        text NOT NULL,
    traceparent text,
    data        bytea NOT NULL,
    logged_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_logged_at ON event_log (logged_at);

-- Per producer, the last sequence applied here, updated with the effects.
CREATE TABLE cursors (
    producer      text PRIMARY KEY,
    last_sequence bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Events from other company systems through the ingress, once each.
CREATE TABLE inbox (
    publisher   text NOT NULL,
    event_id    uuid NOT NULL,
    type        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (publisher, event_id)
);

-- Replies of state-changing RPCs, stored with the change.
CREATE TABLE idempotency (
    key        text PRIMARY KEY,
    method     text NOT NULL,
    reply      bytea,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_created_at ON idempotency (created_at);

-- Consumed events whose handler refused them for good: kept for an operator.
CREATE TABLE dead_letters (
    producer    text NOT NULL,
    sequence    bigint NOT NULL,
    type        text NOT NULL,
    error_code  text NOT NULL,
    error       text NOT NULL,
    envelope    bytea NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (producer, sequence)
);
