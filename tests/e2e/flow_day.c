/*  flow_day: worker threads that keep many cases in flight, the parts desk,
    and the run's totals.                                                 */
#include "flow_world.h"
#include "as_config.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *flow_outcome_names [FLOW_OUTCOMES] = {
    "open", "repaired", "repaired_two_visits", "solved_remotely", "cancelled_before_visit",
    "cancelled_after_booking", "quote_declined", "no_fault_found", "bench_ready", "stuck"
};

static const char *s_state_names [] = {
    "sale", "report", "find", "triage", "book", "reserve", "walk", "diagnose", "quote",
    "wait_follow_up", "complete", "survey", "done"
};

void
flow_config_default (flow_config_t *config, int cases, unsigned seed)
{
    memset (config, 0, sizeof *config);
    config->cases = cases;
    config->seed = seed;
    config->workers = 4;
    config->in_flight = 40;
    config->slot_days = 14;
    config->case_limit_ms = 300000;
    config->call_limit_ms = 120000;
    snprintf (config->tag, sizeof config->tag, "%x%lx", seed, (long) time (NULL) % 0xfffff);
}

typedef struct {
    flow_worker_t w;
    flow_result_t local;
    pthread_t thread;
    int64_t *latencies;
    int64_t latency_count, latency_cap;
    int64_t bench_end_ms;
    int64_t start_ms;
} s_worker_t;

static void
s_date (int days, char out [11])
{
    time_t t = time (NULL) + 8 * 3600 + (time_t) days * 86400;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (out, 11, "%Y-%m-%d", &tm);
}

static void
s_finish (s_worker_t *self, flow_case_t *c)
{
    flow_result_t *r = &self->local;
    r->outcomes [c->outcome]++;
    if (c->outcome == FLOW_STUCK || c->outcome == FLOW_OPEN) {
        int n = (int) (r->outcomes [FLOW_STUCK] + r->outcomes [FLOW_OPEN] - 1);
        if (n < 16) {
            r->stuck_case_ids [n] = c->case_id;
            snprintf (r->stuck_states [n], sizeof r->stuck_states [n], "%s", c->why);
        }
    }
    if (c->outcome == FLOW_BENCH_READY && c->ready_ms <= self->bench_end_ms) {
        r->ready_count++;
        if (self->latency_count == self->latency_cap) {
            self->latency_cap = self->latency_cap ? self->latency_cap * 2 : 4096;
            self->latencies = realloc (self->latencies, (size_t) self->latency_cap * sizeof (int64_t));
        }
        self->latencies [self->latency_count++] = (c->ready_ms - c->started_ms) * 1000;
    }
}

//  When report `index` may be made: spread_seconds spreads the day's
//  reports evenly (the fault test's day must outlast its kill rounds
//  however fast the suite is).
static int64_t
s_admit_ms (const s_worker_t *self, int index)
{
    const flow_config_t *config = self->w.config;
    if (config->bench || config->spread_seconds <= 0)
        return 0;
    return self->start_ms + (int64_t) index * config->spread_seconds * 1000 / config->cases;
}

//  Advance each case whose time has come; admit new ones up to in_flight.
//  Workers still driving cases. Worker 0 also runs the parts desk, so it
//  goes on until the others are done: their cases may wait for shipments.
static atomic_int s_busy;

static void *
s_worker (void *arg)
{
    s_worker_t *self = arg;
    flow_worker_t *w = &self->w;
    const flow_config_t *config = w->config;
    flow_case_t *cases = calloc ((size_t) config->in_flight, sizeof *cases);
    int active = 0, next = 0;
    int64_t desk_ms = 0;
    int share = config->cases / config->workers + (w->id < config->cases % config->workers);
    while (true) {
        int64_t now = flow_now_ms ();
        bool admitting = config->bench ? now < self->bench_end_ms : next < share;
        while (admitting && active < config->in_flight && (config->bench || next < share)
               && now >= s_admit_ms (self, next * config->workers + w->id)) {
            flow_case_init (w, &cases [active++], next++ * config->workers + w->id);
        }
        if (!active && !admitting && (w->id != 0 || atomic_load (&s_busy) <= 1))
            break;
        bool moved = false;
        for (int index = 0; index < active; index++) {
            flow_case_t *c = &cases [index];
            if (c->next_ms > now)
                continue;
            if (flow_case_step (w, c))
                moved = true;
            else {
                c->next_ms = flow_now_ms () + 150;
                self->local.waits++;
            }
            if (c->state != ST_DONE && flow_now_ms () - c->started_ms > config->case_limit_ms) {
                fprintf (stderr, "flow: case %d (id %lld) stuck in %s: %s\n", c->index, (long long) c->case_id,
                         s_state_names [c->state], c->why);
                snprintf (c->why, sizeof c->why, "%s", s_state_names [c->state]);
                c->outcome = FLOW_STUCK;
                c->state = ST_DONE;
            }
            if (c->state == ST_DONE) {
                s_finish (self, c);
                cases [index--] = cases [--active];
            }
        }
        if (w->id == 0 && !config->bench && flow_now_ms () - desk_ms > 400) {
            flow_parts_desk (w);
            desk_ms = flow_now_ms ();
        }
        if (!moved)
            zclock_sleep (10);
    }
    atomic_fetch_sub (&s_busy, 1);
    free (cases);
    return NULL;
}

