/*  Invoice numbers are gap-free per year under concurrency: two billingd
    instances on one database, several client threads issuing at once;
    the numbers must be 1..N with no gap and no duplicate.                 */
#include "as_harness.h"
#include <pthread.h>
#include <string.h>

#define S_THREADS 6
#define S_PER_THREAD 20

static char s_endpoints [2][64];

static void *
s_issuer (void *arg)
{
    int index = (int) (intptr_t) arg;
    as_rpc_client_t *client = as_rpc_client_new (s_endpoints [index % 2]);
    as_rpc_client_set_timeout (client, 10000, 2);
    for (int call = 0; call < S_PER_THREAD; call++) {
        as_rpc_reply_t reply;
        as_harness_call (client, "invoice.issue",
                         "{\"lines\":[{\"kind\":\"labour\",\"code\":\"R-DIAG\",\"quantity\":1}]}", NULL, &reply);
        if (!reply.ok)
            fprintf (stderr, "invoice.issue: %s\n", reply.error.message);
        AS_CHECK (reply.ok);
        as_rpc_reply_release (&reply);
    }
    as_rpc_client_destroy (&client);
    return NULL;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("billing_numbers");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "billingd", NULL);
    snprintf (s_endpoints [0], sizeof s_endpoints [0], "%s", as_endpoint ("billing"));
    static char second [96];
    snprintf (s_endpoints [1], sizeof s_endpoints [1], "tcp://127.0.0.1:%d",
              atoi (getenv ("AFTERSALES_PORT_BASE")) + 77);
    snprintf (second, sizeof second, "AFTERSALES_BILLING_ENDPOINT=%s", s_endpoints [1]);
    const char *env [] = { second, NULL };
    as_harness_start (harness, "billingd", env);
    //  The second instance answers on its own endpoint before the race starts.
    as_rpc_client_t *probe = as_rpc_client_new (s_endpoints [1]);
    as_rpc_client_set_timeout (probe, 10000, 2);
    as_rpc_reply_t reply;
    as_harness_call (probe, "health", "{}", NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    as_rpc_client_destroy (&probe);

    pthread_t threads [S_THREADS];
    for (int index = 0; index < S_THREADS; index++)
        AS_CHECK (pthread_create (&threads [index], NULL, s_issuer, (void *) (intptr_t) index) == 0);
    for (int index = 0; index < S_THREADS; index++)
        pthread_join (threads [index], NULL);

    int64_t total = S_THREADS * S_PER_THREAD;
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoices") == total);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(DISTINCT number) FROM billing.invoices") == total);
    AS_CHECK (as_harness_scalar (harness, "SELECT min(seq) FROM billing.invoices") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT max(seq) FROM billing.invoices") == total);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(DISTINCT year) FROM billing.invoices") == 1);
    //  The counter moved exactly once per invoice: no number was skipped.
    AS_CHECK (as_harness_scalar (harness, "SELECT next - 1 FROM billing.number_counters WHERE series = 'invoice'") == total);
    //  Every issue was logged once, in commit order, without gaps.
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'invoice.issued'",
                                total, 15000) == total);
    AS_CHECK (as_harness_scalar (harness, "SELECT max(sequence) - min(sequence) + 1 FROM billing.event_log") ==
              as_harness_scalar (harness, "SELECT count(*) FROM billing.event_log"));
    as_harness_destroy (&harness);
    printf ("billing numbers: %lld invoices, no gap, no duplicate\n", (long long) total);
    return 0;
}
