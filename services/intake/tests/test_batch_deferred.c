/*  intake.batch_deferred: requests that share a transaction (group commit)
    leave their writes deferred to the next request's round trip; when one
    request's deferred write fails there (AFTERSALES_FAULT=deferred_failure
    plants one for keys that say so), that request alone fails with its own
    error, and the others of its transaction are kept. The first request
    waits on a lock the test holds while the others queue, so that they are
    taken together; the daemon's metrics show they were. Alone, such a request gets its own
    error as well, not "retry".                                            */
#include "as_harness.h"
#include "as_curve.h"
#include "as_msg.h"
#include "as_rpcmsg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_REQUESTS 24

static bool
s_planted (int index)
{
    return index % 5 == 2 || index == S_REQUESTS - 1;     //  the last of a batch too
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("intake_batch_deferred");
    as_harness_start (harness, "busd", NULL);
    const char *env [] = { "AFTERSALES_FAULT=deferred_failure", NULL };
    as_harness_start (harness, "intaked", env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");

    //  Alone: the failure is the request's own.
    char params [1024];
    as_harness_report_json (params, sizeof params, "SN-DEFERRED-ALONE");
    as_rpc_reply_t reply;
    as_harness_call (intake, "case.report", params, "alone-deferred-failure", &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_INVALID_ARGUMENT);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 0);

    //  Together: the first request waits for a lock the test holds on
    //  the cases, while the others queue on the daemon's socket; they are
    //  then taken as one batch.
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    const char *endpoint = as_endpoint ("intake");
    AS_CHECK (as_curve_client (dealer, endpoint) == 0 && zsock_connect (dealer, "%s", endpoint) == 0);
    as_harness_send_raw (dealer, "h", "health", NULL, "{}");
    zsock_set_rcvtimeo (dealer, 10000);
    zframe_t *frame = zframe_recv (dealer);        //  connected
    AS_CHECK (frame);
    zframe_destroy (&frame);
    PGconn *db = as_harness_db (harness);
    PGresult *locked = PQexec (db, "BEGIN; LOCK TABLE intake.cases IN SHARE ROW EXCLUSIVE MODE");
    AS_CHECK (PQresultStatus (locked) == PGRES_COMMAND_OK);
    PQclear (locked);
    for (int index = 0; index < S_REQUESTS; index++) {
        char serial [32], id [16], key [64];
        snprintf (serial, sizeof serial, "SN-DEFERRED-%02d", index);
        snprintf (id, sizeof id, "r%d", index);
        snprintf (key, sizeof key, "batch-%d%s", index, s_planted (index) ? "-deferred-failure" : "");
        as_harness_report_json (params, sizeof params, serial);
        as_harness_send_raw (dealer, id, "case.report", key, params);
        if (index == 0)
            zclock_sleep (500);         //  the first one is waiting for the lock
    }
    zclock_sleep (500);                 //  the others on the daemon's socket
    PQclear (PQexec (db, "COMMIT"));
    int ok = 0, failed = 0;
    for (int answered = 0; answered < S_REQUESTS; answered++) {
        frame = zframe_recv (dealer);
        AS_CHECK (frame);
        as_error_t err;
        AS_CHECK (as_rpc_reply_decode (zframe_data (frame), zframe_size (frame), &reply, &err) == 0);
        int index = atoi (reply.id + 1);
        if (s_planted (index)) {
            if (reply.ok || reply.error.code != AS_INVALID_ARGUMENT)
                fprintf (stderr, "request %d: %s\n", index, reply.ok ? "ok" : reply.error.message);
            AS_CHECK (!reply.ok && reply.error.code == AS_INVALID_ARGUMENT);
            failed++;
        }
        else {
            if (!reply.ok)
                fprintf (stderr, "request %d: %s\n", index, reply.error.message);
            AS_CHECK (reply.ok);
            ok++;
        }
        as_rpc_reply_release (&reply);
        zframe_destroy (&frame);
    }
    //  Exactly the good ones are kept, each once.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == ok);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases c JOIN intake.products p"
                                          " ON p.id = c.product_id WHERE p.serial LIKE 'SN-DEFERRED-%'") == ok);
    AS_CHECK (ok > 0 && failed > 0 && ok + failed == S_REQUESTS);
    //  And they did share commits.
    as_harness_call (intake, "metrics", "{}", NULL, &reply);
    AS_CHECK (reply.ok);
    int64_t shared = 0;
    as_obj_int (as_obj_get (reply.result, "counters"), "rpc_shared_commits", &shared);
    AS_CHECK (shared >= 1);
    //  In that batch, planted failures were followed by another request
    //  (their writes went with its opening) and one came last (its writes
    //  went before the commit): the metrics count both.
    int64_t undone = 0;
    as_obj_int (as_obj_get (reply.result, "counters"), "rpc_undone_at_flush", &undone);
    AS_CHECK (undone >= 2);
    as_rpc_reply_release (&reply);

    zsock_destroy (&dealer);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("intake batch deferred: OK (%d kept, %d failed alone, %lld shared commits)\n", ok, failed,
            (long long) shared);
    return 0;
}
