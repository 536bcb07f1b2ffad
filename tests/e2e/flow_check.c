/*  flow_check: after a day, the services agree with each other. Each rule
    is a named check; the SQL is read-only, on the suite's database as an
    outside oracle (the services themselves never read each other's
    schemas), and the ledger is verified through inventory's own RPC.     */
#include "flow_world.h"
#include "as_config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_schemas [] = { "intake", "dispatch", "inventory", "billing", "survey", NULL };

static bool
s_exists (PGconn *db, const char *relation)
{
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT to_regclass('%s') IS NOT NULL", relation);
    PGresult *result = PQexec (db, sql);
    bool exists = PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1
               && PQgetvalue (result, 0, 0)[0] == 't';
    PQclear (result);
    return exists;
}

//  Rows of a query that must return none; prints up to 10 of them.
static int
s_none (PGconn *db, const char *name, const char *rule, const char *sql)
{
    PGresult *result = PQexec (db, sql);
    if (PQresultStatus (result) != PGRES_TUPLES_OK) {
        printf ("FAIL %-38s query failed: %s", name, PQerrorMessage (db));
        PQclear (result);
        return 1;
    }
    int rows = PQntuples (result);
    printf ("%s %-38s %s", rows ? "FAIL" : "ok  ", name, rule);
    if (rows)
        printf (": %d violation%s", rows, rows > 1 ? "s" : "");
    printf ("\n");
    for (int row = 0; row < rows && row < 10; row++) {
        printf ("       ");
        for (int col = 0; col < PQnfields (result); col++)
            printf ("%s=%s ", PQfname (result, col), PQgetisnull (result, row, col) ? "null" : PQgetvalue (result, row, col));
        printf ("\n");
    }
    PQclear (result);
    return rows ? 1 : 0;
}

//  Consumers behind their producers, or events still in an outbox.
static int64_t
s_backlog (PGconn *db, bool survey)
{
    int64_t behind = 0;
    char sql [512];
    for (const char **schema = s_schemas; *schema; schema++) {
        char table [64];
        if (!survey && !strcmp (*schema, "survey"))
            continue;
        snprintf (table, sizeof table, "%s.cursors", *schema);
        if (!s_exists (db, table))
            continue;
        snprintf (sql, sizeof sql, "SELECT (SELECT count(*) FROM %s.outbox), producer, last_sequence FROM %s.cursors",
                  *schema, *schema);
        PGresult *result = PQexec (db, sql);
        for (int row = 0; PQresultStatus (result) == PGRES_TUPLES_OK && row < PQntuples (result); row++) {
            behind += row == 0 ? atoll (PQgetvalue (result, 0, 0)) : 0;
            char log [64];
            snprintf (log, sizeof log, "%s.event_log", PQgetvalue (result, row, 1));
            if (!s_exists (db, log))
                continue;
            snprintf (sql, sizeof sql, "SELECT coalesce(max(sequence), 0) - %s FROM %s", PQgetvalue (result, row, 2), log);
            PGresult *max = PQexec (db, sql);
            if (PQresultStatus (max) == PGRES_TUPLES_OK)
                behind += llabs (atoll (PQgetvalue (max, 0, 0)));
            PQclear (max);
        }
        PQclear (result);
    }
    return behind;
}

bool
flow_quiesce (PGconn *db, bool survey, int timeout_ms)
{
    int64_t until = flow_now_ms () + timeout_ms;
    int64_t behind = s_backlog (db, survey);
    while (behind && flow_now_ms () < until) {
        zclock_sleep (250);
        behind = s_backlog (db, survey);
    }
    return behind == 0;
}

static int
s_event_checks (PGconn *db)
{
    int failed = 0;
    char sql [4096] = "SELECT * FROM (", part [512];
    bool first = true;
    for (const char **schema = s_schemas; *schema; schema++) {
        char table [64];
        snprintf (table, sizeof table, "%s.event_log", *schema);
        if (!s_exists (db, table))
            continue;
        snprintf (part, sizeof part, "%s SELECT '%s' AS log, count(*) AS events, coalesce(max(sequence), 0) AS last,"
                  " (SELECT count(*) FROM %s.dead_letters) AS dead_letters FROM %s.event_log",
                  first ? "" : " UNION ALL", *schema, *schema, *schema);
        strncat (sql, part, sizeof sql - strlen (sql) - 1);
        first = false;
    }
    strncat (sql, ") t WHERE events <> last OR dead_letters > 0", sizeof sql - strlen (sql) - 1);
    failed += s_none (db, "events.gap_free_no_dead_letters",
                      "each log is 1..N without a gap; no consumer refused an event", sql);
    return failed;
}

