/*  intake-load: closed-loop load generator for intaked's case.report.

    intake-load --seconds N --clients C [--endpoint E]

    C threads, each with its own RPC client (its own DEALER socket), call
    case.report back to back for N seconds with valid, unique reports (a new
    serial each time, so every call opens a new case). intaked answers after
    its transaction has committed, so an ok reply is an acknowledged, durable
    report. Only ok replies are counted; each call's latency is recorded.

    Prints one line on stdout:
      clients=C reports=N seconds=S rate=R p50_ms=X p99_ms=Y errors=E
    Exit status 1 when any call failed (error reply or no reply), 2 on usage. */
#include "as_catalog.h"
#include "as_config.h"
#include "as_msg.h"
#include "as_rpc.h"
#include <czmq.h>
#include <msgpack.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_CLIENTS 256

typedef struct {
    int index;
    const char *endpoint;
    double stop_at;                 //  monotonic seconds: no new call after this
    pthread_barrier_t *start;
    //  results
    double *latencies;              //  seconds, ok calls only
    size_t count, capacity;
    long errors;
    double finished_at;
} s_client_t;

static char s_run_tag [32];                 //  makes serials unique per run
static atomic_uint_fast64_t s_sequence;     //  numbers reports across clients
static uint64_t s_phone_base;

static double
s_now (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

//  A valid report: unique serial, a mainland mobile number, a real date.
static void
s_pack_report (msgpack_sbuffer *sbuf, int client, uint64_t number)
{
    char phone [16], serial [65], name [64];
    //  1[3-9] + 9 digits: 13000000000 .. 19999999999.
    snprintf (phone, sizeof phone, "%llu",
              (unsigned long long) (13000000000ULL + (s_phone_base + number) % 7000000000ULL));
    snprintf (serial, sizeof serial, "BENCH-%s-%llu", s_run_tag, (unsigned long long) number);
    snprintf (name, sizeof name, "Bench Customer %d", client);

    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4);
    as_pack_str (&pk, "customer");
    msgpack_pack_map (&pk, 3);
    as_pack_kv_str (&pk, "name", name);
    as_pack_kv_str (&pk, "phone", phone);
    as_pack_kv_str (&pk, "address", "88 Jianguo Rd, Chaoyang, Beijing");
    as_pack_str (&pk, "product");
    msgpack_pack_map (&pk, 4);
    as_pack_kv_str (&pk, "category", "air_conditioner");
    as_pack_kv_str (&pk, "model", "KFR-35GW");
    as_pack_kv_str (&pk, "serial", serial);
    as_pack_kv_str (&pk, "purchase_date", "2025-06-01");
    as_pack_kv_str (&pk, "symptom", "no cooling, the outdoor unit does not start");
    as_pack_kv_str (&pk, "channel", "phone");
}

static void
s_record (s_client_t *self, double latency)
{
    if (self->count == self->capacity) {
        self->capacity = self->capacity ? self->capacity * 2 : 4096;
        self->latencies = realloc (self->latencies, self->capacity * sizeof (double));
        if (!self->latencies) {
            fprintf (stderr, "intake-load: out of memory\n");
            exit (1);
        }
    }
    self->latencies [self->count++] = latency;
}

static void *
s_client_run (void *arg)
{
    s_client_t *self = arg;
    as_rpc_client_t *client = as_rpc_client_new (self->endpoint);
    if (!client) {
        fprintf (stderr, "intake-load: client %d cannot connect to %s\n", self->index, self->endpoint);
        self->errors++;
        pthread_barrier_wait (self->start);
        self->finished_at = s_now ();
        return NULL;
    }
    //  One attempt, a generous timeout: a retry would hide a stall, and a
    //  call that gets no answer is counted as an error.
    as_rpc_client_set_timeout (client, 30000, 0);
    as_rpc_client_set_principal (client, "system:intake-load");
    pthread_barrier_wait (self->start);

    msgpack_sbuffer params;
    msgpack_sbuffer_init (&params);
    while (!zsys_interrupted && s_now () < self->stop_at) {
        uint64_t number = atomic_fetch_add (&s_sequence, 1);
        msgpack_sbuffer_clear (&params);
        s_pack_report (&params, self->index, number);
        as_rpc_reply_t reply;
        as_error_t err;
        double started = s_now ();
        int rc = as_rpc_client_call (client, "case.report", params.data, params.size, NULL, &reply, &err);
        double latency = s_now () - started;
        if (rc == 0 && reply.ok)
            s_record (self, latency);
        else {
            if (self->errors++ < 3)
                fprintf (stderr, "intake-load: client %d: case.report failed: %s: %s\n", self->index,
                         as_code_name (rc == 0 ? reply.error.code : err.code),
                         rc == 0 ? reply.error.message : err.message);
        }
        if (rc == 0)
            as_rpc_reply_release (&reply);
    }
    msgpack_sbuffer_destroy (&params);
    self->finished_at = s_now ();
    as_rpc_client_destroy (&client);
    return NULL;
}

