-- survey: satisfaction surveys, complaints, the customers at risk, and the
-- KPI read model built from the other services' events (facts tables).

-- Read model: what surveyd knows about each case (from intake and billing).
-- Producers are consumed independently, so billing may tell about a case
-- before intake's report is applied: every column but the id may be NULL
-- until its event arrives. phone/email are kept only to reach the customer.
CREATE TABLE cases (
    case_id          bigint PRIMARY KEY,
    customer_id      bigint,
    phone            text,
    email            text,
    category         text,
    serial           text,
    channel          text,
    reported_at      timestamptz,
    first_contact_at timestamptz,                 -- case.triaged / resolved_remotely
    service_type     text,                        -- latest entitlement decision
    repeat_repair    boolean NOT NULL DEFAULT false
);
CREATE INDEX cases_customer ON cases (customer_id, reported_at);
CREATE INDEX cases_serial ON cases (serial, reported_at);

-- Read model: visits (from dispatch).
CREATE TABLE visits (
    visit_id      bigint PRIMARY KEY,
    case_id       bigint NOT NULL,
    engineer_id   bigint NOT NULL,
    station_id    bigint NOT NULL,
    window_start  timestamptz,
    window_end    timestamptz,
    follow_up_of  bigint,
    arrived_at    timestamptz,                    -- visit.started stage on_site
    late_notified boolean NOT NULL DEFAULT false, -- visit.late seen
    completed_at  timestamptz,
    outcome       text,
    cancelled     boolean NOT NULL DEFAULT false
);
CREATE INDEX visits_case ON visits (case_id, visit_id);
CREATE INDEX visits_completed ON visits (completed_at);

-- Read model: part shipments (from inventory).
CREATE TABLE shipments (
    shipment_id bigint PRIMARY KEY,
    case_id     bigint NOT NULL,
    ship_by     timestamptz NOT NULL,
    shipped_at  timestamptz NOT NULL,
    late        boolean NOT NULL
);

-- Read model: invoices (from billing), for the cost of a repair.
CREATE TABLE invoices (
    invoice_id bigint PRIMARY KEY,
    case_id    bigint NOT NULL,
    total_fen  bigint NOT NULL
);
CREATE INDEX invoices_case ON invoices (case_id);

-- One survey per completed visit.
CREATE TABLE surveys (
    survey_id     bigserial PRIMARY KEY,
    visit_id      bigint NOT NULL UNIQUE,
    case_id       bigint NOT NULL,
    token         text NOT NULL UNIQUE,
    state         text NOT NULL DEFAULT 'scheduled'
                      CHECK (state IN ('scheduled', 'sent', 'answered', 'expired')),
    channel       text NOT NULL CHECK (channel IN ('sms', 'email', 'phone_call')),
    due_at        timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    answered_at   timestamptz,
    expired_at    timestamptz,
    attitude      smallint CHECK (attitude BETWEEN 1 AND 5),
    technical     smallint CHECK (technical BETWEEN 1 AND 5),
    punctuality   smallint CHECK (punctuality BETWEEN 1 AND 5),
    transparency  smallint CHECK (transparency BETWEEN 1 AND 5),
    cost_fairness smallint CHECK (cost_fairness BETWEEN 1 AND 5),
    overall       smallint CHECK (overall BETWEEN 1 AND 5),
    nps           smallint CHECK (nps BETWEEN 0 AND 10),
    suggestion    text CHECK (length(suggestion) <= 2000)
);
CREATE INDEX surveys_due ON surveys (state, due_at);

CREATE TABLE complaints (
    complaint_id bigserial PRIMARY KEY,
    case_id      bigint NOT NULL,
    customer_id  bigint NOT NULL,
    category     text NOT NULL,
    severity     text NOT NULL,
    description  text NOT NULL,
    state        text NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'replied', 'escalated', 'resolved', 'closed')),
    opened_at    timestamptz NOT NULL,
    reply_due    timestamptz NOT NULL,
    resolve_due  timestamptz NOT NULL,
    replied_at   timestamptz,
    reply        text,
    escalated_at timestamptz,
    escalated_to text,
    escalation_reason text,
    resolved_at  timestamptz,
    resolution   text,
    closed_at    timestamptz,
    overdue_flagged boolean NOT NULL DEFAULT false  -- its customer was flagged at risk
);
CREATE INDEX complaints_state ON complaints (state, reply_due);

