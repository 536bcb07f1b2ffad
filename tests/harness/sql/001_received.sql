-- Every event testsinkd applied, in the order it applied them.
CREATE TABLE received (
    id         bigserial PRIMARY KEY,
    producer   text NOT NULL,
    sequence   bigint NOT NULL,
    type       text NOT NULL,
    subject    text NOT NULL,
    event_id   uuid NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    -- synchronous_commit where the event was applied: a consumer's batch
    -- commits without waiting for the disk (common/src/as_consumer.c)
    commit_mode text NOT NULL DEFAULT current_setting('synchronous_commit')
);
