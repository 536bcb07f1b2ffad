/*  flow_world: the people and systems of the simulated day (private to
    tests/e2e): scenarios, the calls they make, the parts desk.           */
#ifndef FLOW_WORLD_H
#define FLOW_WORLD_H

#include "flow.h"
#include "as_msg.h"
#include "as_rpc.h"

typedef enum {
    ST_SALE, ST_REPORT, ST_FIND, ST_TRIAGE, ST_BOOK, ST_RESERVE, ST_WALK, ST_DIAGNOSE, ST_QUOTE,
    ST_WAIT_FOLLOW_UP, ST_COMPLETE, ST_SURVEY, ST_DONE
} flow_state_t;

typedef enum { END_REPAIR, END_PARTS, END_ON_HAND, END_REMOTE, END_CANCEL_EARLY, END_CANCEL_BOOKED,
               END_NO_FAULT } flow_plan_t;

typedef struct {
    int index;
    flow_state_t state;
    flow_plan_t plan;
    int channel;                    //  0 phone .. 4 device (ingress)
    int category;                   //  index into the category table
    int city;
    bool sale_first, contract, out_of_warranty, misuse, accept_quote, answer_survey, complain;
    char serial [48];
    char purchased [11];
    int64_t case_id, visit_id, follow_up_id, engineer_id, station_id;
    int64_t find_after;             //  device report: its case id is above this
    char plan_date [11];
    int64_t started_ms, next_ms, ready_ms;
    int survey_tries;
    flow_outcome_t outcome;
    char why [160];                 //  the last reason it waited
} flow_case_t;

typedef struct {
    const flow_config_t *config;
    flow_result_t *result;
    int id;
    unsigned rng;
    as_rpc_client_t *intake, *dispatch, *inventory, *billing, *survey, *bus;
    bool survey_up;
    char today [11], tomorrow [11];
    int64_t calls, retries;
    int64_t method_calls [FLOW_METHODS], method_us [FLOW_METHODS];
} flow_worker_t;

//  Call until the service answers (result or refusal), waiting out daemons
//  and a database that are down; the same key on every attempt. -1: gave up.
int flow_call (flow_worker_t *w, as_rpc_client_t *client, const char *method, const char *key,
               as_rpc_reply_t *reply, const char *format, ...) __attribute__ ((format (printf, 6, 7)));
//  Publish an event through busd's ingress with a fixed event id.
int flow_publish (flow_worker_t *w, const char *type, const char *subject, const char *event_id,
                  const char *data_json);
//  A UUID made from the run tag and a number (stable across retries).
void flow_uuid (const char *tag, unsigned kind, int64_t number, char out [37]);
int64_t flow_int (const msgpack_object *map, const char *outer, const char *key);
void flow_str (const msgpack_object *map, const char *outer, const char *key, char *out, size_t size);
int64_t flow_now_ms (void);

//  One step of a case; true when it moved on.
bool flow_case_step (flow_worker_t *w, flow_case_t *c);
void flow_case_init (flow_worker_t *w, flow_case_t *c, int index);
//  The parts desk: ship pending shipments, deliver and inspect back-orders.
void flow_parts_desk (flow_worker_t *w);
#endif
