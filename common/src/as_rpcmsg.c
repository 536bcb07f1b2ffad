/*  as_rpcmsg: RPC request and reply maps (proto/RPC.md). Encoders write the
    canonical key order; decoders accept any order but refuse unknown or
    repeated keys, then check params against the catalogue.                  */
#include "as_rpcmsg.h"
#include "as_catalog.h"
#include "as_event.h"
#include "as_file.h"
#include "as_test.h"
#include <assert.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>

static const char *s_request_keys [] = {
    "id", "method", "deadline_ms", "idempotency_key", "principal", "traceparent", "params", NULL
};
static const char *s_reply_keys [] = { "id", "ok", "result", "error", NULL };

int64_t
as_now_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

//  --------------------------------------------------------------------------
//  Shared decoding helpers

//  Every key is one of names, none twice.
static int
s_check_keys (const msgpack_object *root, const char **names, const char *what, as_error_t *err)
{
    if (root->type != MSGPACK_OBJECT_MAP)
        return as_error_set (err, AS_INVALID_ARGUMENT, "%s: expected map", what);
    unsigned seen = 0;
    for (uint32_t index = 0; index < root->via.map.size; index++) {
        const msgpack_object *key = &root->via.map.ptr [index].key;
        int name = 0;
        while (names [name] && !as_obj_streq (key, names [name]))
            name++;
        if (!names [name])
            return as_error_set (err, AS_INVALID_ARGUMENT, "%s: unknown key", what);
        if (seen & (1u << name))
            return as_error_set (err, AS_INVALID_ARGUMENT, "%s: %s given twice", what, names [name]);
        seen |= 1u << name;
    }
    return 0;
}

//  Copies a string field of min..max bytes (no NUL inside) into buf of
//  max + 1 bytes. Absent: "" and OK unless required.
static int
s_text (const msgpack_object *root, const char *name, size_t min, size_t max,
        bool required, char *buf, as_error_t *err)
{
    buf [0] = 0;
    const msgpack_object *value = as_obj_get (root, name);
    if (!value)
        return required? as_error_set (err, AS_INVALID_ARGUMENT, "%s: missing", name): 0;
    if (value->type != MSGPACK_OBJECT_STR || value->via.str.size < min
    ||  value->via.str.size > max || memchr (value->via.str.ptr, 0, value->via.str.size))
        return as_error_set (err, AS_INVALID_ARGUMENT, "%s: expected a string of %zu to %zu bytes",
                             name, min, max);
    memcpy (buf, value->via.str.ptr, value->via.str.size);
    buf [value->via.str.size] = 0;
    return 0;
}

//  --------------------------------------------------------------------------
//  Requests

static int
s_request_header (as_rpc_request_t *req, const msgpack_object *root, as_error_t *err)
{
    if (s_check_keys (root, s_request_keys, "request", err)
    ||  s_text (root, "method", 1, AS_RPC_METHOD_MAX, true, req->method, err))
        return -1;
    if (!as_obj_int (root, "deadline_ms", &req->deadline_ms) || req->deadline_ms <= 0)
        return as_error_set (err, AS_INVALID_ARGUMENT, "deadline_ms: %s",
                             as_obj_get (root, "deadline_ms")? "expected a positive integer": "missing");
    if (s_text (root, "idempotency_key", 1, AS_RPC_IDEM_KEY_MAX, false, req->idempotency_key, err)
    ||  s_text (root, "principal", 1, AS_RPC_PRINCIPAL_MAX, false, req->principal, err)
    ||  s_text (root, "traceparent", 55, 55, false, req->traceparent, err))
        return -1;
    if (*req->traceparent && !as_traceparent_valid (req->traceparent))
        return as_error_set (err, AS_INVALID_ARGUMENT, "traceparent: malformed");
    const msgpack_object *params = as_obj_get (root, "params");
    if (!params || params->type != MSGPACK_OBJECT_MAP)
        return as_error_set (err, AS_INVALID_ARGUMENT, "params: %s", params? "expected map": "missing");
    req->params = params;
    return 0;
}

