/*  The consumer side on its own, against a stand-in producer (standind
    playing dispatch): events from two producers, each in its own order; a
    refused event goes to dead_letters and the stream goes on; a producer
    that is down delays nothing else; an invalid event is never logged.  */
#include "as_harness.h"
#include "as_msg.h"
#include <signal.h>
#include <string.h>

static const char *s_completed =
    "{\"type\":\"visit.completed\",\"subject\":\"%s\",\"data\":{\"visit_id\":%d,\"case_id\":7,"
    "\"engineer_id\":3,\"station_id\":1,\"outcome\":\"repaired\",\"work_done\":\"replaced the fan motor\","
    "\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1}],\"parts_used\":[{\"part_no\":\"FM-35\",\"quantity\":1}],"
    "\"labour_minutes\":45,\"customer_accepted\":true,\"completed_at\":\"2026-11-22T10:00:00.000Z\"}}";

static void
s_emit (as_rpc_client_t *dispatch, const char *subject, int visit_id, int expected_code)
{
    char params [1024];
    snprintf (params, sizeof params, s_completed, subject, visit_id);
    as_rpc_reply_t reply;
    as_harness_call (dispatch, "test.emit", params, NULL, &reply);
    AS_CHECK (reply.ok ? expected_code == AS_OK : (int) reply.error.code == expected_code);
    as_rpc_reply_release (&reply);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("consumer");
    as_harness_start (harness, "busd", NULL);
    const char *standin [] = { "STANDIN_SERVICE=dispatch", NULL };
    pid_t producer = as_harness_start (harness, "standind", standin);
    const char *refuse [] = { "TESTSINK_REFUSE_SUBJECT=visit/666", NULL };
    as_harness_start (harness, "testsinkd", refuse);
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");

    s_emit (dispatch, "visit/1", 1, AS_OK);
    s_emit (dispatch, "visit/666", 666, AS_OK);
    s_emit (dispatch, "visit/2", 2, AS_OK);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received WHERE producer = 'dispatch'", 2, 10000) == 2);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.dead_letters WHERE producer = 'dispatch'"
                                         " AND sequence = 2 AND error_code = 'failed_precondition'", 1, 5000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT last_sequence FROM testsink.cursors WHERE producer = 'dispatch'") == 3);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM testsink.received WHERE subject = 'visit/666'") == 0);
    //  Applied in batches whose commit does not wait for the disk.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM testsink.received WHERE commit_mode = 'off'") == 2);

    //  The producer refuses to log what its consumers would refuse.
    as_rpc_reply_t reply;
    as_harness_call (dispatch, "test.emit",
                     "{\"type\":\"visit.completed\",\"subject\":\"visit/3\",\"data\":{\"visit_id\":3}}", NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_INTERNAL);
    as_rpc_reply_release (&reply);
    as_harness_call (dispatch, "test.emit",
                     "{\"type\":\"case.reported\",\"subject\":\"case/1\",\"data\":{}}", NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_INVALID_ARGUMENT);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.event_log") == 3);

    //  With one producer down, events of the other still flow.
    as_harness_stop (harness, producer, SIGTERM);
    as_harness_start (harness, "intaked", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_harness_report (intake, "SN-CONSUMER-1", NULL);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received WHERE producer = 'intake'", 1, 10000) == 1);

    as_rpc_client_destroy (&intake);
    as_rpc_client_destroy (&dispatch);
    as_harness_destroy (&harness);
    printf ("consumer: OK\n");
    return 0;
}
