-- dispatch: stations, engineers (skills, absences), the cases it knows of,
-- visits with their life cycle and their place in an engineer's day plan.

CREATE FUNCTION rfc3339(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

CREATE TABLE stations (
    id         bigserial PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    region     text NOT NULL CHECK (length(region) BETWEEN 1 AND 64),
    tier       text NOT NULL CHECK (tier IN ('regional_department', 'service_centre', 'technical_support')),
    lat        double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon        double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    radius_km  integer NOT NULL CHECK (radius_km BETWEEN 1 AND 1000),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE engineers (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    station_id  bigint NOT NULL REFERENCES stations,
    van         text,
    max_visits  integer NOT NULL DEFAULT 8 CHECK (max_visits BETWEEN 1 AND 50),
    -- Local times in the dispatch zone (DISPATCH_TIME_ZONE).
    shift_start time NOT NULL DEFAULT '09:00',
    shift_end   time NOT NULL DEFAULT '18:00',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (shift_start < shift_end)
);
CREATE INDEX engineers_station ON engineers (station_id);

CREATE TABLE engineer_skills (
    engineer_id bigint NOT NULL REFERENCES engineers,
    category    text NOT NULL,
    level       integer NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (engineer_id, category)
);

CREATE TABLE absences (
    id          bigserial PRIMARY KEY,
    engineer_id bigint NOT NULL REFERENCES engineers,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at)
);
CREATE INDEX absences_engineer ON absences (engineer_id, starts_at);

-- Minutes on site by product category, refined by fault code ('' = any).
CREATE TABLE service_durations (
    category   text NOT NULL,
    fault_code text NOT NULL DEFAULT '',
    minutes    integer NOT NULL CHECK (minutes BETWEEN 5 AND 600),
    PRIMARY KEY (category, fault_code)
);
INSERT INTO service_durations (category, minutes) VALUES
    ('air_conditioner', 90), ('refrigerator', 75), ('washing_machine', 60), ('television', 45),
    ('water_heater', 60), ('range_hood', 45), ('gas_stove', 45), ('fan', 30),
    ('hair_dryer', 30), ('vacuum_cleaner', 30), ('smart_home', 45);

-- What dispatch knows of a case from intake and billing. A case becomes a
-- visit once it is triaged and its entitlement is decided.
CREATE TABLE cases (
    id           bigint PRIMARY KEY,          -- intake's case id
    category     text NOT NULL,
    model        text NOT NULL,
    serial       text NOT NULL,
    priority     text NOT NULL DEFAULT 'normal',
    fault_code   text,
    lat          double precision,
    lon          double precision,
    triaged      boolean NOT NULL DEFAULT false,
    entitlement  text,                        -- billing's decision, NULL = not decided yet
    closed       boolean NOT NULL DEFAULT false,
    reported_at  timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE visits (
    id              bigserial PRIMARY KEY,
    case_id         bigint NOT NULL REFERENCES cases,
    follow_up_of    bigint REFERENCES visits,
    kind            text NOT NULL DEFAULT 'repair' CHECK (kind IN ('repair', 'parts', 'workshop_return')),
    status          text NOT NULL DEFAULT 'unscheduled' CHECK (status IN ('unscheduled', 'scheduled',
                        'dispatched', 'confirmed', 'en_route', 'on_site', 'completed', 'needs_parts',
                        'taken_to_workshop', 'cannot_complete', 'cancelled')),
    skill           text NOT NULL,
    minutes         integer NOT NULL,
    priority        text NOT NULL DEFAULT 'normal',
    waiting_parts   integer NOT NULL DEFAULT 0,  -- part lines not yet shipped
    -- The appointment the customer chose and where it sits in a day plan.
    window_start    timestamptz,
    window_end      timestamptz,
    engineer_id     bigint REFERENCES engineers,
    station_id      bigint REFERENCES stations,
    plan_date       date,
    seq             integer,
    eta             timestamptz,
    pinned          boolean NOT NULL DEFAULT false,
    -- Promises and what the engineer reported.
    dispatched_at   timestamptz,
    confirm_due     timestamptz,
    confirmed_at    timestamptz,
    started_at      timestamptz,
    arrived_at      timestamptz,
    late_at         timestamptz,
    diagnosis       jsonb,
    completion      jsonb,
    end_reason      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((window_start IS NULL) = (window_end IS NULL)),
    CHECK (status IN ('unscheduled', 'cancelled', 'completed', 'needs_parts', 'taken_to_workshop',
                      'cannot_complete') OR engineer_id IS NOT NULL)
);
-- One live visit per case at a time.
CREATE UNIQUE INDEX visits_one_open ON visits (case_id)
    WHERE status NOT IN ('completed', 'needs_parts', 'taken_to_workshop', 'cannot_complete', 'cancelled');
CREATE INDEX visits_plan ON visits (plan_date, station_id, engineer_id, seq);

CREATE TABLE visit_history (
    id          bigserial PRIMARY KEY,
    visit_id    bigint NOT NULL REFERENCES visits,
    at          timestamptz NOT NULL DEFAULT now(),
    from_status text,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    note        text
);
CREATE INDEX visit_history_visit ON visit_history (visit_id, id);

-- Each re-optimisation of a station's day, with its cost before and after.
CREATE TABLE plan_runs (
    id            bigserial PRIMARY KEY,
    station_id    bigint NOT NULL REFERENCES stations,
    plan_date     date NOT NULL,
    trigger       text NOT NULL,
    travel_before integer NOT NULL,
    travel_after  integer NOT NULL,
    assigned      integer NOT NULL,
    moved         integer NOT NULL,
    at            timestamptz NOT NULL DEFAULT now()
);

-- Day plans as people read them: per engineer per day, the ordered stops.
CREATE VIEW day_plans AS
    SELECT engineer_id, plan_date, station_id, id AS visit_id, case_id, seq, eta,
           window_start, window_end, status, pinned
      FROM visits
     WHERE plan_date IS NOT NULL AND status IN ('scheduled', 'dispatched', 'confirmed', 'en_route', 'on_site');