static int
s_request_method (const as_rpc_request_t *req, as_error_t *err)
{
    if (!as_catalog_has_method (req->method))
        return as_error_set (err, AS_UNIMPLEMENTED, "unknown method %s", req->method);
    if (as_catalog_method_mutates (req->method) && !*req->idempotency_key)
        return as_error_set (err, AS_INVALID_ARGUMENT,
                             "idempotency_key: required for %s", req->method);
    return as_catalog_check_params (req->method, req->params, err);
}

int
as_rpc_request_decode (const void *bytes, size_t size, as_rpc_request_t *req, as_error_t *err)
{
    assert (req);
    memset (req, 0, sizeof *req);
    req->msg = as_msg_decode (bytes, size, 0, err);
    if (!req->msg)
        return -1;
    const msgpack_object *root = as_msg_root (req->msg);
    //  The id first, so that even a bad request can be answered by id.
    int rc = root->type == MSGPACK_OBJECT_MAP
           ? s_text (root, "id", 1, AS_RPC_ID_MAX, true, req->id, err)
           : as_error_set (err, AS_INVALID_ARGUMENT, "request: expected map");
    if (rc || s_request_header (req, root, err) || s_request_method (req, err)) {
        as_rpc_request_release (req);
        return -1;
    }
    return 0;
}

void
as_rpc_request_release (as_rpc_request_t *req)
{
    if (!req)
        return;
    as_msg_destroy (&req->msg);
    req->params = NULL;
}

static void
s_pack_map_bytes (msgpack_sbuffer *sbuf, msgpack_packer *pk, const void *bytes, size_t size)
{
    if (bytes && size)
        msgpack_sbuffer_write (sbuf, bytes, size);
    else
        msgpack_pack_map (pk, 0);
}

static bool
s_given (const char *text)
{
    return text && *text;
}

void
as_rpc_request_encode (msgpack_sbuffer *sbuf, const char *id, const char *method,
                       int64_t deadline_ms, const char *idempotency_key,
                       const char *principal, const char *traceparent,
                       const void *params_bytes, size_t params_size)
{
    assert (sbuf && id && method);
    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4 + s_given (idempotency_key) + s_given (principal) + s_given (traceparent));
    as_pack_kv_str (&pk, "id", id);
    as_pack_kv_str (&pk, "method", method);
    as_pack_kv_int (&pk, "deadline_ms", deadline_ms);
    if (s_given (idempotency_key))
        as_pack_kv_str (&pk, "idempotency_key", idempotency_key);
    if (s_given (principal))
        as_pack_kv_str (&pk, "principal", principal);
    if (s_given (traceparent))
        as_pack_kv_str (&pk, "traceparent", traceparent);
    as_pack_str (&pk, "params");
    s_pack_map_bytes (sbuf, &pk, params_bytes, params_size);
}

//  --------------------------------------------------------------------------
//  Replies

void
as_rpc_reply_encode_ok (msgpack_sbuffer *sbuf, const char *id,
                        const void *result_bytes, size_t result_size)
{
    assert (sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3);
    as_pack_kv_str (&pk, "id", id? id: "");     //  "" answers an unreadable id
    as_pack_kv_bool (&pk, "ok", true);
    as_pack_str (&pk, "result");
    s_pack_map_bytes (sbuf, &pk, result_bytes, result_size);
}

void
as_rpc_reply_encode_error (msgpack_sbuffer *sbuf, const char *id, const as_error_t *error)
{
    assert (sbuf && error);
    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3);
    as_pack_kv_str (&pk, "id", id? id: "");
    as_pack_kv_bool (&pk, "ok", false);
    as_pack_str (&pk, "error");
    bool details = error->detail [0] != 0;
    msgpack_pack_map (&pk, details? 3: 2);
    //  An error reply always carries an error code, even if the caller
    //  forgot to set one.
    as_code_t code = error->code == AS_OK? AS_INTERNAL: error->code;
    as_pack_kv_str (&pk, "code", as_code_name (code));
    as_pack_kv_str (&pk, "message", error->message [0]? error->message: as_code_name (code));
    if (details)
        as_pack_kv_str (&pk, "details", error->detail);
}

