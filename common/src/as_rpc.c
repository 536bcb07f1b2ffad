/*  as_rpc: RPC client over DEALER with Lazy Pirate retries.                 */
#include "as_rpc.h"
#include "as_catalog.h"
#include "as_curve.h"
#include "as_event.h"
#include "as_log.h"
#include <assert.h>
#include <string.h>
#include <unistd.h>

struct _as_rpc_client_t {
    char *endpoint;
    zsock_t *socket;
    int timeout_ms;
    int retries;
    int retries_made;
    uint64_t next_id;
    char principal [AS_RPC_PRINCIPAL_MAX + 1];
    char traceparent [AS_RPC_TRACE_MAX + 1];
};

//  A fresh socket connected to the endpoint; -1 with err saying why not
//  (a malformed endpoint, an unknown transport, missing CurveZMQ keys).
static int
s_connect (as_rpc_client_t *self, as_error_t *err)
{
    zsock_destroy (&self->socket);
    self->socket = zsock_new (ZMQ_DEALER);
    if (!self->socket)
        return as_error_set (err, AS_UNAVAILABLE, "cannot connect to %s: no socket (%s)",
                             self->endpoint, zmq_strerror (zmq_errno ()));
    zsock_set_linger (self->socket, 0);
    zsock_set_maxmsgsize (self->socket, AS_MSG_MAX_FRAME);
    if (as_curve_client (self->socket, self->endpoint))
        return as_error_set (err, AS_UNAVAILABLE, "cannot connect to %s: no CurveZMQ client keys"
                             " (AFTERSALES_CURVE_CLIENT_CERT, AFTERSALES_CURVE_SERVER_KEY)", self->endpoint);
    if (zsock_connect (self->socket, "%s", self->endpoint))
        return as_error_set (err, AS_UNAVAILABLE, "cannot connect to %s: %s",
                             self->endpoint, zmq_strerror (zmq_errno ()));
    return 0;
}

as_rpc_client_t *
as_rpc_client_new (const char *endpoint)
{
    return as_rpc_client_open (endpoint, NULL);
}

as_rpc_client_t *
as_rpc_client_open (const char *endpoint, as_error_t *err)
{
    assert (endpoint);
    as_rpc_client_t *self = calloc (1, sizeof *self);
    self->endpoint = strdup (endpoint);
    self->timeout_ms = 3000;
    self->retries = 2;
    if (s_connect (self, err))
        as_rpc_client_destroy (&self);
    return self;
}

void
as_rpc_client_destroy (as_rpc_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    as_rpc_client_t *self = *self_p;
    zsock_destroy (&self->socket);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

void
as_rpc_client_set_timeout (as_rpc_client_t *self, int timeout_ms, int retries)
{
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    self->retries = retries >= 0 ? retries : 0;
}

void
as_rpc_client_set_principal (as_rpc_client_t *self, const char *principal)
{
    snprintf (self->principal, sizeof self->principal, "%s", principal ? principal : "");
}

void
as_rpc_client_set_traceparent (as_rpc_client_t *self, const char *traceparent)
{
    snprintf (self->traceparent, sizeof self->traceparent, "%s", traceparent ? traceparent : "");
}

int
as_rpc_client_retries (as_rpc_client_t *self)
{
    return self->retries_made;
}

int64_t
as_rpc_worst_case_ms (int timeout_ms, int retries)
{
    int64_t total = 0, wait = timeout_ms > 0 ? timeout_ms : 1;
    for (int attempt = 0; attempt <= retries; attempt++, wait *= 2)
        total += wait;
    return total;
}

//  Wait for the reply to request_id until the deadline; stale replies to
//  earlier attempts of other calls are dropped. 1 = got it, 0 = timed out.
static int
s_await (as_rpc_client_t *self, const char *request_id, int64_t deadline,
         as_rpc_reply_t *reply, as_error_t *err)
{
    zpoller_t *poller = zpoller_new (self->socket, NULL);
    int got = 0;
    while (!got) {
        int64_t left = deadline - zclock_time ();
        if (left <= 0 || !zpoller_wait (poller, (int) left))
            break;
        zframe_t *frame = zframe_recv (self->socket);
        if (!frame)
            break;
        as_error_t decode_err;
        if (as_rpc_reply_decode (zframe_data (frame), zframe_size (frame), reply, &decode_err) == 0) {
            if (strcmp (reply->id, request_id) == 0)
                got = 1;
            else
                as_rpc_reply_release (reply);
        }
        else
            as_warn ("dropped an undecodable reply from %s: %s", self->endpoint, decode_err.message);
        zframe_destroy (&frame);
    }
    zpoller_destroy (&poller);
    if (!got && zsys_interrupted)
        as_error_set (err, AS_UNAVAILABLE, "interrupted");
    return got;
}

int
as_rpc_client_call (as_rpc_client_t *self, const char *method,
                    const void *params, size_t params_size,
                    const char *idempotency_key, as_rpc_reply_t *reply, as_error_t *err)
{
    memset (reply, 0, sizeof *reply);
    char key [37] = "";
    if (!idempotency_key && as_catalog_method_mutates (method)) {
        as_uuid_v4 (key);
        idempotency_key = key;
    }
    char request_id [AS_RPC_ID_MAX + 1];
    snprintf (request_id, sizeof request_id, "%d-%llu", (int) getpid (),
              (unsigned long long) ++self->next_id);
    int timeout = self->timeout_ms;
    for (int attempt = 0; attempt <= self->retries; attempt++) {
        if (!self->socket && s_connect (self, err))
            return -1;
        int64_t deadline = zclock_time () + timeout;
        msgpack_sbuffer request;
        msgpack_sbuffer_init (&request);
        as_rpc_request_encode (&request, request_id, method, as_now_ms () + timeout,
                               idempotency_key, self->principal [0] ? self->principal : NULL,
                               self->traceparent [0] ? self->traceparent : NULL,
                               params, params_size);
        zframe_t *frame = zframe_new (request.data, request.size);
        msgpack_sbuffer_destroy (&request);
        if (zframe_send (&frame, self->socket, ZFRAME_DONTWAIT) == 0
        &&  s_await (self, request_id, deadline, reply, err) == 1)
            return 0;
        zframe_destroy (&frame);
        if (zsys_interrupted)
            break;
        //  Lazy Pirate: a fresh socket drops replies to the old attempt.
        self->retries_made++;
        zsock_destroy (&self->socket);
        timeout *= 2;
    }
    return as_error_set (err, AS_UNAVAILABLE, "no reply from %s to %s", self->endpoint, method);
}

int
as_rpc_client_call_json (as_rpc_client_t *self, const char *method, const char *params_json,
                         const char *idempotency_key, as_rpc_reply_t *reply, as_error_t *err)
{
    msgpack_sbuffer params;
    msgpack_sbuffer_init (&params);
    if (as_json_to_msgpack (params_json && *params_json ? params_json : "{}", &params, err)) {
        msgpack_sbuffer_destroy (&params);
        memset (reply, 0, sizeof *reply);
        return -1;
    }
    int rc = as_rpc_client_call (self, method, params.data, params.size, idempotency_key, reply, err);
    msgpack_sbuffer_destroy (&params);
    return rc;
}