static void
s_worker_open (s_worker_t *self, const flow_config_t *config, int id, bool survey_up)
{
    flow_worker_t *w = &self->w;
    memset (self, 0, sizeof *self);
    w->config = config;
    w->result = &self->local;
    w->id = id;
    w->rng = config->seed * 2654435761u + (unsigned) id * 40503u + 1;
    w->intake = as_rpc_client_new (as_endpoint ("intake"));
    w->dispatch = as_rpc_client_new (as_endpoint ("dispatch"));
    w->inventory = as_rpc_client_new (as_endpoint ("inventory"));
    w->billing = as_rpc_client_new (as_endpoint ("billing"));
    w->survey = as_rpc_client_new (as_endpoint ("survey"));
    w->bus = as_rpc_client_new (as_endpoint ("bus_ingress"));
    as_rpc_client_t *clients [] = { w->intake, w->dispatch, w->inventory, w->billing, w->survey, w->bus };
    for (size_t index = 0; index < 6; index++)
        as_rpc_client_set_timeout (clients [index], 2000, 0);
    w->survey_up = survey_up;
    s_date (0, w->today);
    s_date (1, w->tomorrow);
}

static void
s_worker_close (s_worker_t *self)
{
    flow_worker_t *w = &self->w;
    as_rpc_client_destroy (&w->intake);
    as_rpc_client_destroy (&w->dispatch);
    as_rpc_client_destroy (&w->inventory);
    as_rpc_client_destroy (&w->billing);
    as_rpc_client_destroy (&w->survey);
    as_rpc_client_destroy (&w->bus);
}

static void
s_merge (flow_result_t *into, s_worker_t *from)
{
    flow_result_t *r = &from->local;
    for (int index = 0; index < FLOW_OUTCOMES; index++)
        into->outcomes [index] += r->outcomes [index];
    for (int index = 0; index < 5; index++)
        into->by_channel [index] += r->by_channel [index];
    into->reported += r->reported;
    into->sales += r->sales;
    into->contracts += r->contracts;
    into->quotes_accepted += r->quotes_accepted;
    into->quotes_declined += r->quotes_declined;
    into->paid_or_contract += r->paid_or_contract;
    into->parts_on_hand += r->parts_on_hand;
    into->follow_ups += r->follow_ups;
    into->shipped += r->shipped;
    into->backorders_delivered += r->backorders_delivered;
    into->surveys_answered += r->surveys_answered;
    into->surveys_missing += r->surveys_missing;
    into->complaints += r->complaints;
    into->waits += r->waits;
    into->calls += from->w.calls;
    for (int index = 0; index < FLOW_METHODS; index++) {
        into->method_calls [index] += from->w.method_calls [index];
        into->method_us [index] += from->w.method_us [index];
    }
    into->retries += from->w.retries;
    into->ready_count += r->ready_count;
    for (int index = 0; index < 16 && r->stuck_case_ids [index]; index++)
        for (int slot = 0; slot < 16; slot++)
            if (!into->stuck_case_ids [slot]) {
                into->stuck_case_ids [slot] = r->stuck_case_ids [index];
                memcpy (into->stuck_states [slot], r->stuck_states [index], sizeof into->stuck_states [slot]);
                break;
            }
}

static bool
s_survey_up (void)
{
    as_rpc_client_t *client = as_rpc_client_new (as_endpoint ("survey"));
    as_rpc_client_set_timeout (client, 1000, 1);
    as_rpc_reply_t reply;
    as_error_t err;
    bool up = as_rpc_client_call_json (client, "health", "{}", NULL, &reply, &err) == 0;
    if (up)
        as_rpc_reply_release (&reply);
    as_rpc_client_destroy (&client);
    return up;
}

static int
s_compare (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

int
flow_day_run (const flow_config_t *config, flow_result_t *result)
{
    memset (result, 0, sizeof *result);
    bool survey_up = s_survey_up ();
    result->survey_up = survey_up;
    if (!survey_up)
        fprintf (stderr, "flow: surveyd does not answer: no surveys, complaints or KPIs this run\n");
    s_worker_t *workers = calloc ((size_t) config->workers, sizeof *workers);
    int64_t start = flow_now_ms ();
    atomic_store (&s_busy, config->workers);
    for (int id = 0; id < config->workers; id++) {
        s_worker_open (&workers [id], config, id, survey_up);
        workers [id].bench_end_ms = config->bench ? start + config->bench_seconds * 1000LL : INT64_MAX;
        workers [id].start_ms = start;
        pthread_create (&workers [id].thread, NULL, s_worker, &workers [id]);
    }
    int64_t total = 0;
    for (int id = 0; id < config->workers; id++) {
        pthread_join (workers [id].thread, NULL);
        s_merge (result, &workers [id]);
        total += workers [id].latency_count;
    }
    result->seconds = (double) (flow_now_ms () - start) / 1000.0;
    if (config->bench)
        result->seconds = config->bench_seconds;
    result->latencies_us = calloc ((size_t) total + 1, sizeof (int64_t));
    int64_t at = 0;
    for (int id = 0; id < config->workers; id++) {
        if (workers [id].latency_count)
            memcpy (result->latencies_us + at, workers [id].latencies,
                    (size_t) workers [id].latency_count * sizeof (int64_t));
        at += workers [id].latency_count;
        free (workers [id].latencies);
        s_worker_close (&workers [id]);
    }
    qsort (result->latencies_us, (size_t) at, sizeof (int64_t), s_compare);
    free (workers);
    return result->outcomes [FLOW_STUCK] || result->outcomes [FLOW_OPEN] ? -1 : 0;
}

void
flow_result_free (flow_result_t *result)
{
    free (result->latencies_us);
    result->latencies_us = NULL;
}
