/*  intake.close_cli: the operator closes a case that ended outside the
    suite (`intakectl close` / `intakectl case close`), and the refusals:
    unknown case (not_found, as for its history), a case closed or cancelled already, a case
    not yet triaged, a case with a visit planned at dispatch
    (failed_precondition, exit 1), no reason (usage, exit 2).            */
#include "as_harness.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_triage (as_rpc_client_t *intake, int64_t case_id)
{
    char params [128];
    snprintf (params, sizeof params, "{\"case_id\":%lld,\"outcome\":\"fault_confirmed\"}", (long long) case_id);
    as_rpc_reply_t reply;
    as_harness_call (intake, "case.triage", params, NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
}

//  The stand-in (playing dispatch) tells of a visit; wait until intake applied it.
static void
s_tell (as_harness_t *harness, as_rpc_client_t *dispatch, const char *type, const char *data, int sequence)
{
    char params [1024];
    snprintf (params, sizeof params, "{\"type\":\"%s\",\"subject\":\"visit/71\",\"data\":%s}", type, data);
    as_rpc_reply_t reply;
    as_harness_call (dispatch, "test.emit", params, NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_await (harness, "SELECT last_sequence FROM intake.cursors WHERE producer = 'dispatch'",
                                sequence, 10000) == sequence);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("intake_close_cli");
    as_harness_start (harness, "busd", NULL);
    const char *standin [] = { "STANDIN_SERVICE=dispatch", NULL };
    as_harness_start (harness, "standind", standin);
    as_harness_start (harness, "intaked", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    char command [256], data [512];

    as_harness_expect (harness, "intakectl close 999999 --reason 'went elsewhere' 2>&1", 1, "not_found", true);
    as_harness_expect (harness, "intakectl history 999999 2>&1", 1, "not_found", true);
    int64_t reported = as_harness_report (intake, "SN-CLI-CLOSE-1", NULL);
    snprintf (command, sizeof command, "intakectl close %lld --reason 'went elsewhere' 2>&1", (long long) reported);
    as_harness_expect (harness, command, 1, "is reported: it cannot be closed", true);
    snprintf (command, sizeof command, "intakectl close %lld 2>&1", (long long) reported);
    as_harness_expect (harness, command, 2, "--reason is required", true);

    //  A visit planned at dispatch: cancel the case instead.
    int64_t case_id = as_harness_report (intake, "SN-CLI-CLOSE-2", NULL);
    s_triage (intake, case_id);
    snprintf (data, sizeof data, "{\"visit_id\":71,\"case_id\":%lld,\"engineer_id\":3,\"station_id\":1,"
              "\"window_start\":\"2026-11-23T01:00:00.000Z\",\"window_end\":\"2026-11-23T03:00:00.000Z\"}",
              (long long) case_id);
    s_tell (harness, dispatch, "visit.scheduled", data, 1);
    snprintf (command, sizeof command, "intakectl case close %lld --reason 'product replaced by the shop' 2>&1",
              (long long) case_id);
    as_harness_expect (harness, command, 1, "visit 71 planned or under way", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases WHERE status = 'closed'") == 0);

    //  Once the visit is off, the operator closes it.
    snprintf (data, sizeof data, "{\"visit_id\":71,\"case_id\":%lld,\"reason\":\"customer not at home twice\"}",
              (long long) case_id);
    s_tell (harness, dispatch, "visit.cancelled", data, 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases WHERE status = 'closed'") == 0);
    char *shown = as_harness_output (harness, command, 0);
    AS_CHECK (strstr (shown, "closed"));
    AS_CHECK (strstr (shown, "product replaced by the shop"));
    AS_CHECK (strstr (shown, "operator"));
    free (shown);
    snprintf (command, sizeof command, "SELECT count(*) FROM intake.cases WHERE id = %lld AND status = 'closed'"
              " AND close_outcome = 'operator' AND closed_by_visit IS NULL", (long long) case_id);
    AS_CHECK (as_harness_scalar (harness, command) == 1);
    snprintf (command, sizeof command, "SELECT count(*) FROM intake.event_log WHERE type = 'case.closed'"
              " AND subject = 'case/%lld'", (long long) case_id);
    AS_CHECK (as_harness_await (harness, command, 1, 10000) == 1);
    snprintf (command, sizeof command, "intakectl history %lld", (long long) case_id);
    as_harness_expect (harness, command, 0, "product replaced by the shop", true);

    //  Closed already, or cancelled: refused, and nothing more is emitted.
    snprintf (command, sizeof command, "intakectl close %lld --reason again 2>&1", (long long) case_id);
    as_harness_expect (harness, command, 1, "failed_precondition", true);
    as_harness_expect (harness, command, 1, "is closed", true);
    int64_t cancelled = as_harness_report (intake, "SN-CLI-CLOSE-3", NULL);
    snprintf (command, sizeof command, "intakectl cancel %lld --reason 'bought a new one'", (long long) cancelled);
    as_harness_expect (harness, command, 0, "cancelled", true);
    snprintf (command, sizeof command, "intakectl case close %lld --reason 'bought a new one' 2>&1", (long long) cancelled);
    as_harness_expect (harness, command, 1, "is cancelled: it cannot be closed", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT (SELECT count(*) FROM intake.event_log WHERE type = 'case.closed')"
                                          " + (SELECT count(*) FROM intake.outbox WHERE type = 'case.closed')") == 1);
    as_harness_expect (harness, "intakectl --help", 0, "case close", true);
    as_harness_expect (harness, "intakectl close --help", 0, "ended outside the suite", true);

    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("intake close cli: OK\n");
    return 0;
}
