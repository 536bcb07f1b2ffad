-- Every event testsinkd applied, in the order it applied them.
CREATE TABLE received (
    id         bigserial PRIMARY KEY,
    producer   text NOT NULL,
    sequence   bigint NOT NULL,
    type       text NOT NULL,
    subject    text NOT NULL,
    event_id   uuid NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
