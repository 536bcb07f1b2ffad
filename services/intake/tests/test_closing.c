/*  intake.closing: a case closes when dispatch tells that its work is done.
    Real busd and intaked; standind plays dispatch and emits its visit
    events through a real outbox and log (test.emit), as dispatchd does:
    a repaired visit closes the case and case.closed is emitted once even
    when the completion is told twice; a diagnosis that needs parts keeps
    the case open until the follow-up visit is repaired; a visit that ends
    not repaired closes the case as not_repaired; a completion intake never
    saw planned still closes; a cancelled case stays cancelled; the
    closed_at of case.closed is the one stored; a visit of a case intake
    does not know is refused (not_found, dead letter) and leaves nothing. */
#include "as_harness.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_window =
    "\"engineer_id\":3,\"station_id\":1,\"window_start\":\"2026-11-23T01:00:00.000Z\","
    "\"window_end\":\"2026-11-23T03:00:00.000Z\"";

typedef struct {
    as_harness_t *harness;
    as_rpc_client_t *intake;
    as_rpc_client_t *dispatch;
    int told;                   //  events emitted by the stand-in so far
} s_world_t;

//  Emit one dispatch event and wait until intake has applied it (the
//  stand-in's log is 1..told, and intake's cursor follows it).
static void
s_tell (s_world_t *world, const char *type, int visit_id, const char *data)
{
    char params [2048], sql [160];
    snprintf (params, sizeof params, "{\"type\":\"%s\",\"subject\":\"visit/%d\",\"data\":{%s}}", type, visit_id, data);
    as_rpc_reply_t reply;
    as_harness_call (world->dispatch, "test.emit", params, NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    world->told++;
    snprintf (sql, sizeof sql, "SELECT last_sequence FROM intake.cursors WHERE producer = 'dispatch'");
    AS_CHECK (as_harness_await (world->harness, sql, world->told, 10000) == world->told);
}

static void
s_scheduled (s_world_t *world, int visit_id, int64_t case_id, int follow_up_of)
{
    char data [512], follow [48] = "";
    if (follow_up_of)
        snprintf (follow, sizeof follow, ",\"follow_up_of\":%d", follow_up_of);
    snprintf (data, sizeof data, "\"visit_id\":%d,\"case_id\":%lld,%s%s", visit_id, (long long) case_id, s_window, follow);
    s_tell (world, "visit.scheduled", visit_id, data);
}

static void
s_diagnosed_needs_parts (s_world_t *world, int visit_id, int64_t case_id)
{
    char data [1024];
    snprintf (data, sizeof data, "\"visit_id\":%d,\"case_id\":%lld,\"engineer_id\":3,\"station_id\":1,"
              "\"category\":\"air_conditioner\",\"model\":\"KFR-35GW\",\"serial\":\"SN-CLOSE\",\"cause\":\"quality\","
              "\"repair_items\":[{\"code\":\"R-PCB\",\"quantity\":1}],\"parts_needed\":[{\"part_no\":\"PCB-35\",\"quantity\":1}],"
              "\"resolution\":\"on_site\",\"diagnosed_at\":\"2026-11-23T01:30:00.000Z\"", visit_id, (long long) case_id);
    s_tell (world, "visit.diagnosed", visit_id, data);
}

//  visit.completed as dispatchd packs it: repaired (completed) or not
//  repaired (cannot_complete, work_done is the reason).
static void
s_completed (s_world_t *world, int visit_id, int64_t case_id, bool repaired, int follow_up_of)
{
    char data [1024], follow [48] = "";
    if (follow_up_of)
        snprintf (follow, sizeof follow, ",\"follow_up_of\":%d", follow_up_of);
    snprintf (data, sizeof data, "\"visit_id\":%d,\"case_id\":%lld,\"engineer_id\":3,\"station_id\":1,"
              "\"outcome\":\"%s\",\"work_done\":\"%s\",\"repair_items\":%s,\"parts_used\":%s,"
              "\"labour_minutes\":%d,\"customer_accepted\":%s,\"end_status\":\"%s\","
              "\"completed_at\":\"2026-11-23T02:00:00.000Z\"%s",
              visit_id, (long long) case_id, repaired ? "repaired" : "not_repaired",
              repaired ? "replaced the control board" : "customer declined the quote",
              repaired ? "[{\"code\":\"R-PCB\",\"quantity\":1}]" : "[]",
              repaired ? "[{\"part_no\":\"PCB-35\",\"quantity\":1}]" : "[]", repaired ? 45 : 0,
              repaired ? "true" : "false", repaired ? "completed" : "cannot_complete", follow);
    s_tell (world, "visit.completed", visit_id, data);
}

static void
s_visit_cancelled (s_world_t *world, int visit_id, int64_t case_id)
{
    char data [256];
    snprintf (data, sizeof data, "\"visit_id\":%d,\"case_id\":%lld,\"reason\":\"case cancelled\"",
              visit_id, (long long) case_id);
    s_tell (world, "visit.cancelled", visit_id, data);
}

//  A case reported and triaged: it waits for a visit.
static int64_t
s_case_waiting (s_world_t *world, const char *serial)
{
    int64_t case_id = as_harness_report (world->intake, serial, NULL);
    char params [128];
    snprintf (params, sizeof params, "{\"case_id\":%lld,\"outcome\":\"fault_confirmed\"}", (long long) case_id);
    as_rpc_reply_t reply;
    as_harness_call (world->intake, "case.triage", params, NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    //  Its history: the report, then the triage's two steps in order.
    char sql [400];
    snprintf (sql, sizeof sql, "SELECT (string_agg(coalesce(from_status, '-') || '>' || to_status, ','"
              " ORDER BY id) = '->reported,reported>triaged,triaged>awaiting_visit')::int"
              " FROM intake.case_history WHERE case_id = %lld", (long long) case_id);
    AS_CHECK (as_harness_scalar (world->harness, sql) == 1);
    return case_id;
}

static bool
s_status_is (s_world_t *world, int64_t case_id, const char *status)
{
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.cases WHERE id = %lld AND status = '%s'",
              (long long) case_id, status);
    return as_harness_scalar (world->harness, sql) == 1;
}

//  Events intake emitted (committed: in its log, or in its outbox still
//  on the way to the log, which the relay empties after the commit).
#define S_EMITTED "(SELECT type, subject, data, 0 AS queued, sequence AS position FROM intake.event_log" \
                  " UNION ALL SELECT type, subject, data, 1, id FROM intake.outbox) e"

//  case.closed events intake emitted for the case; the last one's outcome,
//  closed_at and visit_id (0 when absent) are read from its data.
static int
s_closed_events (s_world_t *world, int64_t case_id, char *outcome, size_t size, char *closed_at,
                 size_t closed_at_size, int64_t *visit_id)
{
    char sql [400];
    snprintf (sql, sizeof sql, "SELECT encode(data, 'hex') FROM " S_EMITTED " WHERE type = 'case.closed'"
              " AND subject = 'case/%lld' ORDER BY queued, position", (long long) case_id);
    PGresult *result = PQexec (as_harness_db (world->harness), sql);
    AS_CHECK (PQresultStatus (result) == PGRES_TUPLES_OK);
    int rows = PQntuples (result);
    *outcome = 0;
    *closed_at = 0;
    *visit_id = 0;
    if (rows > 0) {
        const char *hex = PQgetvalue (result, rows - 1, 0);
        size_t length = strlen (hex) / 2;
        uint8_t *bytes = malloc (length);
        for (size_t index = 0; index < length; index++)
            sscanf (hex + 2 * index, "%2hhx", &bytes [index]);
        as_error_t err;
        as_msg_t *data = as_msg_decode (bytes, length, 1 << 20, &err);
        AS_CHECK (data);
        const msgpack_object *root = as_msg_root (data);
        int64_t event_case = 0;
        AS_CHECK (as_obj_int (root, "case_id", &event_case) && event_case == case_id);
        AS_CHECK (as_obj_strcpy (root, "closed_at", closed_at, closed_at_size));
        as_obj_strcpy (root, "outcome", outcome, size);
        as_obj_int (root, "visit_id", visit_id);
        as_msg_destroy (&data);
        free (bytes);
    }
    PQclear (result);
    return rows;
}

static void
s_check_closed (s_world_t *world, int64_t case_id, const char *outcome, int64_t visit_id)
{
    char event_outcome [32], closed_at [40], sql [300];
    int64_t event_visit = 0;
    AS_CHECK (s_status_is (world, case_id, "closed"));
    AS_CHECK (s_closed_events (world, case_id, event_outcome, sizeof event_outcome, closed_at, sizeof closed_at,
                               &event_visit) == 1);
    AS_CHECK (!strcmp (event_outcome, outcome));
    AS_CHECK (event_visit == visit_id);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.cases WHERE id = %lld AND close_outcome = '%s'"
              " AND closed_by_visit = %lld AND intake.rfc3339(closed_at) = '%s'", (long long) case_id, outcome,
              (long long) visit_id, closed_at);
    AS_CHECK (as_harness_scalar (world->harness, sql) == 1);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.case_history WHERE case_id = %lld AND to_status = 'closed'"
              " AND from_status = 'awaiting_visit' AND actor = 'dispatch'", (long long) case_id);
    AS_CHECK (as_harness_scalar (world->harness, sql) == 1);
}