//  The error map of a failed reply into reply->error.
static int
s_reply_error (as_rpc_reply_t *reply, const msgpack_object *error, as_error_t *err)
{
    static const char *keys [] = { "code", "message", "details", NULL };
    if (!error)
        return as_error_set (err, AS_INVALID_ARGUMENT, "error: missing");
    if (s_check_keys (error, keys, "error", err))
        return -1;
    char code [32];
    if (s_text (error, "code", 1, sizeof code - 1, true, code, err)
    ||  s_text (error, "message", 0, AS_ERROR_MESSAGE_MAX - 1, true, reply->error.message, err)
    ||  s_text (error, "details", 0, AS_ERROR_MESSAGE_MAX - 1, false, reply->error.detail, err))
        return -1;
    int value = as_code_from_name (code);
    if (value == AS_OK)
        return as_error_set (err, AS_INVALID_ARGUMENT, "error.code: ok in a failed reply");
    //  A newer peer may know codes we do not: keep its words, call it internal.
    reply->error.code = value < 0? AS_INTERNAL: (as_code_t) value;
    return 0;
}

int
as_rpc_reply_decode (const void *bytes, size_t size, as_rpc_reply_t *reply, as_error_t *err)
{
    assert (reply);
    memset (reply, 0, sizeof *reply);
    as_error_clear (&reply->error);
    reply->msg = as_msg_decode (bytes, size, 0, err);
    if (!reply->msg)
        return -1;
    const msgpack_object *root = as_msg_root (reply->msg);
    int rc = s_check_keys (root, s_reply_keys, "reply", err);
    if (rc == 0)
        rc = s_text (root, "id", 0, AS_RPC_ID_MAX, true, reply->id, err);
    if (rc == 0 && !as_obj_bool (root, "ok", &reply->ok))
        rc = as_error_set (err, AS_INVALID_ARGUMENT, "ok: expected bool");
    if (rc == 0 && reply->ok) {
        reply->result = as_obj_get (root, "result");
        if (!reply->result || as_obj_get (root, "error"))
            rc = as_error_set (err, AS_INVALID_ARGUMENT, "reply: ok needs result and no error");
    }
    else
    if (rc == 0)
        rc = s_reply_error (reply, as_obj_get (root, "error"), err);
    if (rc)
        as_rpc_reply_release (reply);
    return rc;
}

void
as_rpc_reply_release (as_rpc_reply_t *reply)
{
    if (!reply)
        return;
    as_msg_destroy (&reply->msg);
    reply->result = NULL;
}

//  --------------------------------------------------------------------------
//  Self-test

static void
s_test_request (bool verbose)
{
    (void) verbose;
    msgpack_sbuffer params, sbuf;
    msgpack_sbuffer_init (&params);
    msgpack_sbuffer_init (&sbuf);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack ("{\"case_id\":9,\"reason\":\"customer changed mind\"}", &params, &err) == 0);
    int64_t deadline = as_now_ms () + 5000;
    as_rpc_request_encode (&sbuf, "r-1", "case.cancel", deadline, "k-1", "agent:7", NULL,
                           params.data, params.size);
    as_rpc_request_t req;
    AS_CHECK (as_rpc_request_decode (sbuf.data, sbuf.size, &req, &err) == 0);
    AS_CHECK (strcmp (req.id, "r-1") == 0 && strcmp (req.method, "case.cancel") == 0);
    AS_CHECK (req.deadline_ms == deadline && strcmp (req.idempotency_key, "k-1") == 0);
    AS_CHECK (strcmp (req.principal, "agent:7") == 0 && req.traceparent [0] == 0);
    int64_t case_id;
    AS_CHECK (as_obj_int (req.params, "case_id", &case_id) && case_id == 9);
    as_rpc_request_release (&req);
    as_rpc_request_release (&req);

    //  Mutating without a key: refused, but the id is known for the reply.
    sbuf.size = 0;
    as_rpc_request_encode (&sbuf, "r-2", "case.cancel", deadline, NULL, NULL, NULL, params.data, params.size);
    AS_CHECK (as_rpc_request_decode (sbuf.data, sbuf.size, &req, &err) == -1);
    AS_CHECK (err.code == AS_INVALID_ARGUMENT && strstr (err.message, "idempotency_key"));
    AS_CHECK (strcmp (req.id, "r-2") == 0 && req.msg == NULL);
    sbuf.size = 0;
    as_rpc_request_encode (&sbuf, "r-3", "case.eat", deadline, "k", NULL, NULL, NULL, 0);
    AS_CHECK (as_rpc_request_decode (sbuf.data, sbuf.size, &req, &err) == -1);
    AS_CHECK (err.code == AS_UNIMPLEMENTED && strcmp (req.id, "r-3") == 0);
    sbuf.size = 0;
    as_rpc_request_encode (&sbuf, "r-4", "case.get", deadline, NULL, NULL, NULL, params.data, params.size);
    AS_CHECK (as_rpc_request_decode (sbuf.data, sbuf.size, &req, &err) == -1);
    AS_CHECK (strcmp (err.message, "params: unknown field reason") == 0);
    //  Truncations of a valid request.
    sbuf.size = 0;
    as_rpc_request_encode (&sbuf, "r-1", "case.cancel", deadline, "k-1", NULL,
                           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", params.data, params.size);
    AS_CHECK (as_rpc_request_decode (sbuf.data, sbuf.size, &req, &err) == 0);
    as_rpc_request_release (&req);
    for (size_t size = 0; size < sbuf.size; size++)
        AS_CHECK (as_rpc_request_decode (sbuf.data, size, &req, &err) == -1 && err.code == AS_INVALID_ARGUMENT);
    msgpack_sbuffer_destroy (&params);
    msgpack_sbuffer_destroy (&sbuf);
}

