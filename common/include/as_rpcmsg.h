/*  as_rpcmsg: the RPC request/reply codec (see proto/RPC.md).
    request {id, method, deadline_ms, idempotency_key?, principal?,
             traceparent?, params}
    reply   {id, ok:true, result} | {id, ok:false, error:{code, message, details?}}
    deadline_ms is an absolute Unix time in milliseconds.                     */
#ifndef AS_RPCMSG_H
#define AS_RPCMSG_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include "as_error.h"
#include "as_msg.h"

#define AS_RPC_ID_MAX        64
#define AS_RPC_METHOD_MAX    64
#define AS_RPC_IDEM_KEY_MAX  128
#define AS_RPC_PRINCIPAL_MAX 128
#define AS_RPC_TRACE_MAX     64

typedef struct {
    char id [AS_RPC_ID_MAX + 1];
    char method [AS_RPC_METHOD_MAX + 1];
    int64_t deadline_ms;
    char idempotency_key [AS_RPC_IDEM_KEY_MAX + 1];     //  "" when absent
    char principal [AS_RPC_PRINCIPAL_MAX + 1];          //  "" when absent
    char traceparent [AS_RPC_TRACE_MAX + 1];            //  "" when absent
    const msgpack_object *params;   //  a map; points into msg
    as_msg_t *msg;                  //  owns the decoded bytes
} as_rpc_request_t;

//  Decode a request. Envelope errors -> invalid_argument. If the id could be
//  read it is left in req->id even on error, so the server can answer it.
//  Unknown method -> unimplemented. Params are checked against the
//  catalogue; a mutating method without idempotency_key -> invalid_argument.
int as_rpc_request_decode (const void *bytes, size_t size, as_rpc_request_t *req, as_error_t *err);
void as_rpc_request_release (as_rpc_request_t *req);

//  Pack a request; params_bytes is a packed map (NULL -> empty map).
void as_rpc_request_encode (msgpack_sbuffer *sbuf, const char *id, const char *method,
                            int64_t deadline_ms, const char *idempotency_key,
                            const char *principal, const char *traceparent,
                            const void *params_bytes, size_t params_size);

//  Replies. ok: {id, ok:true, result:<result_bytes or empty map>}.
void as_rpc_reply_encode_ok (msgpack_sbuffer *sbuf, const char *id,
                             const void *result_bytes, size_t result_size);
void as_rpc_reply_encode_error (msgpack_sbuffer *sbuf, const char *id, const as_error_t *error);

typedef struct {
    char id [AS_RPC_ID_MAX + 1];
    bool ok;
    const msgpack_object *result;   //  when ok: the result (any type, usually a map)
    as_error_t error;               //  when !ok: code/message/detail from the reply
    as_msg_t *msg;
} as_rpc_reply_t;

int as_rpc_reply_decode (const void *bytes, size_t size, as_rpc_reply_t *reply, as_error_t *err);
void as_rpc_reply_release (as_rpc_reply_t *reply);

//  Current time in Unix milliseconds (used for deadlines).
int64_t as_now_ms (void);

void as_rpcmsg_test (bool verbose);

#endif
