/*  as_rpc: the RPC client (DEALER, Lazy Pirate).

    A call sends {id, method, deadline_ms, idempotency_key, params}, waits up
    to timeout_ms for the reply with that id, and on silence closes the
    socket (dropping whatever is queued on it), reconnects and resends the
    same request with the same idempotency key, waiting longer each time.
    A state-changing method gets a fresh idempotency key per call when the
    caller gives none, so every retry of one call is one change at most.    */
#ifndef AS_RPC_H
#define AS_RPC_H

#include <czmq.h>
#include <msgpack.h>
#include "as_error.h"
#include "as_rpcmsg.h"

typedef struct _as_rpc_client_t as_rpc_client_t;

//  Client for a service endpoint ("tcp://127.0.0.1:7711"); NULL when the
//  endpoint cannot be connected to (malformed, unknown transport, missing
//  CurveZMQ keys). as_rpc_client_open says why in err (may be NULL).
as_rpc_client_t *as_rpc_client_new (const char *endpoint);
as_rpc_client_t *as_rpc_client_open (const char *endpoint, as_error_t *err);
void as_rpc_client_destroy (as_rpc_client_t **self_p);
//  Timeout of the first attempt and number of retries after it (defaults
//  3000 ms, 2 retries). Each retry waits twice as long as the attempt
//  before it: 3000 ms and 2 retries wait 3 + 6 + 12 = 21 s at worst.
void as_rpc_client_set_timeout (as_rpc_client_t *self, int timeout_ms, int retries);
//  The longest a call with these settings waits before giving up (ms).
int64_t as_rpc_worst_case_ms (int timeout_ms, int retries);
//  Principal and traceparent sent with following calls (NULL clears).
void as_rpc_client_set_principal (as_rpc_client_t *self, const char *principal);
void as_rpc_client_set_traceparent (as_rpc_client_t *self, const char *traceparent);

//  Call method with packed params (NULL = empty map). On 0 the reply is
//  filled: reply->ok tells whether the service answered with a result or an
//  error (both are answers). -1: no answer (err unavailable / deadline).
//  Release the reply with as_rpc_reply_release.
int as_rpc_client_call (as_rpc_client_t *self, const char *method,
                        const void *params, size_t params_size,
                        const char *idempotency_key, as_rpc_reply_t *reply, as_error_t *err);
//  Same, with params as JSON text (for CLIs and tests).
int as_rpc_client_call_json (as_rpc_client_t *self, const char *method, const char *params_json,
                             const char *idempotency_key, as_rpc_reply_t *reply, as_error_t *err);

//  Calls that gave up / retries made, for metrics and tests.
int as_rpc_client_retries (as_rpc_client_t *self);

#endif
