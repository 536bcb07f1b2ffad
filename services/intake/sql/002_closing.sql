-- intake: a case closes when its work is done (what dispatch tells of its
-- visits) or when an operator closes it; see README.md "Closing a case".

ALTER TABLE cases
    ADD COLUMN closed_at       timestamptz,
    ADD COLUMN close_outcome   text CHECK (close_outcome IN ('repaired', 'not_repaired', 'operator')),
    ADD COLUMN close_reason    text CHECK (length(close_reason) <= 2000),
    ADD COLUMN closed_by_visit bigint,
    ADD CONSTRAINT cases_closed_has_outcome
        CHECK ((status = 'closed') = (closed_at IS NOT NULL AND close_outcome IS NOT NULL));

-- What intake knows of each visit of its cases, from dispatch's events. A
-- visit is live while planned or diagnosed (on site, or handing over to a
-- follow-up visit for parts or the workshop); it ends superseded (dispatch
-- told of a newer visit of the case: it keeps one open visit per case),
-- repaired, not_repaired or cancelled. An ended visit never changes again:
-- events told twice or late change nothing.
CREATE TABLE case_visits (
    visit_id     bigint PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases,
    follow_up_of bigint,
    state        text NOT NULL CHECK (state IN ('planned', 'diagnosed', 'superseded',
                     'repaired', 'not_repaired', 'cancelled')),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_visits_case ON case_visits (case_id, state);

-- How far a visit's state is along: a state only moves to a higher rank.
CREATE FUNCTION visit_state_rank(state text) RETURNS integer LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE state WHEN 'planned' THEN 0 WHEN 'diagnosed' THEN 1 ELSE 2 END $$;