-- Customers at risk of leaving: one row per (customer, reason), so each
-- new reason is announced once.
CREATE TABLE at_risk (
    customer_id bigint NOT NULL,
    reason      text NOT NULL CHECK (reason IN ('repeated_faults', 'low_score', 'complaint_overdue')),
    detail      text NOT NULL,
    since       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, reason)
);

-- Instants leave as RFC 3339 UTC text with millisecond precision.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- KPI helpers. A KPI row belongs to a group (engineer id, station id,
-- product category or 'all') and, in weekly reports, to the local week
-- (its Monday) of the fact's anchor time.
CREATE FUNCTION kpi_group(by_what text, engineer bigint, station bigint, category text) RETURNS text
LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(CASE by_what WHEN 'engineer' THEN engineer::text WHEN 'station' THEN station::text
                                WHEN 'category' THEN category ELSE 'all' END, 'unknown') $$;
CREATE FUNCTION kpi_week(weekly boolean, t timestamptz, zone text) RETURNS date LANGUAGE sql STABLE AS
$$ SELECT CASE WHEN weekly THEN date_trunc('week', t AT TIME ZONE zone)::date END $$;

-- Every case known from any event, with the engineer and station of its
-- first visit (who answers for its response times, parts and complaints).
CREATE VIEW case_facts AS
SELECT ids.case_id, c.customer_id, c.category, c.serial, c.reported_at, c.first_contact_at, c.service_type,
       c.repeat_repair, first_visit.engineer_id, first_visit.station_id
FROM (SELECT case_id FROM cases UNION SELECT case_id FROM visits) ids
LEFT JOIN cases c ON c.case_id = ids.case_id
LEFT JOIN LATERAL (SELECT v.engineer_id, v.station_id FROM visits v WHERE v.case_id = ids.case_id
                   ORDER BY v.visit_id LIMIT 1) first_visit ON true;

-- The quality KPIs of a month (p_period 'YYYY-MM', local in p_zone) by
-- p_by ('engineer', 'station', 'category', 'all'), per week when p_weekly.
-- Each CTE is one KPI family with its anchor time; README.md defines them.
CREATE FUNCTION kpi_report(p_period text, p_by text, p_zone text, p_weekly boolean, p_contact_minutes int,
                           p_first_fix_days int)
RETURNS TABLE ("group" text, week text, visits_completed bigint, cases_completed bigint, surveys_answered bigint,
    attitude float8, technical float8, punctuality float8, transparency float8, cost_fairness float8, overall float8,
    nps float8, first_time_fix_pct float8, repeat_repair_pct float8, first_contact_median_min float8,
    first_contact_p90_min float8, report_to_visit_median_min float8, report_to_visit_p90_min float8,
    first_contact_on_time_pct float8, on_time_arrival_pct float8, parts_24h_pct float8, survey_sent_on_time_pct float8,
    complaints bigint, complaint_rate_pct float8, complaint_reply_on_time_pct float8, free bigint, contract bigint,
    paid bigint, other bigint, avg_invoice_fen bigint)
LANGUAGE sql STABLE AS $kpi$

