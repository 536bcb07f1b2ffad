/*  kill -9 of intaked after the commit and before the live publish: the
    event still reaches the consumer after the restart, exactly once in
    effect, and the client's retry with the same key gets the same case.

    AFTERSALES_FAULT makes the daemon SIGKILL itself right after the commit
    that holds the case, its event and the event's log position, before the
    live publish and before the reply (a request's events are sealed into
    the log in its own transaction). Both fault names stop there for
    requests; the phases differ in what else is running.                   */
#include "as_harness.h"
#include "as_msg.h"
#include <signal.h>
#include <sys/wait.h>

//  Returns the pid of the restarted intaked.
static pid_t
s_crash_and_recover (as_harness_t *harness, const char *fault, const char *serial,
                     const char *key, int64_t expected_events)
{
    char env_fault [64];
    snprintf (env_fault, sizeof env_fault, "AFTERSALES_FAULT=%s", fault);
    const char *env [] = { env_fault, NULL };
    pid_t intaked = as_harness_start (harness, "intaked", env);

    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_set_timeout (intake, 1500, 0);
    char params [1024];
    as_harness_report_json (params, sizeof params, serial);
    as_rpc_reply_t reply;
    as_error_t err;
    //  The reply may or may not get out before the process dies.
    if (as_rpc_client_call_json (intake, "case.report", params, key, &reply, &err) == 0)
        as_rpc_reply_release (&reply);
    int status = as_harness_wait_exit (harness, intaked, 10000);
    AS_CHECK (status != -1 && WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    printf ("%s: intaked killed itself with SIGKILL\n", fault);

    //  The change is durable although nobody heard of it live.
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.cases c JOIN intake.products p"
                               " ON p.id = c.product_id WHERE p.serial = '%s'", serial);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);

    pid_t restarted = as_harness_start (harness, "intaked", NULL);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received", expected_events, 15000)
              == expected_events);
    //  The retry of the lost call: same key, the stored reply, no new case.
    as_rpc_client_set_timeout (intake, 3000, 2);
    as_harness_call (intake, "case.report", params, key, &reply);
    AS_CHECK (reply.ok);
    bool linked = true;
    AS_CHECK (as_obj_bool (reply.result, "linked", &linked) && !linked);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
    as_rpc_client_destroy (&intake);
    return restarted;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("crash_recovery");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "testsinkd", NULL);

    pid_t intaked = s_crash_and_recover (harness, "before_publish", "SN-CRASH-1", "crash-key-1", 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.outbox") == 0);
    //  One intaked serves the port at a time: stop this one cleanly.
    int status = as_harness_stop (harness, intaked, SIGTERM);
    AS_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);

    s_crash_and_recover (harness, "after_commit", "SN-CRASH-2", "crash-key-2", 2);

    //  Exactly once in effect: two events, sequences 1 and 2, no repeats.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM testsink.received") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(DISTINCT sequence) FROM testsink.received") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT max(sequence) FROM testsink.received") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT last_sequence FROM testsink.cursors WHERE producer = 'intake'") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.event_log") == 2);
    as_harness_destroy (&harness);
    printf ("crash_recovery: OK\n");
    return 0;
}