static void
s_expect_request (const char *json, const char *expect)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack (json, &sbuf, &err) == 0);
    as_rpc_request_t req;
    int rc = as_rpc_request_decode (sbuf.data, sbuf.size, &req, &err);
    if (rc == 0 || !strstr (err.message, expect))
        fprintf (stderr, "%s: wanted '%s', got '%s'\n", json, expect, rc? err.message: "ok");
    AS_CHECK (rc == -1 && err.code == AS_INVALID_ARGUMENT && strstr (err.message, expect));
    msgpack_sbuffer_destroy (&sbuf);
}

static void
s_test_request_hostile (void)
{
    s_expect_request ("{\"id\":\"a\",\"method\":\"health\",\"deadline_ms\":1,\"params\":{},\"x\":1}",
                      "request: unknown key");
    s_expect_request ("{\"id\":\"a\",\"method\":\"health\",\"deadline_ms\":-5,\"params\":{}}",
                      "deadline_ms: expected a positive integer");
    s_expect_request ("{\"id\":\"a\",\"method\":\"health\",\"params\":{}}", "deadline_ms: missing");
    s_expect_request ("{\"id\":7,\"method\":\"health\",\"deadline_ms\":1,\"params\":{}}", "id: expected a string");
    s_expect_request ("{\"id\":\"a\",\"method\":\"health\",\"deadline_ms\":1,\"params\":[]}", "params: expected map");
    s_expect_request ("{\"id\":\"a\",\"method\":\"health\",\"deadline_ms\":1}", "params: missing");
    s_expect_request ("{\"id\":\"a\",\"method\":\"health\",\"deadline_ms\":1,\"params\":{},\"traceparent\":"
                      "\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g\"}", "traceparent: malformed");
    s_expect_request ("{\"id\":\"a\",\"id\":\"b\",\"method\":\"health\",\"deadline_ms\":1,\"params\":{}}",
                      "id given twice");
    s_expect_request ("[\"id\"]", "request: expected map");
    //  A 65-byte id.
    s_expect_request ("{\"id\":\"01234567890123456789012345678901234567890123456789012345678901234\"}",
                      "id: expected a string of 1 to 64 bytes");
}