static int
s_case_checks (PGconn *db)
{
    int failed = 0;
    //  Intake closes a case when dispatch tells that its last visit ended
    //  (services/intake/README.md "Closing a case"): its status is the judge.
    failed += s_none (db, "cases.final_or_explainable",
        "each case is closed, cancelled or solved remotely at intake, or waits for parts or the workshop",
        "SELECT c.id AS case_id, c.status, string_agg(v.id || ':' || v.status, ',' ORDER BY v.id) AS visits"
        " FROM intake.cases c LEFT JOIN dispatch.visits v ON v.case_id = c.id"
        " GROUP BY c.id, c.status"
        " HAVING NOT (c.status IN ('cancelled', 'resolved_remotely', 'closed')"
        "   OR (c.status IN ('awaiting_visit', 'escalated') AND bool_or(v.status = 'unscheduled'"
        "       AND (v.waiting_parts > 0 OR v.kind = 'workshop_return'))))"
        " ORDER BY 1");
    failed += s_none (db, "cases.closed_when_last_visit_ended",
        "a case whose last visit ended (completed / cannot_complete) is closed at intake with that outcome, or cancelled",
        "WITH last AS (SELECT DISTINCT ON (case_id) case_id, id, status FROM dispatch.visits ORDER BY case_id, id DESC)"
        " SELECT c.id AS case_id, c.status, c.close_outcome, c.closed_by_visit, l.id AS last_visit, l.status AS visit_status"
        " FROM last l JOIN intake.cases c ON c.id = l.case_id"
        " WHERE l.status IN ('completed', 'cannot_complete') AND c.status <> 'cancelled'"
        "   AND NOT (c.status = 'closed' AND c.closed_by_visit = l.id AND c.close_outcome ="
        "     CASE l.status WHEN 'completed' THEN 'repaired' ELSE 'not_repaired' END)"
        " ORDER BY 1");
    failed += s_none (db, "cases.closed_have_no_live_visit",
        "a case closed at intake has no visit planned or under way at dispatch",
        "SELECT c.id AS case_id, c.close_outcome, v.id AS visit_id, v.status FROM intake.cases c"
        " JOIN dispatch.visits v ON v.case_id = c.id WHERE c.status = 'closed'"
        " AND v.status IN ('unscheduled', 'scheduled', 'dispatched', 'confirmed', 'en_route', 'on_site')");
    failed += s_none (db, "cases.one_closed_event_per_closed_case",
        "intake emitted case.closed once for each closed case, and for no other",
        "SELECT c.id AS case_id, c.status, count(e.sequence) AS closed_events FROM intake.cases c"
        " LEFT JOIN intake.event_log e ON e.type = 'case.closed' AND e.subject = 'case/' || c.id"
        " GROUP BY c.id, c.status HAVING count(e.sequence) <> CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END"
        " ORDER BY 1");
    failed += s_none (db, "cases.cancelled_have_no_live_visit",
        "a cancelled case has no visit still planned or under way",
        "SELECT c.id AS case_id, v.id AS visit_id, v.status FROM intake.cases c JOIN dispatch.visits v ON v.case_id = c.id"
        " WHERE c.status = 'cancelled' AND v.status IN ('unscheduled', 'scheduled', 'dispatched', 'confirmed')");
    failed += s_none (db, "cases.one_live_visit",
        "no case has two visits planned at once",
        "SELECT case_id, count(*) FROM dispatch.visits WHERE status NOT IN ('completed', 'needs_parts',"
        " 'taken_to_workshop', 'cannot_complete', 'cancelled') GROUP BY case_id HAVING count(*) > 1");
    failed += s_none (db, "visits.completed_have_entitlement",
        "each completed visit's case has billing's decision, and dispatch saw it",
        "SELECT v.id AS visit_id, v.case_id, b.service_type, d.entitlement FROM dispatch.visits v"
        " LEFT JOIN billing.cases b ON b.case_id = v.case_id JOIN dispatch.cases d ON d.id = v.case_id"
        " WHERE v.status = 'completed' AND (b.service_type IS NULL OR d.entitlement IS NULL)");
    return failed;
}

