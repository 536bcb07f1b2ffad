-- survey 002: follow-up check-ins and KPI threshold breaches.

-- case.reported's purchase date, for the yearly check-in.
ALTER TABLE cases ADD COLUMN purchase_date date;

-- Periodic check-ins with a customer: after a repair, and on the
-- anniversary of the product's purchase. scheduled -> done | cancelled.
CREATE TABLE followups (
    followup_id   bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('after_repair', 'anniversary')),
    case_id       bigint NOT NULL,
    visit_id      bigint,                       -- after_repair: the repairing visit
    serial        text,                         -- the product
    anniversary   date,                         -- anniversary: the local date
    due_at        timestamptz NOT NULL,
    state         text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'done', 'cancelled')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    channel       text CHECK (channel IN ('sms', 'email')),
    done_at       timestamptz,
    cancelled_at  timestamptz,
    cancel_reason text,
    CHECK (kind <> 'after_repair' OR visit_id IS NOT NULL),
    CHECK (kind <> 'anniversary' OR (serial IS NOT NULL AND anniversary IS NOT NULL))
);
-- The business keys: one check-in per repairing visit, one per product
-- and anniversary, however often the facts are told.
CREATE UNIQUE INDEX followups_repair ON followups (visit_id) WHERE kind = 'after_repair';
CREATE UNIQUE INDEX followups_anniversary ON followups (serial, anniversary) WHERE kind = 'anniversary';
CREATE INDEX followups_due ON followups (state, due_at);

-- KPI thresholds: a row per (kpi, direction, grouping, group, period) that
-- has ever crossed its threshold; breached is its state at the last check,
-- so kpi.threshold_breached is announced once per crossing.
CREATE TABLE kpi_breaches (
    kpi       text NOT NULL,
    direction text NOT NULL CHECK (direction IN ('below', 'above')),
    by_what   text NOT NULL,
    grp       text NOT NULL,
    period    text NOT NULL,
    threshold float8 NOT NULL,
    value     float8 NOT NULL,
    breached  boolean NOT NULL,
    since     timestamptz NOT NULL DEFAULT now(),
    crossings int NOT NULL DEFAULT 1,
    PRIMARY KEY (kpi, direction, by_what, grp, period)
);