static int
s_compare (const void *left, const void *right)
{
    double a = *(const double *) left, b = *(const double *) right;
    return (a > b) - (a < b);
}

//  Nearest-rank percentile of sorted values.
static double
s_percentile (const double *sorted, size_t count, double percent)
{
    if (count == 0)
        return 0;
    size_t rank = (size_t) (percent / 100.0 * (double) count + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > count)
        rank = count;
    return sorted [rank - 1];
}

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: intake-load --seconds N --clients C [--endpoint E]\n"
                  "  closed-loop case.report load against intaked (default endpoint: as_endpoint(\"intake\"));\n"
                  "  prints: clients=C reports=N seconds=S rate=R p50_ms=X p99_ms=Y errors=E\n");
}

int
main (int argc, char *argv [])
{
    double seconds = 20;
    int clients = 1;
    const char *endpoint = NULL;
    for (int index = 1; index < argc; index++) {
        const char *arg = argv [index];
        const char *value = index + 1 < argc ? argv [index + 1] : NULL;
        if (!strcmp (arg, "--help") || !strcmp (arg, "-h")) {
            s_usage (stdout);
            return 0;
        }
        if (!value) {
            s_usage (stderr);
            return 2;
        }
        if (!strcmp (arg, "--seconds"))
            seconds = atof (value);
        else
        if (!strcmp (arg, "--clients"))
            clients = atoi (value);
        else
        if (!strcmp (arg, "--endpoint"))
            endpoint = value;
        else {
            s_usage (stderr);
            return 2;
        }
        index++;
    }
    if (seconds <= 0 || clients < 1 || clients > S_MAX_CLIENTS) {
        fprintf (stderr, "intake-load: need --seconds > 0 and --clients 1..%d\n", S_MAX_CLIENTS);
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (stderr);
    if (as_catalog_load ()) {
        fprintf (stderr, "intake-load: the embedded catalogue is broken\n");
        return 1;
    }
    if (!endpoint)
        endpoint = as_endpoint ("intake");

    struct timespec wall;
    clock_gettime (CLOCK_REALTIME, &wall);
    snprintf (s_run_tag, sizeof s_run_tag, "%lx%x", (unsigned long) wall.tv_sec, (unsigned) getpid ());
    s_phone_base = ((uint64_t) wall.tv_sec * 7919u + (uint64_t) wall.tv_nsec + (uint64_t) getpid () * 104729u)
                 % 7000000000ULL;

    pthread_barrier_t start;
    pthread_barrier_init (&start, NULL, (unsigned) clients + 1);
    s_client_t *pool = calloc ((size_t) clients, sizeof *pool);
    pthread_t *threads = calloc ((size_t) clients, sizeof *threads);
    if (!pool || !threads)
        return 1;
    for (int index = 0; index < clients; index++) {
        pool [index].index = index;
        pool [index].endpoint = endpoint;
        pool [index].start = &start;
        pool [index].stop_at = 1e300;   //  set once everyone is connected
    }
    for (int index = 0; index < clients; index++)
        if (pthread_create (&threads [index], NULL, s_client_run, &pool [index])) {
            fprintf (stderr, "intake-load: cannot start thread %d\n", index);
            return 1;
        }
    //  Every client is connected; set the end, then let them go together.
    double began = s_now ();
    for (int index = 0; index < clients; index++)
        pool [index].stop_at = began + seconds;
    pthread_barrier_wait (&start);

    double ended = began;
    size_t total = 0;
    long errors = 0;
    for (int index = 0; index < clients; index++) {
        pthread_join (threads [index], NULL);
        total += pool [index].count;
        errors += pool [index].errors;
        if (pool [index].finished_at > ended)
            ended = pool [index].finished_at;
    }
    pthread_barrier_destroy (&start);
    double *all = malloc ((total ? total : 1) * sizeof (double));
    size_t filled = 0;
    for (int index = 0; index < clients; index++) {
        if (pool [index].count)
            memcpy (all + filled, pool [index].latencies, pool [index].count * sizeof (double));
        filled += pool [index].count;
        free (pool [index].latencies);
    }
    qsort (all, total, sizeof (double), s_compare);
    double elapsed = ended - began;
    printf ("clients=%d reports=%zu seconds=%.2f rate=%.1f p50_ms=%.2f p99_ms=%.2f errors=%ld\n",
            clients, total, elapsed, elapsed > 0 ? (double) total / elapsed : 0,
            s_percentile (all, total, 50) * 1000, s_percentile (all, total, 99) * 1000, errors);
    fflush (stdout);
    free (all);
    free (pool);
    free (threads);
    return errors > 0 || zsys_interrupted ? 1 : 0;
}