static void
s_test_reply (void)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    as_rpc_reply_encode_ok (&sbuf, "r-1", "\x81\xa2ok\xc3", 5);
    as_rpc_reply_t reply;
    as_error_t err;
    AS_CHECK (as_rpc_reply_decode (sbuf.data, sbuf.size, &reply, &err) == 0);
    AS_CHECK (reply.ok && strcmp (reply.id, "r-1") == 0);
    bool flag = false;
    AS_CHECK (as_obj_bool (reply.result, "ok", &flag) && flag);
    as_rpc_reply_release (&reply);

    as_error_t failure;
    as_error_set (&failure, AS_NOT_FOUND, "case %d not found", 12);
    as_error_detail (&failure, "looked in intake.cases");
    sbuf.size = 0;
    as_rpc_reply_encode_error (&sbuf, "r-2", &failure);
    AS_CHECK (as_rpc_reply_decode (sbuf.data, sbuf.size, &reply, &err) == 0);
    AS_CHECK (!reply.ok && reply.error.code == AS_NOT_FOUND);
    AS_CHECK (strcmp (reply.error.message, "case 12 not found") == 0);
    AS_CHECK (strcmp (reply.error.detail, "looked in intake.cases") == 0);
    as_rpc_reply_release (&reply);

    const char *bad [] = {
        "{\"id\":\"a\",\"ok\":true}", "{\"id\":\"a\",\"ok\":1,\"result\":{}}",
        "{\"id\":\"a\",\"ok\":false,\"error\":{\"code\":\"ok\",\"message\":\"\"}}",
        "{\"id\":\"a\",\"ok\":false,\"error\":{\"message\":\"x\"}}",
        "{\"id\":\"a\",\"ok\":false}", "{\"ok\":true,\"result\":1}", NULL
    };
    for (int i = 0; bad [i]; i++) {
        sbuf.size = 0;
        AS_CHECK (as_json_to_msgpack (bad [i], &sbuf, &err) == 0);
        AS_CHECK (as_rpc_reply_decode (sbuf.data, sbuf.size, &reply, &err) == -1);
        AS_CHECK (err.code == AS_INVALID_ARGUMENT && reply.msg == NULL);
    }
    //  A code from a newer peer survives as internal with its message.
    sbuf.size = 0;
    AS_CHECK (as_json_to_msgpack ("{\"id\":\"a\",\"ok\":false,\"error\":{\"code\":\"data_loss\",\"message\":\"m\"}}",
                                  &sbuf, &err) == 0);
    AS_CHECK (as_rpc_reply_decode (sbuf.data, sbuf.size, &reply, &err) == 0);
    AS_CHECK (reply.error.code == AS_INTERNAL && strcmp (reply.error.message, "m") == 0);
    as_rpc_reply_release (&reply);
    msgpack_sbuffer_destroy (&sbuf);
}

//  --------------------------------------------------------------------------
//  Golden vectors: proto/vectors/NAME.msgpack with NAME.json, made by the
//  independent encoder proto/tools/make_vectors.py.

static void
s_check_same (const msgpack_sbuffer *sbuf, const char *bytes, size_t size, const char *name)
{
    if (sbuf->size != size || memcmp (sbuf->data, bytes, size) != 0) {
        fprintf (stderr, "vector %s: re-encoding differs\n", name);
        AS_CHECK (false);
    }
}