WITH bounds AS (SELECT ((p_period || '-01')::date)::timestamp AT TIME ZONE p_zone AS lo,  (((p_period || '-01')::date) + interval '1 month')::timestamp AT TIME ZONE p_zone AS hi),
  -- Visits completed in the period, by their own engineer and station.

 done AS (SELECT kpi_group(p_by, v.engineer_id, v.station_id, f.category) grp, kpi_week(p_weekly, v.completed_at, p_zone) week, v.*  FROM visits v LEFT JOIN case_facts f ON f.case_id = v.case_id, bounds  WHERE v.completed_at >= bounds.lo AND v.completed_at < bounds.hi AND NOT v.cancelled),
 agg_done AS (SELECT grp, week, count(*) visits_completed,  round(100.0 * count(*) FILTER (WHERE (arrived_at IS NOT NULL AND arrived_at <= window_end)   OR (arrived_at IS NULL AND NOT late_notified AND window_end IS NOT NULL))   / nullif(count(window_end), 0), 1)::float8 on_time_arrival_pct FROM done GROUP BY grp, week),
  -- Cases repaired in the period: the first repairing visit of each case.

 fixed AS (SELECT DISTINCT ON (v.case_id) v.* FROM visits v WHERE v.outcome = 'repaired' AND NOT v.cancelled  ORDER BY v.case_id, v.completed_at, v.visit_id),
 cdone AS (SELECT kpi_group(p_by, x.engineer_id, x.station_id, f.category) grp, kpi_week(p_weekly, x.completed_at, p_zone) week,  f.service_type, f.repeat_repair,  x.follow_up_of IS NULL AND NOT EXISTS (SELECT 1 FROM visits e WHERE e.case_id = x.case_id AND e.visit_id < x.visit_id   AND NOT e.cancelled) AND NOT EXISTS (SELECT 1 FROM cases r WHERE r.serial = f.serial AND r.case_id <> x.case_id   AND r.reported_at > x.completed_at AND r.reported_at <= x.completed_at + make_interval(days => p_first_fix_days::int)) first_fix,  coalesce((SELECT sum(total_fen) FROM invoices i WHERE i.case_id = x.case_id), 0) invoiced  FROM fixed x LEFT JOIN case_facts f ON f.case_id = x.case_id, bounds  WHERE x.completed_at >= bounds.lo AND x.completed_at < bounds.hi),
 agg_cases AS (SELECT grp, week, count(*) cases_completed,  round(100.0 * count(*) FILTER (WHERE first_fix) / count(*), 1)::float8 first_time_fix_pct,  round(100.0 * count(*) FILTER (WHERE repeat_repair) / count(*), 1)::float8 repeat_repair_pct,  count(*) FILTER (WHERE service_type = 'free') free, count(*) FILTER (WHERE service_type = 'contract') contract,  count(*) FILTER (WHERE service_type = 'paid') paid, count(*) FILTER (WHERE service_type = 'other') other,  round(avg(invoiced))::bigint avg_invoice_fen FROM cdone GROUP BY grp, week),
  -- Answers to the surveys of the visits completed in the period.

 agg_surveys AS (SELECT d.grp, d.week, count(s.*) FILTER (WHERE s.state = 'answered') surveys_answered,  round(avg(s.attitude), 2)::float8 attitude, round(avg(s.technical), 2)::float8 technical,  round(avg(s.punctuality), 2)::float8 punctuality, round(avg(s.transparency), 2)::float8 transparency,  round(avg(s.cost_fairness), 2)::float8 cost_fairness, round(avg(s.overall), 2)::float8 overall,  round((100.0 * count(*) FILTER (WHERE s.nps >= 9) - 100.0 * count(*) FILTER (WHERE s.nps <= 6))   / nullif(count(s.nps), 0), 1)::float8 nps,  round(100.0 * count(*) FILTER (WHERE s.sent_at IS NOT NULL   AND (s.sent_at AT TIME ZONE p_zone)::date <= (s.due_at AT TIME ZONE p_zone)::date)   / nullif(count(*) FILTER (WHERE s.due_at <= now()), 0), 1)::float8 survey_sent_on_time_pct  FROM done d JOIN surveys s ON s.visit_id = d.visit_id GROUP BY d.grp, d.week),
  -- Cases reported in the period: first contact and first visit.

 rep AS (SELECT kpi_group(p_by, f.engineer_id, f.station_id, f.category) grp, kpi_week(p_weekly, f.reported_at, p_zone) week,  f.reported_at, extract(epoch FROM f.first_contact_at - f.reported_at) / 60 contact_min,  extract(epoch FROM (SELECT min(coalesce(v.arrived_at, v.completed_at)) FROM visits v   WHERE v.case_id = f.case_id AND NOT v.cancelled) - f.reported_at) / 60 visit_min  FROM case_facts f, bounds WHERE f.reported_at >= bounds.lo AND f.reported_at < bounds.hi),
 agg_rep AS (SELECT grp, week,  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY contact_min)::numeric, 1)::float8 first_contact_median_min,  round(percentile_cont(0.9) WITHIN GROUP (ORDER BY contact_min)::numeric, 1)::float8 first_contact_p90_min,  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY visit_min)::numeric, 1)::float8 report_to_visit_median_min,  round(percentile_cont(0.9) WITHIN GROUP (ORDER BY visit_min)::numeric, 1)::float8 report_to_visit_p90_min,  round(100.0 * count(*) FILTER (WHERE contact_min <= p_contact_minutes)   / nullif(count(*) FILTER (WHERE contact_min IS NOT NULL OR now() > reported_at + make_interval(mins => p_contact_minutes::int)), 0),   1)::float8 first_contact_on_time_pct FROM rep GROUP BY grp, week),
  -- Parts shipped in the period, against their ship-by time.

 agg_parts AS (SELECT kpi_group(p_by, f.engineer_id, f.station_id, f.category) grp, kpi_week(p_weekly, s.shipped_at, p_zone) week,  round(100.0 * count(*) FILTER (WHERE NOT s.late AND s.shipped_at <= s.ship_by) / count(*), 1)::float8 parts_24h_pct  FROM shipments s LEFT JOIN case_facts f ON f.case_id = s.case_id, bounds  WHERE s.shipped_at >= bounds.lo AND s.shipped_at < bounds.hi GROUP BY 1, 2),
  -- Complaints opened in the period.

 agg_complaints AS (SELECT kpi_group(p_by, f.engineer_id, f.station_id, f.category) grp, kpi_week(p_weekly, c.opened_at, p_zone) week,  count(*) complaints, round(100.0 * count(*) FILTER (WHERE c.replied_at <= c.reply_due)   / nullif(count(*) FILTER (WHERE c.replied_at IS NOT NULL OR c.reply_due < now()), 0), 1)::float8   complaint_reply_on_time_pct  FROM complaints c LEFT JOIN case_facts f ON f.case_id = c.case_id, bounds  WHERE c.opened_at >= bounds.lo AND c.opened_at < bounds.hi GROUP BY 1, 2),
 keys AS (SELECT grp, week FROM
 agg_done UNION SELECT grp, week FROM
 agg_cases UNION SELECT grp, week FROM
 agg_rep  UNION SELECT grp, week FROM
 agg_parts UNION SELECT grp, week FROM
 agg_complaints)
 SELECT k.grp AS "group", k.week::text AS week, coalesce(d.visits_completed, 0) visits_completed,  coalesce(c.cases_completed, 0) cases_completed, coalesce(s.surveys_answered, 0) surveys_answered,  s.attitude, s.technical, s.punctuality, s.transparency, s.cost_fairness, s.overall, s.nps,  c.first_time_fix_pct, c.repeat_repair_pct, r.first_contact_median_min, r.first_contact_p90_min,  r.report_to_visit_median_min, r.report_to_visit_p90_min, r.first_contact_on_time_pct, d.on_time_arrival_pct,  p.parts_24h_pct, s.survey_sent_on_time_pct, coalesce(m.complaints, 0) complaints,  round(100.0 * coalesce(m.complaints, 0) / nullif(c.cases_completed, 0), 1)::float8 complaint_rate_pct,  m.complaint_reply_on_time_pct, coalesce(c.free, 0) free, coalesce(c.contract, 0) contract,  coalesce(c.paid, 0) paid, coalesce(c.other, 0) other, c.avg_invoice_fen
 FROM keys k LEFT JOIN
 agg_done d ON d.grp = k.grp AND d.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_cases c ON c.grp = k.grp AND c.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_surveys s ON s.grp = k.grp AND s.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_rep r ON r.grp = k.grp AND r.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_parts p ON p.grp = k.grp AND p.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_complaints m ON m.grp = k.grp AND m.week IS NOT DISTINCT FROM k.week ORDER BY k.week NULLS FIRST, length(k.grp), k.grp
$kpi$;