//  Repaired: closed, case.closed once, even when the completion is told twice.
static void
s_repaired_once (s_world_t *world)
{
    int64_t case_id = s_case_waiting (world, "SN-CLOSE-1");
    s_scheduled (world, 101, case_id, 0);
    AS_CHECK (s_status_is (world, case_id, "awaiting_visit"));
    s_completed (world, 101, case_id, true, 0);
    s_check_closed (world, case_id, "repaired", 101);
    s_completed (world, 101, case_id, true, 0);
    s_check_closed (world, case_id, "repaired", 101);
    //  A late word of the visit's plan changes nothing: an ended visit stays ended.
    char data [512];
    snprintf (data, sizeof data, "\"visit_id\":101,\"case_id\":%lld,\"reason\":\"moved\",\"unassigned\":true",
              (long long) case_id);
    s_tell (world, "visit.rescheduled", 101, data);
    s_check_closed (world, case_id, "repaired", 101);
    AS_CHECK (as_harness_scalar (world->harness, "SELECT count(*) FROM intake.case_visits WHERE visit_id = 101"
                                                 " AND state = 'repaired'") == 1);
    //  A new report of the product opens a new case: the old one ended.
    int64_t again = as_harness_report (world->intake, "SN-CLOSE-1", NULL);
    AS_CHECK (again != case_id);
}

