/*  as_catalog: the message catalogue of proto/catalogue.json, compiled into
    the library, used to check every event payload and RPC params/result
    against its schema (types, required fields, string lengths, enumerations,
    integer bounds, nested maps and arrays). proto/ is the single source of
    truth: nothing here duplicates field lists in C.                          */
#ifndef AS_CATALOG_H
#define AS_CATALOG_H

#include <msgpack.h>
#include <stdbool.h>
#include "as_error.h"

//  Parse the embedded catalogue once (idempotent, not thread-safe before
//  first call completes: call it from main before starting actors).
//  Returns 0, or -1 if the embedded JSON is broken (a build mistake).
int as_catalog_load (void);

//  Is this event type / method in the catalogue?
bool as_catalog_has_event (const char *type);
bool as_catalog_has_method (const char *method);
//  Service that owns an event type ("intake"), or NULL if unknown.
const char *as_catalog_event_owner (const char *type);
//  True if the event type may arrive from outside through the ingress.
bool as_catalog_event_is_ingress (const char *type);
//  Service that serves a method, or NULL. Common methods (health, metrics,
//  events.fetch, events.ingest) answer "*".
const char *as_catalog_method_service (const char *method);
//  True if the method changes state (needs an idempotency key).
bool as_catalog_method_mutates (const char *method);
//  Type of a field of a method's params at a dotted path ("uint" for
//  case.get "case_id", "float" for case.report "customer.location.lat"),
//  or NULL when the method or field is unknown. For CLIs that parse values.
const char *as_catalog_param_type (const char *method, const char *path);

//  Check a payload. Unknown type/method -> invalid_argument (events) or
//  unimplemented (methods). Messages name the field path: "params.customer.phone:
//  string longer than 32".
int as_catalog_check_event (const char *type, const msgpack_object *data, as_error_t *err);
int as_catalog_check_params (const char *method, const msgpack_object *params, as_error_t *err);
int as_catalog_check_result (const char *method, const msgpack_object *result, as_error_t *err);

//  Calls fn for each event type (for busd's routing table and docs checks).
typedef void (as_catalog_event_fn) (const char *type, const char *owner, bool ingress, void *arg);
void as_catalog_each_event (as_catalog_event_fn *fn, void *arg);

void as_catalog_test (bool verbose);

#endif
