/*  flow: a simulated service day driven through the running suite as the
    outside world would (customers, agents, engineers, the parts desk, the
    sales and smart-home systems), the summary of the day, and the
    consistency checks that must hold after it. Used by aftersales-demo,
    the e2e and fault tests and the flow benchmark.                       */
#ifndef FLOW_H
#define FLOW_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int cases;              //  reports to make
    unsigned seed;          //  scenario mix
    int workers;            //  client threads
    int in_flight;          //  cases a worker advances at once
    int slot_days;          //  days of slots asked for
    int case_limit_ms;      //  a case not done by then is reported stuck
    int call_limit_ms;      //  keep retrying one call this long (daemons may be down)
    char tag [24];          //  unique per run: keys, serials, event ids
    bool bench;             //  stop each case once booked and its parts reserved
    int bench_seconds;      //  bench: run this long (cases = admission cap)
    int spread_seconds;     //  admit reports evenly over at least this long (0: at once)
    bool verbose;
} flow_config_t;

//  Final classification of a case by the driver.
typedef enum {
    FLOW_OPEN, FLOW_REPAIRED, FLOW_REPAIRED_TWO_VISITS, FLOW_REMOTE, FLOW_CANCELLED_EARLY,
    FLOW_CANCELLED_BOOKED, FLOW_DECLINED, FLOW_NO_FAULT, FLOW_BENCH_READY, FLOW_STUCK, FLOW_OUTCOMES
} flow_outcome_t;

//  Calls timed by method (bench: where a case's time goes, as the caller
//  sees it: queueing in the daemon included).
#define FLOW_METHODS 8
extern const char *flow_method_names [FLOW_METHODS];

typedef struct {
    int64_t outcomes [FLOW_OUTCOMES];
    int64_t reported, by_channel [5], sales, contracts;
    int64_t quotes_accepted, quotes_declined, paid_or_contract;
    int64_t parts_on_hand, follow_ups, shipped, backorders_delivered;
    int64_t surveys_answered, surveys_missing, complaints;
    int64_t calls, retries, waits;
    int64_t method_calls [FLOW_METHODS], method_us [FLOW_METHODS];
    int64_t ready_count;            //  bench: cases that reached "ready" in the window
    int64_t *latencies_us;          //  bench: report -> ready, one per ready case
    double seconds;
    bool survey_up;                 //  surveyd answered when the day began
    int64_t stuck_case_ids [16];
    char stuck_states [16][160];
    pthread_mutex_t lock;
} flow_result_t;

extern const char *flow_outcome_names [FLOW_OUTCOMES];

//  Defaults for a demo day of `cases` reports.
void flow_config_default (flow_config_t *config, int cases, unsigned seed);
//  Drive the day; 0 when every case reached an end (none stuck).
int flow_day_run (const flow_config_t *config, flow_result_t *result);
void flow_result_free (flow_result_t *result);
//  The summary: the driver's counts and each service's view through RPC.
void flow_summary_print (const flow_config_t *config, const flow_result_t *result);
//  The consistency rules, each a named check, on a superuser connection to
//  the suite's database (read-only SQL as an oracle) and through RPC.
//  survey: whether surveyd runs. Returns the number of failed checks.
int flow_checks (PGconn *db, bool survey, bool verbose);
//  Wait until every consumer has applied everything its producers logged.
bool flow_quiesce (PGconn *db, bool survey, int timeout_ms);
#endif