//  Parts: the first visit ends at its diagnosis (no visit.completed, as
//  dispatchd does); the case waits for the follow-up visit's repair.
static void
s_parts_follow_up (s_world_t *world)
{
    int64_t case_id = s_case_waiting (world, "SN-CLOSE-2");
    s_scheduled (world, 201, case_id, 0);
    s_diagnosed_needs_parts (world, 201, case_id);
    AS_CHECK (s_status_is (world, case_id, "awaiting_visit"));
    s_scheduled (world, 202, case_id, 201);
    AS_CHECK (s_status_is (world, case_id, "awaiting_visit"));
    AS_CHECK (as_harness_scalar (world->harness, "SELECT count(*) FROM intake.case_visits WHERE visit_id = 201"
                                                 " AND state = 'superseded'") == 1);
    //  The operator cannot close it while the follow-up is planned.
    char params [160];
    snprintf (params, sizeof params, "{\"case_id\":%lld,\"reason\":\"customer went elsewhere\"}", (long long) case_id);
    as_rpc_reply_t reply;
    as_harness_call (world->intake, "case.close", params, NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_FAILED_PRECONDITION);
    as_rpc_reply_release (&reply);
    s_completed (world, 202, case_id, true, 201);
    s_check_closed (world, case_id, "repaired", 202);
}

//  Not repaired (cannot_complete: dispatch books nothing after it): closed
//  as not_repaired. A completion intake never saw planned closes as well.
static void
s_not_repaired_and_unseen (s_world_t *world)
{
    int64_t case_id = s_case_waiting (world, "SN-CLOSE-3");
    s_scheduled (world, 301, case_id, 0);
    s_completed (world, 301, case_id, false, 0);
    s_check_closed (world, case_id, "not_repaired", 301);
    int64_t unseen = s_case_waiting (world, "SN-CLOSE-4");
    s_completed (world, 401, unseen, true, 0);
    s_check_closed (world, unseen, "repaired", 401);
}