static int
s_money_and_parts_checks (PGconn *db)
{
    int failed = 0;
    failed += s_none (db, "parts.issued_equal_reported",
        "per case and part, inventory issued what the engineers reported used",
        "WITH used AS (SELECT v.case_id, p->>'part_no' AS part_no, sum((p->>'quantity')::int) AS quantity"
        "   FROM dispatch.visits v, jsonb_array_elements(coalesce(v.completion->'parts_used', '[]')) p"
        "   WHERE v.status = 'completed' GROUP BY 1, 2),"
        " issued AS (SELECT case_id, part_no, sum(abs(quantity)) AS quantity FROM inventory.movements"
        "   WHERE reason = 'issue' GROUP BY 1, 2)"
        " SELECT coalesce(u.case_id, i.case_id) AS case_id, coalesce(u.part_no, i.part_no) AS part_no,"
        "   u.quantity AS reported, i.quantity AS issued"
        " FROM used u FULL JOIN issued i ON i.case_id = u.case_id AND i.part_no = u.part_no"
        " WHERE u.quantity IS DISTINCT FROM i.quantity");
    failed += s_none (db, "billing.one_invoice_per_chargeable_case",
        "an accepted quote and accepted completed work: one invoice; otherwise none",
        "WITH chargeable AS (SELECT DISTINCT q.case_id FROM billing.quotes q JOIN dispatch.visits v ON v.case_id = q.case_id"
        "   WHERE q.status IN ('accepted', 'invoiced') AND v.status = 'completed' AND (v.completion->>'customer_accepted')::boolean),"
        " billed AS (SELECT case_id, count(*) AS invoices FROM billing.invoices WHERE case_id IS NOT NULL GROUP BY 1)"
        " SELECT coalesce(c.case_id, b.case_id) AS case_id, c.case_id IS NOT NULL AS chargeable, coalesce(b.invoices, 0) AS invoices"
        " FROM chargeable c FULL JOIN billed b ON b.case_id = c.case_id"
        " WHERE coalesce(b.invoices, 0) <> CASE WHEN c.case_id IS NULL THEN 0 ELSE 1 END");
    failed += s_none (db, "billing.invoice_numbers_gap_free",
        "invoice numbers of a year are 1..N",
        "SELECT year, count(*), max(seq) FROM billing.invoices GROUP BY year HAVING count(*) <> max(seq)");
    return failed;
}

static int
s_ledger_check (void)
{
    as_rpc_client_t *client = as_rpc_client_new (as_endpoint ("inventory"));
    as_rpc_client_set_timeout (client, 30000, 2);
    as_rpc_reply_t reply;
    as_error_t err;
    bool ok = false;
    int64_t movements = 0;
    if (as_rpc_client_call_json (client, "ledger.verify", "{}", NULL, &reply, &err) == 0) {
        if (reply.ok) {
            as_obj_bool (reply.result, "ok", &ok);
            as_obj_int (reply.result, "movements", &movements);
        }
        as_rpc_reply_release (&reply);
    }
    as_rpc_client_destroy (&client);
    printf ("%s %-38s every balance equals the sum of its movements (%lld movements)\n", ok ? "ok  " : "FAIL",
            "inventory.ledger_verifies", (long long) movements);
    return ok ? 0 : 1;
}

int
flow_checks (PGconn *db, bool survey, bool verbose)
{
    (void) verbose;
    int failed = 0;
    bool quiet = flow_quiesce (db, survey, 60000);
    printf ("%s %-38s every consumer applied every event its producers logged; outboxes empty\n",
            quiet ? "ok  " : "FAIL", "events.quiesced");
    failed += !quiet;
    failed += s_event_checks (db);
    failed += s_case_checks (db);
    failed += s_money_and_parts_checks (db);
    failed += s_ledger_check ();
    if (survey && s_exists (db, "survey.surveys"))
        failed += s_none (db, "survey.one_per_completed_case",
            "each case with a completed visit has exactly one survey",
            "SELECT v.case_id, count(DISTINCT s.survey_id) AS surveys FROM dispatch.visits v"
            " LEFT JOIN survey.surveys s ON s.case_id = v.case_id WHERE v.status = 'completed'"
            " GROUP BY v.case_id HAVING count(DISTINCT s.survey_id) <> 1");
    if (survey && s_exists (db, "survey.surveys")) {
        //  Facts surveyd consumed before its migration 003 have no region
        //  and no promise clocks (its README): judged from then on.
        const char *since = " AND c.reported_at > (SELECT applied_at FROM survey.migrations"
                            " WHERE track = 'survey' AND version = 3)";
        char sql [1024];
        snprintf (sql, sizeof sql,
            "SELECT r.visit_id, r.region, st.region AS station_region FROM survey.visits r"
            " JOIN survey.cases c ON c.case_id = r.case_id"
            " JOIN dispatch.visits v ON v.id = r.visit_id JOIN dispatch.stations st ON st.id = v.station_id"
            " WHERE r.region IS DISTINCT FROM st.region%s", since);
        failed += s_none (db, "survey.visits_in_their_station_region",
            "surveyd's KPI model puts each visit in the region of its station (told by dispatch)", sql);
        snprintf (sql, sizeof sql,
            "SELECT c.case_id, c.response_due, c.progress_due, c.responded_at FROM survey.cases c"
            " WHERE c.reported_at IS NOT NULL AND (c.response_due IS NULL OR c.progress_due <= c.reported_at"
            "  OR c.progress_due IS NULL OR c.responded_at IS NULL)%s", since);
        failed += s_none (db, "survey.promises_of_every_case",
            "every reported case has its promise clocks (warranty response, progress notice), and is answered",
            sql);
    }
    else
        printf ("skip %-38s surveyd did not answer during the day\n", "survey.one_per_completed_case");
    return failed;
}
