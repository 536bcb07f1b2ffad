/*  Group commit under concurrency: many clients at once, their requests
    served in shared transactions. Every acknowledged report is a case with
    one event; a failing request in a batch undoes only itself; the same
    key sent by two clients at once makes one case; the log stays gap-free. */
#include "as_harness.h"
#include "as_msg.h"
#include <pthread.h>
#include <string.h>

#define S_THREADS 8
#define S_ROUNDS  40

typedef struct {
    int thread;
    int reported;       //  ok answers to new reports
    int refused;        //  expected refusals
    int64_t shared_case [S_ROUNDS];
} s_worker_t;

static void *
s_work (void *arg)
{
    s_worker_t *worker = arg;
    as_rpc_client_t *intake = as_rpc_client_new (as_endpoint ("intake"));
    as_rpc_client_set_timeout (intake, 10000, 0);
    for (int round = 0; round < S_ROUNDS; round++) {
        char serial [48], params [1024], key [48];
        snprintf (serial, sizeof serial, "SN-BATCH-%d-%d", worker->thread, round);
        as_harness_report_json (params, sizeof params, serial);
        as_rpc_reply_t reply;
        as_harness_call (intake, "case.report", params, NULL, &reply);
        AS_CHECK (reply.ok);
        worker->reported++;
        as_rpc_reply_release (&reply);
        //  A refusal inside the transaction (after the key was claimed).
        as_harness_call (intake, "case.cancel", "{\"case_id\":987654321,\"reason\":\"none\"}", NULL, &reply);
        AS_CHECK (!reply.ok && reply.error.code == AS_NOT_FOUND);
        worker->refused++;
        as_rpc_reply_release (&reply);
        //  The same key from every thread in this round: one case.
        snprintf (serial, sizeof serial, "SN-SHARED-%d", round);
        snprintf (key, sizeof key, "shared-%d", round);
        as_harness_report_json (params, sizeof params, serial);
        as_harness_call (intake, "case.report", params, key, &reply);
        AS_CHECK (reply.ok && as_obj_int (reply.result, "case_id", &worker->shared_case [round]));
        as_rpc_reply_release (&reply);
    }
    as_rpc_client_destroy (&intake);
    return NULL;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("batch");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    pthread_t threads [S_THREADS];
    s_worker_t workers [S_THREADS];
    memset (workers, 0, sizeof workers);
    for (int thread = 0; thread < S_THREADS; thread++) {
        workers [thread].thread = thread;
        AS_CHECK (pthread_create (&threads [thread], NULL, s_work, &workers [thread]) == 0);
    }
    for (int thread = 0; thread < S_THREADS; thread++)
        pthread_join (threads [thread], NULL);

    int expected = S_THREADS * S_ROUNDS + S_ROUNDS;
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == expected);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.event_log") == expected);
    AS_CHECK (as_harness_scalar (harness, "SELECT max(sequence) FROM intake.event_log") == expected);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.outbox") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.idempotency WHERE reply IS NULL") == 0);
    for (int round = 0; round < S_ROUNDS; round++)
        for (int thread = 1; thread < S_THREADS; thread++)
            AS_CHECK (workers [thread].shared_case [round] == workers [0].shared_case [round]);
    //  Batches really formed: fewer transactions than requests.
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_reply_t reply;
    as_harness_call (intake, "metrics", NULL, NULL, &reply);
    int64_t requests = 0, replayed = 0;
    const msgpack_object *counters = as_obj_get (reply.result, "counters");
    AS_CHECK (as_obj_int (counters, "rpc_requests", &requests) && requests >= 3 * S_THREADS * S_ROUNDS);
    AS_CHECK (as_obj_int (counters, "rpc_replayed", &replayed) && replayed == (S_THREADS - 1) * S_ROUNDS);
    as_rpc_reply_release (&reply);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("batch: %d reports from %d clients, OK\n", expected, S_THREADS);
    return 0;
}
