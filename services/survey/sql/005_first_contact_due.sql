-- survey 005: the first-contact promise is intake's. DOMAIN.md promises
-- first contact within 1 hour of business hours; intake computes that due
-- time (a report at 22:00 local is due at 10:00 the next morning) and
-- sends it in case.reported as first_contact_due. surveyd judged it as
-- reported_at + SURVEY_FIRST_CONTACT_MINUTES of clock time, so that night
-- report showed as breached at 23:00. That sum stays the fallback, for a
-- producer that does not send the field and for cases stored before this
-- migration.
ALTER TABLE cases ADD COLUMN first_contact_due timestamptz;     -- case.reported's, in business hours

-- 003's case_promises with the first contact due by intake's time.
CREATE OR REPLACE FUNCTION case_promises(p_contact_minutes int, p_zone text)
RETURNS TABLE (case_id bigint, visit_id bigint, promise text, anchor_at timestamptz, due_at timestamptz,
               met_at timestamptz, state text)
LANGUAGE sql STABLE AS $$
WITH raw AS (
    SELECT c.case_id, NULL::bigint visit_id, 'first_contact' promise, c.reported_at anchor_at,
           coalesce(c.first_contact_due, c.reported_at + make_interval(mins => p_contact_minutes)) due_at,
           c.first_contact_at met_at, false late
    FROM cases c WHERE c.reported_at IS NOT NULL
    UNION ALL
    SELECT c.case_id, NULL, 'warranty_response', c.reported_at, c.response_due, c.responded_at, false
    FROM cases c WHERE c.response_due IS NOT NULL
    UNION ALL
    SELECT c.case_id, NULL, 'progress_notice', c.reported_at, c.progress_due, c.progress_at, false
    FROM cases c WHERE c.progress_due IS NOT NULL
    UNION ALL  -- a visit that ended unrepaired (parts, workshop) was no general on-site repair
    SELECT v.case_id, v.visit_id, 'onsite_repair', v.arrived_at, v.onsite_due,
           CASE WHEN v.outcome = 'repaired' THEN v.completed_at END, false
    FROM visits v WHERE v.onsite_due IS NOT NULL AND NOT v.cancelled AND v.workshop_due IS NULL
     AND v.outcome IS DISTINCT FROM 'not_repaired'
    UNION ALL
    SELECT v.case_id, v.visit_id, 'workshop_repair', v.diagnosed_at, v.workshop_due,
           (SELECT min(r.completed_at) FROM visits r WHERE r.case_id = v.case_id AND r.outcome = 'repaired'
             AND NOT r.cancelled AND r.completed_at >= v.diagnosed_at), false
    FROM visits v WHERE v.workshop_due IS NOT NULL
    UNION ALL
    SELECT s.case_id, NULL, 'part_shipped', s.shipped_at, s.ship_by, s.shipped_at, s.late FROM shipments s
    UNION ALL
    SELECT m.case_id, NULL, 'complaint_reply', m.opened_at, m.reply_due, m.replied_at, false FROM complaints m
    UNION ALL  -- sent on its due local date: due by the end of that date
    SELECT s.case_id, s.visit_id, 'survey_sent', s.due_at,
           (((s.due_at AT TIME ZONE p_zone)::date + 1)::timestamp AT TIME ZONE p_zone), s.sent_at, false
    FROM surveys s)
SELECT case_id, visit_id, promise, anchor_at, due_at, met_at,
       CASE WHEN met_at IS NOT NULL THEN CASE WHEN met_at <= due_at AND NOT late THEN 'kept' ELSE 'breached' END
            WHEN now() > due_at THEN 'breached'
            WHEN now() >= due_at - (due_at - anchor_at) / 4 THEN 'at_risk'
            ELSE 'pending' END
FROM raw $$;

-- 004's kpi_values with first_contact_on_time_pct read from the
-- first_contact promises above (kept of those kept or breached: the same
-- count as before, now by the due time), so the promise and its KPI have
-- one rule. The minutes to first contact (median, p90) stay clock minutes
-- from the report: they measure speed, not the promise. kpi_report rounds
-- this function, unchanged.
CREATE OR REPLACE FUNCTION kpi_values(p_period text, p_by text, p_zone text, p_weekly boolean, p_contact_minutes int,
                           p_first_fix_days int)
