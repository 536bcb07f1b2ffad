-- billing: registrations, policies, contracts, fees, the billing view of
-- cases, quotes, invoices, payments and credit notes. Money in fen (bigint).

CREATE TABLE registrations (
    id              bigserial PRIMARY KEY,
    serial          text NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),
    category        text NOT NULL,
    model           text NOT NULL CHECK (length(model) BETWEEN 1 AND 64),
    purchase_date   date,
    proof_kind      text CHECK (proof_kind IN ('invoice', 'receipt', 'none')),
    proof_reference text,
    retailer        text,
    owner_ref       text,               -- the owner as the source names it (customer id, sales account)
    owner_name      text,
    source          text NOT NULL CHECK (source IN ('sale', 'case', 'agent')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Every owner a product had: the coverage stays with the product.
CREATE TABLE ownership (
    id              bigserial PRIMARY KEY,
    registration_id bigint NOT NULL REFERENCES registrations,
    owner_ref       text,
    owner_name      text,
    source          text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE policies (
    id             bigserial PRIMARY KEY,
    version        text NOT NULL UNIQUE,
    effective_from date NOT NULL,
    document       text NOT NULL,       -- as published; parsed by billing_policy_parse
    loaded_by      text NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE fee_schedules (
    id             bigserial PRIMARY KEY,
    version        text NOT NULL UNIQUE,
    effective_from date NOT NULL,
    format         text NOT NULL CHECK (format IN ('json', 'csv')),
    document       text NOT NULL,
    loaded_by      text NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contracts (
    id          bigserial PRIMARY KEY,
    contract_no text NOT NULL UNIQUE,
    serial      text NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL CHECK (ends_on >= starts_on),
    price_fen   bigint NOT NULL DEFAULT 0 CHECK (price_fen >= 0),
    sold_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contracts_serial ON contracts (serial, ends_on);

-- A case as billing sees it: the product, the fault, the latest decision.
CREATE TABLE cases (
    case_id      bigint PRIMARY KEY,
    serial       text NOT NULL,
    category     text NOT NULL,
    model        text NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled', 'completed')),
    cause        text,
    component    text,
    service_type text NOT NULL,
    repeat_repair boolean NOT NULL DEFAULT false,
    decision     text NOT NULL,         -- the last decision as JSON, as sent in the event
    reported_on  date NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE decisions (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases,
    kind         text NOT NULL CHECK (kind IN ('decided', 'changed')),
    visit_id     bigint,              -- the diagnosis that changed it
    service_type text NOT NULL,
    decision     text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);

-- One revision per diagnosed visit, whatever the wire repeats.
CREATE UNIQUE INDEX decisions_one_per_visit ON decisions (visit_id) WHERE visit_id IS NOT NULL;

-- Completed repairs: the post-repair warranty runs from completed_on.
CREATE TABLE repairs (
    visit_id     bigint PRIMARY KEY,
    case_id      bigint NOT NULL,
    serial       text NOT NULL,
    component    text NOT NULL DEFAULT '',
    completed_on date NOT NULL
);
CREATE INDEX repairs_serial ON repairs (serial, component, completed_on);

CREATE TABLE quotes (
    id              bigserial PRIMARY KEY,
    case_id         bigint NOT NULL REFERENCES cases,
    visit_id        bigint NOT NULL,
    status          text NOT NULL DEFAULT 'issued'
                        CHECK (status IN ('issued', 'accepted', 'declined', 'expired', 'superseded')),
    service_type    text NOT NULL,
    fee_version     text NOT NULL,
    subtotal_fen    bigint NOT NULL CHECK (subtotal_fen >= 0),
    tax_rate_bp     integer NOT NULL,
    tax_fen         bigint NOT NULL CHECK (tax_fen >= 0),
    total_fen       bigint NOT NULL CHECK (total_fen = subtotal_fen + tax_fen),
    valid_until     date NOT NULL,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      text
);
-- One live quote per case: a new diagnosis supersedes the old quote.
CREATE UNIQUE INDEX quotes_one_live ON quotes (case_id) WHERE status IN ('issued', 'accepted');

CREATE TABLE quote_lines (
    quote_id    bigint NOT NULL REFERENCES quotes,
    line_no     integer NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('visit', 'labour', 'part')),
    code        text NOT NULL,
    description text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_fen    bigint NOT NULL CHECK (unit_fen >= 0),
    amount_fen  bigint NOT NULL CHECK (amount_fen = unit_fen * quantity),
    PRIMARY KEY (quote_id, line_no)
);

-- Gap-free numbers: one row per year, moved in the issuing transaction.
CREATE TABLE number_counters (
    series text NOT NULL CHECK (series IN ('invoice', 'credit_note')),
    year   integer NOT NULL,
    next   bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (series, year)
);

CREATE TABLE invoices (
    id           bigserial PRIMARY KEY,
    number       text NOT NULL UNIQUE,
    year         integer NOT NULL,
    seq          bigint NOT NULL,
    case_id      bigint,
    quote_id     bigint REFERENCES quotes,
    visit_id     bigint UNIQUE,         -- one invoice per completed visit
    reference    text,
    issued_on    date NOT NULL,
    subtotal_fen bigint NOT NULL CHECK (subtotal_fen >= 0),
    tax_rate_bp  integer NOT NULL,
    tax_fen      bigint NOT NULL CHECK (tax_fen >= 0),
    total_fen    bigint NOT NULL CHECK (total_fen = subtotal_fen + tax_fen),
    paid_fen     bigint NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    credited_fen bigint NOT NULL DEFAULT 0 CHECK (credited_fen >= 0),
    issued_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, seq),
    CHECK (paid_fen <= total_fen AND credited_fen <= total_fen)
);

CREATE TABLE invoice_lines (
    invoice_id  bigint NOT NULL REFERENCES invoices,
    line_no     integer NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('visit', 'labour', 'part')),
    code        text NOT NULL,
    description text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_fen    bigint NOT NULL CHECK (unit_fen >= 0),
    amount_fen  bigint NOT NULL CHECK (amount_fen = unit_fen * quantity),
    PRIMARY KEY (invoice_id, line_no)
);

CREATE TABLE payments (
    id          bigserial PRIMARY KEY,
    invoice_id  bigint NOT NULL REFERENCES invoices,
    amount_fen  bigint NOT NULL CHECK (amount_fen > 0),
    method      text NOT NULL CHECK (method IN ('cash', 'card', 'wechat', 'alipay', 'bank_transfer')),
    reference   text,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE credit_notes (
    id          bigserial PRIMARY KEY,
    number      text NOT NULL UNIQUE,
    year        integer NOT NULL,
    seq         bigint NOT NULL,
    invoice_id  bigint NOT NULL REFERENCES invoices,
    reason      text NOT NULL CHECK (reason IN ('return', 'exchange', 'correction')),
    amount_fen  bigint NOT NULL CHECK (amount_fen > 0),
    note        text,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, seq)
);

CREATE FUNCTION rfc3339(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