//  Class-specific decode and canonical re-encode by name prefix.
static void
s_vector_class (const char *name, const char *bytes, size_t size, msgpack_sbuffer *sbuf)
{
    as_error_t err;
    as_error_clear (&err);
    if (strncmp (name, "event_", 6) == 0) {
        as_event_t *event = as_event_decode (bytes, size, true, &err);
        if (!event)
            fprintf (stderr, "vector %s: %s\n", name, err.message);
        AS_CHECK (event);
        as_event_encode (event, sbuf);
        as_event_destroy (&event);
    }
    else
    if (strncmp (name, "request_", 8) == 0) {
        as_rpc_request_t req;
        int rc = as_rpc_request_decode (bytes, size, &req, &err);
        if (rc)
            fprintf (stderr, "vector %s: %s\n", name, err.message);
        AS_CHECK (rc == 0);
        msgpack_sbuffer params;
        msgpack_sbuffer_init (&params);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &params, msgpack_sbuffer_write);
        as_pack_object (&pk, req.params);
        as_rpc_request_encode (sbuf, req.id, req.method, req.deadline_ms, req.idempotency_key,
                               req.principal, req.traceparent, params.data, params.size);
        msgpack_sbuffer_destroy (&params);
        as_rpc_request_release (&req);
    }
    else
    if (strncmp (name, "reply_", 6) == 0) {
        as_rpc_reply_t reply;
        AS_CHECK (as_rpc_reply_decode (bytes, size, &reply, &err) == 0);
        if (reply.ok && strncmp (name, "reply_ok_", 9) == 0) {
            //  reply_ok_case_report answers case.report: check its result.
            char method [AS_RPC_METHOD_MAX + 1];
            snprintf (method, sizeof method, "%s", name + 9);
            *strchr (method, '_') = '.';
            if (as_catalog_check_result (method, reply.result, &err))
                fprintf (stderr, "vector %s: %s\n", name, err.message);
            AS_CHECK (err.code == AS_OK);
        }
        if (reply.ok) {
            msgpack_sbuffer result;
            msgpack_sbuffer_init (&result);
            msgpack_packer pk;
            msgpack_packer_init (&pk, &result, msgpack_sbuffer_write);
            as_pack_object (&pk, reply.result);
            as_rpc_reply_encode_ok (sbuf, reply.id, result.data, result.size);
            msgpack_sbuffer_destroy (&result);
        }
        else
            as_rpc_reply_encode_error (sbuf, reply.id, &reply.error);
        as_rpc_reply_release (&reply);
    }
    else {
        //  Plain values: the generic re-pack is the class encoder.
        as_msg_t *msg = as_msg_decode (bytes, size, 0, &err);
        msgpack_packer pk;
        msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
        as_pack_object (&pk, as_msg_root (msg));
        as_msg_destroy (&msg);
    }
}

static void
s_vector (const char *dir, const char *name, bool verbose)
{
    char path [512];
    size_t size, json_size;
    snprintf (path, sizeof path, "%s/%s.msgpack", dir, name);
    char *bytes = as_file_read (path, 1 << 20, &size);
    snprintf (path, sizeof path, "%s/%s.json", dir, name);
    char *json = as_file_read (path, 1 << 20, &json_size);
    AS_CHECK (bytes && json);
    if (verbose)
        printf ("\n    vector %s (%zu bytes)", name, size);
    //  1. It decodes, and means what the JSON says.
    as_error_t err;
    as_msg_t *msg = as_msg_decode (bytes, size, 0, &err);
    AS_CHECK (msg);
    char *decoded = as_obj_to_json (as_msg_root (msg), false);
    cJSON *ours = cJSON_Parse (decoded), *theirs = cJSON_Parse (json);
    AS_CHECK (ours && theirs && cJSON_Compare (ours, theirs, true));
    //  2. Our JSON encoder and the generic re-pack agree with the Python encoder.
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    AS_CHECK (as_json_to_msgpack (json, &sbuf, &err) == 0);
    s_check_same (&sbuf, bytes, size, name);
    sbuf.size = 0;
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    as_pack_object (&pk, as_msg_root (msg));
    s_check_same (&sbuf, bytes, size, name);
    //  3. The class decoder accepts it (schema included), and its encoder
    //     writes the same bytes back.
    sbuf.size = 0;
    s_vector_class (name, bytes, size, &sbuf);
    s_check_same (&sbuf, bytes, size, name);
    msgpack_sbuffer_destroy (&sbuf);
    cJSON_Delete (ours);
    cJSON_Delete (theirs);
    free (decoded);
    as_msg_destroy (&msg);
    free (bytes);
    free (json);
}

static void
s_test_vectors (bool verbose)
{
    const char *dir = AS_SOURCE_DIR "/proto/vectors";
    DIR *handle = opendir (dir);
    AS_CHECK (handle);
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (length <= 8 || length > 200 || strcmp (entry->d_name + length - 8, ".msgpack") != 0)
            continue;
        char name [256];
        snprintf (name, sizeof name, "%.*s", (int) (length - 8), entry->d_name);
        s_vector (dir, name, verbose);
        count++;
    }
    closedir (handle);
    if (verbose)
        printf ("\n    %d vectors\n", count);
    AS_CHECK (count >= 20);
}

void
as_rpcmsg_test (bool verbose)
{
    AS_CHECK (as_now_ms () > 1700000000000LL);
    s_test_request (verbose);
    s_test_request_hostile ();
    s_test_reply ();
    s_test_vectors (verbose);
}
