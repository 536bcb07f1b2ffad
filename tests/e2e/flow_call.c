/*  flow_call: calls that outlive a dead daemon, ingress publishing.      */
#include "flow_world.h"
#include "as_event.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

int64_t
flow_now_ms (void)
{
    struct timeval now;
    gettimeofday (&now, NULL);
    return (int64_t) now.tv_sec * 1000 + now.tv_usec / 1000;
}

//  Codes that mean "not now" rather than "no": a daemon between its
//  database and us went away; the same key makes the retry safe.
static bool
s_transient (as_code_t code)
{
    return code == AS_UNAVAILABLE || code == AS_INTERNAL || code == AS_DEADLINE_EXCEEDED || code == AS_ABORTED;
}

const char *flow_method_names [FLOW_METHODS] = {
    "case.report", "case.list", "case.triage", "slots.offer", "visit.book", "reservation.create",
    "events.publish", "other"
};

static void
s_timed (flow_worker_t *w, const char *method, int64_t started_us)
{
    int index = 0;
    while (index < FLOW_METHODS - 1 && strcmp (flow_method_names [index], method))
        index++;
    w->method_calls [index]++;
    w->method_us [index] += zclock_usecs () - started_us;
}

int
flow_call (flow_worker_t *w, as_rpc_client_t *client, const char *method, const char *key,
           as_rpc_reply_t *reply, const char *format, ...)
{
    char params [8192];
    va_list args;
    va_start (args, format);
    vsnprintf (params, sizeof params, format, args);
    va_end (args);
    int64_t until = flow_now_ms () + w->config->call_limit_ms;
    while (true) {
        as_error_t err;
        w->calls++;
        int64_t started = zclock_usecs ();
        int called = as_rpc_client_call_json (client, method, params, key, reply, &err);
        s_timed (w, method, started);
        if (called == 0) {
            if (reply->ok || !s_transient (reply->error.code))
                return 0;
            if (w->config->verbose)
                fprintf (stderr, "flow: %s: %s (retrying)\n", method, reply->error.message);
            as_rpc_reply_release (reply);
        }
        if (flow_now_ms () > until) {
            fprintf (stderr, "flow: %s got no answer for %d ms\n", method, w->config->call_limit_ms);
            return -1;
        }
        w->retries++;
        zclock_sleep (100);
    }
}

void
flow_uuid (const char *tag, unsigned kind, int64_t number, char out [37])
{
    uint32_t hash = 2166136261u;            //  FNV-1a of the run tag
    for (const char *p = tag; *p; p++)
        hash = (hash ^ (uint8_t) *p) * 16777619u;
    snprintf (out, 37, "%08x-%04x-4000-8000-%012llx", hash, kind & 0xffff,
              (unsigned long long) number & 0xffffffffffffULL);
}

int
flow_publish (flow_worker_t *w, const char *type, const char *subject, const char *event_id,
              const char *data_json)
{
    as_error_t err;
    msgpack_sbuffer data, envelope, params;
    msgpack_sbuffer_init (&data);
    if (as_json_to_msgpack (data_json, &data, &err)) {
        fprintf (stderr, "flow: %s data: %s\n", type, err.message);
        msgpack_sbuffer_destroy (&data);
        return -1;
    }
    as_event_t *event = as_event_new ("flow-demo", type, subject, data.data, data.size, NULL);
    snprintf (event->id, sizeof event->id, "%s", event_id);
    msgpack_sbuffer_init (&envelope);
    as_event_encode (event, &envelope);
    msgpack_sbuffer_init (&params);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &params, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    as_pack_kv_bin (&packer, "event", envelope.data, envelope.size);
    int rc = -1;
    int64_t until = flow_now_ms () + w->config->call_limit_ms;
    //  Until acknowledged: the owner's inbox knows the event id.
    while (rc && flow_now_ms () < until) {
        as_rpc_reply_t reply;
        w->calls++;
        int64_t started = zclock_usecs ();
        int called = as_rpc_client_call (w->bus, "events.publish", params.data, params.size, NULL, &reply, &err);
        s_timed (w, "events.publish", started);
        if (called == 0) {
            if (reply.ok)
                rc = 0;
            else
            if (!s_transient (reply.error.code)) {
                fprintf (stderr, "flow: %s refused by the ingress: %s\n", type, reply.error.message);
                as_rpc_reply_release (&reply);
                break;
            }
            as_rpc_reply_release (&reply);
        }
        if (rc) {
            w->retries++;
            zclock_sleep (100);
        }
    }
    msgpack_sbuffer_destroy (&params);
    msgpack_sbuffer_destroy (&envelope);
    msgpack_sbuffer_destroy (&data);
    as_event_destroy (&event);
    return rc;
}

int64_t
flow_int (const msgpack_object *map, const char *outer, const char *key)
{
    int64_t value = 0;
    if (outer)
        map = as_obj_get (map, outer);
    if (map)
        as_obj_int (map, key, &value);
    return value;
}

void
flow_str (const msgpack_object *map, const char *outer, const char *key, char *out, size_t size)
{
    out [0] = 0;
    if (outer)
        map = as_obj_get (map, outer);
    if (map)
        as_obj_strcpy (map, key, out, size);
}