//  Not repaired, the engineer's reason in Chinese and longer than the 500
//  bytes the history note keeps (200 characters of 3 bytes): the note is
//  cut at a character, not inside one (PostgreSQL would refuse it and the
//  event would be a dead letter), and the case closes.
static void
s_long_chinese_reason (s_world_t *world)
{
    int64_t case_id = s_case_waiting (world, "SN-CLOSE-6");
    s_scheduled (world, 601, case_id, 0);
    char work [700] = "", data [1400];
    for (int index = 0; index < 200; index++)
        strcat (work, "\xe4\xbf\xae");         //  修
    snprintf (data, sizeof data, "\"visit_id\":601,\"case_id\":%lld,\"engineer_id\":3,\"station_id\":1,"
              "\"outcome\":\"not_repaired\",\"work_done\":\"%s\",\"repair_items\":[],\"parts_used\":[],"
              "\"labour_minutes\":0,\"customer_accepted\":false,\"end_status\":\"cannot_complete\","
              "\"completed_at\":\"2026-11-23T02:00:00.000Z\"", (long long) case_id, work);
    s_tell (world, "visit.completed", 601, data);
    s_check_closed (world, case_id, "not_repaired", 601);
    char sql [200];
    snprintf (sql, sizeof sql, "SELECT octet_length(note) FROM intake.case_history WHERE case_id = %lld"
              " AND to_status = 'closed'", (long long) case_id);
    AS_CHECK (as_harness_scalar (world->harness, sql) == (int64_t) strlen ("visit 601 not repaired: ") + 498);
}

//  Cancelled in intake: the visit's late end is noted, never reopens it.
static void
s_cancelled_stays (s_world_t *world)
{
    int64_t case_id = s_case_waiting (world, "SN-CLOSE-5");
    s_scheduled (world, 501, case_id, 0);
    char params [160];
    snprintf (params, sizeof params, "{\"case_id\":%lld,\"reason\":\"customer bought a new one\"}", (long long) case_id);
    as_rpc_reply_t reply;
    as_harness_call (world->intake, "case.cancel", params, NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    s_completed (world, 501, case_id, true, 0);
    s_visit_cancelled (world, 501, case_id);
    AS_CHECK (s_status_is (world, case_id, "cancelled"));
    char outcome [32], closed_at [40], sql [200];
    int64_t visit_id;
    AS_CHECK (s_closed_events (world, case_id, outcome, sizeof outcome, closed_at, sizeof closed_at, &visit_id) == 0);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.case_history WHERE case_id = %lld"
              " AND from_status = 'cancelled' AND to_status = 'cancelled' AND note LIKE 'visit 501 ended repaired%%'",
              (long long) case_id);
    AS_CHECK (as_harness_scalar (world->harness, sql) == 1);
}

//  A visit of a case intake never made: refused (not_found, dead letter),
//  and nothing of it kept.
static void
s_unknown_case (s_world_t *world)
{
    s_scheduled (world, 901, 999999, 0);
    s_completed (world, 901, 999999, true, 0);
    AS_CHECK (as_harness_scalar (world->harness, "SELECT count(*) FROM intake.dead_letters"
                                                 " WHERE error_code = 'not_found'") == 2);
    AS_CHECK (as_harness_scalar (world->harness, "SELECT count(*) FROM intake.case_visits WHERE visit_id = 901") == 0);
}

int
main (void)
{
    s_world_t world = { as_harness_new ("intake_closing"), NULL, NULL, 0 };
    as_harness_start (world.harness, "busd", NULL);
    const char *standin [] = { "STANDIN_SERVICE=dispatch", NULL };
    as_harness_start (world.harness, "standind", standin);
    as_harness_start (world.harness, "intaked", NULL);
    world.intake = as_harness_client (world.harness, "intake");
    world.dispatch = as_harness_client (world.harness, "dispatch");

    s_repaired_once (&world);
    s_parts_follow_up (&world);
    s_not_repaired_and_unseen (&world);
    s_cancelled_stays (&world);
    s_long_chinese_reason (&world);
    //  Every event was applied, none refused.
    AS_CHECK (as_harness_scalar (world.harness, "SELECT count(*) FROM intake.dead_letters") == 0);
    AS_CHECK (as_harness_scalar (world.harness, "SELECT count(*) FROM " S_EMITTED " WHERE type = 'case.closed'") == 5);
    //  And the relay logs them all.
    AS_CHECK (as_harness_await (world.harness, "SELECT count(*) FROM intake.event_log WHERE type = 'case.closed'",
                                5, 10000) == 5);
    s_unknown_case (&world);
    AS_CHECK (as_harness_scalar (world.harness, "SELECT count(*) FROM intake.dead_letters") == 2);

    as_rpc_client_destroy (&world.intake);
    as_rpc_client_destroy (&world.dispatch);
    as_harness_destroy (&world.harness);
    printf ("intake closing: OK\n");
    return 0;
}