RETURNS TABLE ("group" text, week text, visits_completed bigint, cases_completed bigint, surveys_answered bigint,
    attitude numeric, technical numeric, punctuality numeric, transparency numeric, cost_fairness numeric,
    overall numeric, nps numeric, first_time_fix_pct numeric, repeat_repair_pct numeric,
    first_contact_median_min numeric, first_contact_p90_min numeric, report_to_visit_median_min numeric,
    report_to_visit_p90_min numeric, first_contact_on_time_pct numeric, on_time_arrival_pct numeric,
    parts_24h_pct numeric, survey_sent_on_time_pct numeric, complaints bigint, complaint_rate_pct numeric,
    complaint_reply_on_time_pct numeric, free bigint, contract bigint, paid bigint, other bigint,
    avg_invoice_fen numeric, warranty_response_pct numeric, progress_notice_pct numeric, onsite_repair_pct numeric,
    workshop_repair_pct numeric, promises_kept_pct numeric, promises_breached bigint)
LANGUAGE sql STABLE AS $kpi$

WITH bounds AS (SELECT ((p_period || '-01')::date)::timestamp AT TIME ZONE p_zone AS lo,  (((p_period || '-01')::date) + interval '1 month')::timestamp AT TIME ZONE p_zone AS hi),
  -- Visits completed in the period, by their own engineer and station.

 done AS (SELECT kpi_group(p_by, v.engineer_id, v.station_id, v.region, f.category) grp, kpi_week(p_weekly, v.completed_at, p_zone) week, v.*  FROM visits v LEFT JOIN case_facts f ON f.case_id = v.case_id, bounds  WHERE v.completed_at >= bounds.lo AND v.completed_at < bounds.hi AND NOT v.cancelled),
 agg_done AS (SELECT grp, week, count(*) visits_completed,  100.0 * count(*) FILTER (WHERE (arrived_at IS NOT NULL AND arrived_at <= window_end)   OR (arrived_at IS NULL AND NOT late_notified AND window_end IS NOT NULL))   / nullif(count(window_end), 0) on_time_arrival_pct FROM done GROUP BY grp, week),
  -- Cases repaired in the period: the first repairing visit of each case.

 fixed AS (SELECT DISTINCT ON (v.case_id) v.* FROM visits v WHERE v.outcome = 'repaired' AND NOT v.cancelled  ORDER BY v.case_id, v.completed_at, v.visit_id),
 cdone AS (SELECT kpi_group(p_by, x.engineer_id, x.station_id, x.region, f.category) grp, kpi_week(p_weekly, x.completed_at, p_zone) week,  f.service_type, f.repeat_repair,  x.follow_up_of IS NULL AND NOT EXISTS (SELECT 1 FROM visits e WHERE e.case_id = x.case_id AND e.visit_id < x.visit_id   AND NOT e.cancelled) AND NOT EXISTS (SELECT 1 FROM cases r WHERE r.serial = f.serial AND r.case_id <> x.case_id   AND r.reported_at > x.completed_at AND r.reported_at <= x.completed_at + make_interval(days => p_first_fix_days::int)) first_fix,  coalesce((SELECT sum(total_fen) FROM invoices i WHERE i.case_id = x.case_id), 0) invoiced  FROM fixed x LEFT JOIN case_facts f ON f.case_id = x.case_id, bounds  WHERE x.completed_at >= bounds.lo AND x.completed_at < bounds.hi),
 agg_cases AS (SELECT grp, week, count(*) cases_completed,  100.0 * count(*) FILTER (WHERE first_fix) / count(*) first_time_fix_pct,  100.0 * count(*) FILTER (WHERE repeat_repair) / count(*) repeat_repair_pct,  count(*) FILTER (WHERE service_type = 'free') free, count(*) FILTER (WHERE service_type = 'contract') contract,  count(*) FILTER (WHERE service_type = 'paid') paid, count(*) FILTER (WHERE service_type = 'other') other,  avg(invoiced) avg_invoice_fen FROM cdone GROUP BY grp, week),
  -- Answers to the surveys of the visits completed in the period.

 agg_surveys AS (SELECT d.grp, d.week, count(s.*) FILTER (WHERE s.state = 'answered') surveys_answered,  avg(s.attitude) attitude, avg(s.technical) technical,  avg(s.punctuality) punctuality, avg(s.transparency) transparency,  avg(s.cost_fairness) cost_fairness, avg(s.overall) overall,  (100.0 * count(*) FILTER (WHERE s.nps >= 9) - 100.0 * count(*) FILTER (WHERE s.nps <= 6))   / nullif(count(s.nps), 0) nps,  100.0 * count(*) FILTER (WHERE s.sent_at IS NOT NULL   AND (s.sent_at AT TIME ZONE p_zone)::date <= (s.due_at AT TIME ZONE p_zone)::date)   / nullif(count(*) FILTER (WHERE s.due_at <= now()), 0) survey_sent_on_time_pct  FROM done d JOIN surveys s ON s.visit_id = d.visit_id GROUP BY d.grp, d.week),
  -- Cases reported in the period: first contact and first visit.

 rep AS (SELECT kpi_group(p_by, f.engineer_id, f.station_id, f.region, f.category) grp, kpi_week(p_weekly, f.reported_at, p_zone) week,  extract(epoch FROM f.first_contact_at - f.reported_at) / 60 contact_min,  extract(epoch FROM (SELECT min(coalesce(v.arrived_at, v.completed_at)) FROM visits v   WHERE v.case_id = f.case_id AND NOT v.cancelled) - f.reported_at) / 60 visit_min  FROM case_facts f, bounds WHERE f.reported_at >= bounds.lo AND f.reported_at < bounds.hi),
 agg_rep AS (SELECT grp, week,  (percentile_cont(0.5) WITHIN GROUP (ORDER BY contact_min))::numeric first_contact_median_min,  (percentile_cont(0.9) WITHIN GROUP (ORDER BY contact_min))::numeric first_contact_p90_min,  (percentile_cont(0.5) WITHIN GROUP (ORDER BY visit_min))::numeric report_to_visit_median_min,  (percentile_cont(0.9) WITHIN GROUP (ORDER BY visit_min))::numeric report_to_visit_p90_min FROM rep GROUP BY grp, week),
  -- Parts shipped in the period, against their ship-by time.

 agg_parts AS (SELECT kpi_group(p_by, f.engineer_id, f.station_id, f.region, f.category) grp, kpi_week(p_weekly, s.shipped_at, p_zone) week,  100.0 * count(*) FILTER (WHERE NOT s.late AND s.shipped_at <= s.ship_by) / count(*) parts_24h_pct  FROM shipments s LEFT JOIN case_facts f ON f.case_id = s.case_id, bounds  WHERE s.shipped_at >= bounds.lo AND s.shipped_at < bounds.hi GROUP BY 1, 2),
  -- Complaints opened in the period.

 agg_complaints AS (SELECT kpi_group(p_by, f.engineer_id, f.station_id, f.region, f.category) grp, kpi_week(p_weekly, c.opened_at, p_zone) week,  count(*) complaints, 100.0 * count(*) FILTER (WHERE c.replied_at <= c.reply_due)   / nullif(count(*) FILTER (WHERE c.replied_at IS NOT NULL OR c.reply_due < now()), 0)   complaint_reply_on_time_pct  FROM complaints c LEFT JOIN case_facts f ON f.case_id = c.case_id, bounds  WHERE c.opened_at >= bounds.lo AND c.opened_at < bounds.hi GROUP BY 1, 2),
  -- Promises (case_promises) anchored in the period: kept of those decided.

 prom AS (SELECT kpi_group(p_by, coalesce(v.engineer_id, f.engineer_id), coalesce(v.station_id, f.station_id),  coalesce(v.region, f.region), f.category) grp, kpi_week(p_weekly, p.anchor_at, p_zone) week, p.promise, p.state  FROM case_promises(p_contact_minutes, p_zone) p LEFT JOIN visits v ON v.visit_id = p.visit_id  LEFT JOIN case_facts f ON f.case_id = p.case_id, bounds  WHERE p.anchor_at >= bounds.lo AND p.anchor_at < bounds.hi),
 agg_prom AS (SELECT grp, week,  promise_pct(count(*) FILTER (WHERE promise = 'first_contact' AND state = 'kept'),   count(*) FILTER (WHERE promise = 'first_contact' AND state IN ('kept', 'breached'))) first_contact_on_time_pct,  promise_pct(count(*) FILTER (WHERE promise = 'warranty_response' AND state = 'kept'),   count(*) FILTER (WHERE promise = 'warranty_response' AND state IN ('kept', 'breached'))) warranty_response_pct,  promise_pct(count(*) FILTER (WHERE promise = 'progress_notice' AND state = 'kept'),   count(*) FILTER (WHERE promise = 'progress_notice' AND state IN ('kept', 'breached'))) progress_notice_pct,  promise_pct(count(*) FILTER (WHERE promise = 'onsite_repair' AND state = 'kept'),   count(*) FILTER (WHERE promise = 'onsite_repair' AND state IN ('kept', 'breached'))) onsite_repair_pct,  promise_pct(count(*) FILTER (WHERE promise = 'workshop_repair' AND state = 'kept'),   count(*) FILTER (WHERE promise = 'workshop_repair' AND state IN ('kept', 'breached'))) workshop_repair_pct,  promise_pct(count(*) FILTER (WHERE state = 'kept'), count(*) FILTER (WHERE state IN ('kept', 'breached'))) promises_kept_pct,  count(*) FILTER (WHERE state = 'breached') promises_breached  FROM prom GROUP BY grp, week),
 keys AS (SELECT grp, week FROM
 agg_done UNION SELECT grp, week FROM
 agg_cases UNION SELECT grp, week FROM
 agg_rep  UNION SELECT grp, week FROM
 agg_parts UNION SELECT grp, week FROM
 agg_complaints UNION SELECT grp, week FROM
 agg_prom)
 SELECT k.grp AS "group", k.week::text AS week, coalesce(d.visits_completed, 0) visits_completed,  coalesce(c.cases_completed, 0) cases_completed, coalesce(s.surveys_answered, 0) surveys_answered,  s.attitude, s.technical, s.punctuality, s.transparency, s.cost_fairness, s.overall, s.nps,  c.first_time_fix_pct, c.repeat_repair_pct, r.first_contact_median_min, r.first_contact_p90_min,  r.report_to_visit_median_min, r.report_to_visit_p90_min, q.first_contact_on_time_pct, d.on_time_arrival_pct,  p.parts_24h_pct, s.survey_sent_on_time_pct, coalesce(m.complaints, 0) complaints,  100.0 * coalesce(m.complaints, 0) / nullif(c.cases_completed, 0) complaint_rate_pct,  m.complaint_reply_on_time_pct, coalesce(c.free, 0) free, coalesce(c.contract, 0) contract,  coalesce(c.paid, 0) paid, coalesce(c.other, 0) other, c.avg_invoice_fen,  q.warranty_response_pct, q.progress_notice_pct, q.onsite_repair_pct, q.workshop_repair_pct, q.promises_kept_pct,  coalesce(q.promises_breached, 0) promises_breached
 FROM keys k LEFT JOIN
 agg_done d ON d.grp = k.grp AND d.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_cases c ON c.grp = k.grp AND c.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_surveys s ON s.grp = k.grp AND s.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_rep r ON r.grp = k.grp AND r.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_parts p ON p.grp = k.grp AND p.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_complaints m ON m.grp = k.grp AND m.week IS NOT DISTINCT FROM k.week LEFT JOIN
 agg_prom q ON q.grp = k.grp AND q.week IS NOT DISTINCT FROM k.week ORDER BY k.week NULLS FIRST, length(k.grp), k.grp
$kpi$;
