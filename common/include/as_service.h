/*  as_service: the daemon every service is. A service declares its name,
    settings, migrations, RPC methods, the ingress events it owns and the
    events it consumes; as_service_main does the rest:

    - settings (common + the service's), --help, --config FILE, --migrate-only;
    - JSON logs; PostgreSQL as role aftersales_<name> on schema <name>, the
      common migrations then the service's, under an advisory lock;
    - a zloop over: the RPC ROUTER (methods + health, metrics, events.fetch,
      events.ingest), the consumer SUB socket, the poll/relay timers;
    - state-changing methods run in one transaction with their idempotency
      key and reply (a retry gets the stored reply);
    - events emitted inside that transaction go to the outbox; the relay
      moves them to the event log (gap-free sequence) and publishes them;
    - consumed events are applied in producer order with the cursor in the
      same transaction; gaps are filled with events.fetch;
    - SIGTERM: the current unit of work finishes, then a clean exit 0.      */
#ifndef AS_SERVICE_H
#define AS_SERVICE_H

#include <czmq.h>
#include <msgpack.h>
#include "as_config.h"
#include "as_error.h"
#include "as_event.h"
#include "as_pg.h"
#include "as_rpcmsg.h"

typedef struct _as_service_t as_service_t;

//  One RPC call as a handler sees it. The handler packs exactly one object
//  (the result, a map) into `result` and returns 0, or returns -1 with err.
typedef struct {
    as_service_t *service;
    as_pg_t *pg;                        //  in a transaction when mutating
    const as_rpc_request_t *request;
    const msgpack_object *params;       //  checked against the catalogue
    msgpack_packer *result;
    as_error_t *err;
    const char *actor;                  //  principal, or "system"
} as_call_t;

typedef int (as_method_fn) (as_call_t *call);

typedef struct {
    const char *name;
    as_method_fn *handler;
} as_method_t;

//  One event delivered to a service, from the ingress or from a producer's
//  log. Runs inside the transaction that records it (inbox or cursor).
typedef struct {
    as_service_t *service;
    as_pg_t *pg;
    const as_event_t *event;
    const msgpack_object *data;         //  checked against the catalogue
    const char *publisher;              //  ingress: who sent it; else the producer
    as_error_t *err;
} as_delivery_t;

typedef int (as_event_fn) (as_delivery_t *delivery);

typedef struct {
    const char *type;                   //  exact event type
    as_event_fn *handler;
} as_ingress_t;

typedef struct {
    const char *producer;               //  service name, e.g. "intake"
    const char *type;                   //  exact event type
    as_event_fn *handler;
} as_subscription_t;

typedef struct {
    const char *name;                   //  "intake": schema, endpoint, source
    const char *version;
    const char *summary;                //  one line for --help
    as_setting_t *settings;             //  service settings, NULL-name ended, or NULL
    const as_migration_t *migrations;
    const size_t *migration_count;
    const as_method_t *methods;         //  NULL-name terminated
    const as_ingress_t *ingress;        //  NULL-type terminated, or NULL
    const as_subscription_t *subscriptions; //  NULL-producer terminated, or NULL
    //  A consumer off the request path (its read model may lag a moment)
    //  waits this long after a live event before applying what has come,
    //  so that bursts share transactions; 0 applies at once (setting
    //  AFTERSALES_CONSUME_LINGER_MS overrides it).
    int consume_linger_ms;
    //  Threads that answer the service's own reads (methods that do not
    //  mutate), each on its own connection, beside the loop that serves
    //  changes and events (setting AFTERSALES_READ_WORKERS overrides it).
    //  A service that sets it keeps no state its reads share unguarded
    //  (caches are per thread: __thread). 0: reads are answered inline.
    int read_workers;
    //  Called by each read worker before it ends (per-thread caches).
    void (*worker_stop) (void);
    //  Called after migrations, before serving; may add timers to the loop.
    int (*start) (as_service_t *service, as_error_t *err);
    void (*stop) (as_service_t *service);
} as_service_def_t;

int as_service_main (const as_service_def_t *def, int argc, char *argv []);

//  Emit an event from inside the current transaction (a handler's).
//  data is a packed map checked against the catalogue; subject e.g. "case/12".
int as_service_emit (as_service_t *self, const char *type, const char *subject,
                     const void *data, size_t size, as_error_t *err);
//  Commit a transaction the service opened itself (a timer's work): its
//  events are sealed into the log in the same round trip and published at
//  once, as for a request. On failure it rolls back and returns -1 + err.
int as_service_commit (as_service_t *self, as_error_t *err);
//  A timer's unit of work: work runs in a transaction of its own, committed
//  with as_service_commit; *count (what it did) is added to counter `what`.
//  On failure it rolls back and logs; the next tick tries again.
typedef int (as_service_work_fn) (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err);
void as_service_timer_work (as_service_t *self, const char *what, as_service_work_fn *work);
//  Add n to a named counter reported by the metrics RPC.
void as_service_count (as_service_t *self, const char *counter, int64_t n);
//  Setting value of the service (common or its own).
const char *as_service_setting (as_service_t *self, const char *name);
int64_t as_service_setting_int (as_service_t *self, const char *name);
zloop_t *as_service_loop (as_service_t *self);
as_pg_t *as_service_pg (as_service_t *self);
const char *as_service_name (as_service_t *self);
//  Service-specific state (set in start, read in handlers).
void as_service_set_state (as_service_t *self, void *state);
void *as_service_state (as_service_t *self);

#endif
