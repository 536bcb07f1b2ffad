/*  Retried commands change nothing twice: the same idempotency key gets
    the stored reply; a key cannot be reused for another method; a second
    report of a product with an open case is linked, not duplicated.      */
#include "as_harness.h"
#include "as_msg.h"
#include "as_rpcmsg.h"
#include <string.h>

//  Send a raw request on a DEALER and return the decoded reply.
static void
s_raw (zsock_t *dealer, const char *id, const char *method, const char *key,
       const char *params_json, as_rpc_reply_t *reply)
{
    as_harness_send_raw (dealer, id, method, key, params_json);
    zframe_t *frame = zframe_recv (dealer);
    AS_CHECK (frame);
    as_error_t err;
    AS_CHECK (as_rpc_reply_decode (zframe_data (frame), zframe_size (frame), reply, &err) == 0);
    AS_CHECK (strcmp (reply->id, id) == 0);
    zframe_destroy (&frame);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("idempotency");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");

    //  The same key twice (a client's retry): one case, the same answer.
    int64_t first = as_harness_report (intake, "SN-IDEM-1", "report-key-1");
    int64_t again = as_harness_report (intake, "SN-IDEM-1", "report-key-1");
    AS_CHECK (first == again);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT linked_reports FROM intake.cases") == 0);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM intake.event_log", 1, 5000) == 1);

    //  The same request raced on two connections: still one case.
    zsock_t *one = zsock_new_dealer (as_endpoint ("intake"));
    zsock_t *two = zsock_new_dealer (as_endpoint ("intake"));
    char params [1024];
    as_harness_report_json (params, sizeof params, "SN-IDEM-2");
    as_rpc_reply_t reply_one, reply_two;
    s_raw (one, "race-1", "case.report", "race-key", params, &reply_one);
    s_raw (two, "race-2", "case.report", "race-key", params, &reply_two);
    int64_t id_one = 0, id_two = 0;
    AS_CHECK (reply_one.ok && reply_two.ok);
    AS_CHECK (as_obj_int (reply_one.result, "case_id", &id_one) && as_obj_int (reply_two.result, "case_id", &id_two));
    AS_CHECK (id_one == id_two);
    as_rpc_reply_release (&reply_one);
    as_rpc_reply_release (&reply_two);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 2);

    //  A state-changing request without a key is refused.
    s_raw (one, "nokey-1", "case.report", NULL, params, &reply_one);
    AS_CHECK (!reply_one.ok && reply_one.error.code == AS_INVALID_ARGUMENT);
    AS_CHECK (strstr (reply_one.error.message, "idempotency"));
    as_rpc_reply_release (&reply_one);

    //  A key used by case.report cannot serve case.cancel.
    char cancel [128];
    snprintf (cancel, sizeof cancel, "{\"case_id\":%lld,\"reason\":\"duplicate\"}", (long long) first);
    s_raw (one, "reuse-1", "case.cancel", "report-key-1", cancel, &reply_one);
    AS_CHECK (!reply_one.ok && reply_one.error.code == AS_INVALID_ARGUMENT);
    AS_CHECK (strstr (reply_one.error.message, "case.report"));
    as_rpc_reply_release (&reply_one);

    //  Another report (another key) of a product with an open case: linked.
    as_rpc_reply_t reply;
    as_harness_report_json (params, sizeof params, "SN-IDEM-1");
    as_harness_call (intake, "case.report", params, "report-key-3", &reply);
    bool linked = false;
    int64_t linked_id = 0;
    AS_CHECK (reply.ok && as_obj_bool (reply.result, "linked", &linked) && linked);
    AS_CHECK (as_obj_int (reply.result, "case_id", &linked_id) && linked_id == first);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT linked_reports FROM intake.cases WHERE id = (SELECT min(id) FROM intake.cases)") == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM intake.event_log WHERE type = 'case.linked'", 1, 5000) == 1);
    //  A failed command stores nothing: the same key may be used again.
    s_raw (one, "fail-1", "case.cancel", "cancel-key", "{\"case_id\":999999,\"reason\":\"x\"}", &reply_one);
    AS_CHECK (!reply_one.ok && reply_one.error.code == AS_NOT_FOUND);
    as_rpc_reply_release (&reply_one);
    s_raw (one, "fail-2", "case.cancel", "cancel-key", cancel, &reply_one);
    AS_CHECK (reply_one.ok);
    as_rpc_reply_release (&reply_one);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases WHERE status = 'cancelled'") == 1);

    zsock_destroy (&one);
    zsock_destroy (&two);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("idempotency: OK\n");
    return 0;
}
