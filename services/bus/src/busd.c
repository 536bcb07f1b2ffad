/*  busd: the suite's event hub and the ingress for other company systems.

    bus_pub (XSUB)   services' relays publish live events here
    bus_sub (XPUB)   consumers and `busctl tail` subscribe here, topic = type
    bus_ingress      ROUTER: outside publishers call events.publish; busd
                     routes the event by type to the owning service's
                     events.ingest and relays its answer, which the service
                     sends only after the effects are committed.
    busd keeps no state: a publisher that gets no answer retries, and the
    owner's inbox makes the retry harmless.                                 */
#include "as_acl.h"
#include "as_catalog.h"
#include "as_config.h"
#include "as_curve.h"
#include "as_event.h"
#include "as_log.h"
#include "as_msg.h"
#include "as_rpcmsg.h"
#include <czmq.h>
#include <string.h>

#define S_VERSION "0.1.0"
#define S_PENDING_TTL_MS 30000

typedef struct {
    zframe_t *publisher;            //  ROUTER identity to answer
    char request_id [AS_RPC_ID_MAX + 1];
    int64_t expires;
} s_pending_t;

typedef struct {
    zsock_t *xsub, *xpub, *ingress;
    zhashx_t *owners;               //  service name -> zsock_t * DEALER
    zhashx_t *pending;              //  forwarded request id -> s_pending_t
    as_acl_t *acl;                  //  publisher -> allowed types, or NULL
    zloop_t *loop;
    uint64_t next_id;
    int64_t started;
    int64_t published, accepted, refused, forwarded_live;
} s_bus_t;

//  busd has the suite's shared settings (it keeps no data) and its own.
static as_setting_t s_settings [16];
static const as_setting_t s_bus_settings [] = {
    { "BUS_INGRESS_ACL", AS_CFG_STR, "", 0, 0,
      "JSON file {\"publishers\": {KEY-OR-NAME: [TYPE or PREFIX., ...]}}: which ingress event types "
      "each publisher may publish (its CURVE public key, or its name without CURVE); "
      "empty: any admitted publisher may publish any ingress type", "", 0 },
    { NULL, 0, NULL, 0, 0, NULL, "", 0 }
};

static void
s_pending_destroy (s_pending_t **self_p)
{
    if (*self_p) {
        zframe_destroy (&(*self_p)->publisher);
        free (*self_p);
        *self_p = NULL;
    }
}

static void
s_answer (s_bus_t *bus, zframe_t *publisher, const char *request_id, const as_error_t *error,
          const void *result, size_t result_size)
{
    msgpack_sbuffer reply;
    msgpack_sbuffer_init (&reply);
    if (error)
        as_rpc_reply_encode_error (&reply, request_id, error);
    else
        as_rpc_reply_encode_ok (&reply, request_id, result, result_size);
    zmsg_t *msg = zmsg_new ();
    zmsg_append (msg, &publisher);
    zmsg_addmem (msg, reply.data, reply.size);
    zmsg_send (&msg, bus->ingress);
    msgpack_sbuffer_destroy (&reply);
}

//  --- Live events: XSUB <-> XPUB ----------------------------------------------------

static int
s_on_live_event (zloop_t *loop, zsock_t *xsub, void *arg)
{
    (void) loop;
    s_bus_t *bus = arg;
    zmsg_t *msg = zmsg_recv (xsub);
    if (msg) {
        bus->forwarded_live++;
        zmsg_send (&msg, bus->xpub);
    }
    return 0;
}

static int
s_on_subscription (zloop_t *loop, zsock_t *xpub, void *arg)
{
    (void) loop;
    s_bus_t *bus = arg;
    zmsg_t *msg = zmsg_recv (xpub);
    if (msg)
        zmsg_send (&msg, bus->xsub);
    return 0;
}

//  --- Ingress ---------------------------------------------------------------------------

static int
s_route (s_bus_t *bus, zframe_t **publisher_p, zframe_t *payload, const as_rpc_request_t *request,
         as_error_t *err)
{
    const msgpack_object *bytes = as_obj_get (request->params, "event");
    as_event_t *event = as_event_decode (bytes->via.bin.ptr, bytes->via.bin.size, true, err);
    if (!event)
        return -1;
    const char *owner = as_catalog_event_owner (event->type);
    zsock_t *dealer = owner ? zhashx_lookup (bus->owners, owner) : NULL;
    if (!as_catalog_event_is_ingress (event->type) || !dealer) {
        as_error_set (err, AS_INVALID_ARGUMENT, "%s events are not accepted through the ingress", event->type);
        as_event_destroy (&event);
        return -1;
    }
    char publisher [AS_RPC_PRINCIPAL_MAX + 1];
    as_acl_caller (payload, request->principal, publisher, sizeof publisher);
    if (!as_acl_allows (bus->acl, publisher, event->type)) {
        as_error_set (err, AS_PERMISSION_DENIED, "publisher %.48s may not publish %s", publisher, event->type);
        as_event_destroy (&event);
        return -1;
    }

    msgpack_sbuffer params;
    msgpack_sbuffer_init (&params);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &params, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 2);
    as_pack_kv_str (&packer, "publisher", publisher);
    as_pack_kv_bin (&packer, "event", bytes->via.bin.ptr, bytes->via.bin.size);

    s_pending_t *pending = calloc (1, sizeof *pending);
    pending->publisher = *publisher_p;
    *publisher_p = NULL;
    snprintf (pending->request_id, sizeof pending->request_id, "%s", request->id);
    pending->expires = zclock_mono () + S_PENDING_TTL_MS;
    char forward_id [32];
    snprintf (forward_id, sizeof forward_id, "bus-%llu", (unsigned long long) ++bus->next_id);
    zhashx_insert (bus->pending, forward_id, pending);

    msgpack_sbuffer forward;
    msgpack_sbuffer_init (&forward);
    as_rpc_request_encode (&forward, forward_id, "events.ingest", request->deadline_ms, NULL,
                           NULL, request->traceparent [0] ? request->traceparent : NULL,
                           params.data, params.size);
    zframe_t *frame = zframe_new (forward.data, forward.size);
    zframe_send (&frame, dealer, ZFRAME_DONTWAIT);
    zframe_destroy (&frame);
    msgpack_sbuffer_destroy (&forward);
    msgpack_sbuffer_destroy (&params);
    as_debug ("routed %s %s to %s", event->type, event->id, owner);
    as_event_destroy (&event);
    bus->published++;
    return 0;
}

static void
s_local_method (s_bus_t *bus, const as_rpc_request_t *request, zframe_t **publisher_p)
{
    msgpack_sbuffer result;
    msgpack_sbuffer_init (&result);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &result, msgpack_sbuffer_write);
    if (strcmp (request->method, "health") == 0) {
        msgpack_pack_map (&packer, 5);
        as_pack_kv_str (&packer, "service", "bus");
        as_pack_kv_str (&packer, "status", "ok");
        as_pack_kv_str (&packer, "version", S_VERSION);
        as_pack_kv_int (&packer, "uptime_s", (zclock_mono () - bus->started) / 1000);
        as_pack_kv_str (&packer, "db", "none");
    }
    else {
        msgpack_pack_map (&packer, 2);
        as_pack_kv_str (&packer, "service", "bus");
        as_pack_str (&packer, "counters");
        msgpack_pack_map (&packer, 5);
        as_pack_kv_int (&packer, "ingress_routed", bus->published);
        as_pack_kv_int (&packer, "ingress_acknowledged", bus->accepted);
        as_pack_kv_int (&packer, "ingress_refused", bus->refused);
        as_pack_kv_int (&packer, "ingress_pending", (int64_t) zhashx_size (bus->pending));
        as_pack_kv_int (&packer, "live_events_forwarded", bus->forwarded_live);
    }
    s_answer (bus, *publisher_p, request->id, NULL, result.data, result.size);
    *publisher_p = NULL;
    msgpack_sbuffer_destroy (&result);
}

static int
s_on_ingress (zloop_t *loop, zsock_t *ingress, void *arg)
{
    (void) loop;
    s_bus_t *bus = arg;
    zmsg_t *msg = zmsg_recv (ingress);
    if (!msg)
        return 0;
    zframe_t *publisher = zmsg_pop (msg);
    zframe_t *payload = zmsg_last (msg);
    as_rpc_request_t request;
    memset (&request, 0, sizeof request);
    as_error_t err;
    as_error_clear (&err);
    int rc = -1;
    if (!payload)
        as_error_set (&err, AS_INVALID_ARGUMENT, "empty request");
    else
    if (as_rpc_request_decode (zframe_data (payload), zframe_size (payload), &request, &err) == 0) {
        if (strcmp (request.method, "events.publish") == 0)
            rc = s_route (bus, &publisher, payload, &request, &err);
        else
        if (strcmp (request.method, "health") == 0 || strcmp (request.method, "metrics") == 0) {
            s_local_method (bus, &request, &publisher);
            rc = 0;
        }
        else
            as_error_set (&err, AS_UNIMPLEMENTED, "busd serves events.publish, health and metrics, not %s",
                          request.method);
    }
    if (rc) {
        bus->refused++;
        as_info ("ingress refused: %s", err.message);
        s_answer (bus, publisher, request.id, &err, NULL, 0);
        publisher = NULL;
    }
    as_rpc_request_release (&request);
    zframe_destroy (&publisher);
    zmsg_destroy (&msg);
    return 0;
}

//  The owner's answer to a forwarded event: back to whoever published it.
static int
s_on_owner_reply (zloop_t *loop, zsock_t *dealer, void *arg)
{
    (void) loop;
    s_bus_t *bus = arg;
    zframe_t *frame = zframe_recv (dealer);
    if (!frame)
        return 0;
    as_rpc_reply_t reply;
    as_error_t err;
    if (as_rpc_reply_decode (zframe_data (frame), zframe_size (frame), &reply, &err) == 0) {
        s_pending_t *pending = zhashx_lookup (bus->pending, reply.id);
        if (pending) {
            msgpack_sbuffer result;
            msgpack_sbuffer_init (&result);
            msgpack_packer packer;
            msgpack_packer_init (&packer, &result, msgpack_sbuffer_write);
            if (reply.ok)
                as_pack_object (&packer, reply.result);
            else
                bus->refused++;
            bus->accepted += reply.ok;
            s_answer (bus, pending->publisher, pending->request_id, reply.ok ? NULL : &reply.error,
                      result.data, result.size);
            pending->publisher = NULL;
            zhashx_delete (bus->pending, reply.id);
            msgpack_sbuffer_destroy (&result);
        }
        as_rpc_reply_release (&reply);
    }
    else
        as_warn ("dropped an undecodable reply from a service: %s", err.message);
    zframe_destroy (&frame);
    return 0;
}

//  A service that never answers leaves a pending entry: the publisher has
//  long since retried, so drop it.
static int
s_on_sweep (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_bus_t *bus = arg;
    zlistx_t *expired = zlistx_new ();
    int64_t now = zclock_mono ();
    for (s_pending_t *pending = zhashx_first (bus->pending); pending; pending = zhashx_next (bus->pending))
        if (pending->expires < now)
            zlistx_add_end (expired, (void *) zhashx_cursor (bus->pending));
    for (const char *key = zlistx_first (expired); key; key = zlistx_next (expired))
        zhashx_delete (bus->pending, key);
    if (zlistx_size (expired))
        as_warn ("%zu ingress events got no answer from their service in time", zlistx_size (expired));
    zlistx_destroy (&expired);
    return 0;
}

//  --- Start-up ---------------------------------------------------------------------------

static void
s_add_owner (const char *type, const char *owner, bool ingress, void *arg)
{
    (void) type;
    s_bus_t *bus = arg;
    if (!ingress || zhashx_lookup (bus->owners, owner) || !as_endpoint (owner))
        return;
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    zsock_set_linger (dealer, 0);
    zsock_set_maxmsgsize (dealer, AS_MSG_MAX_FRAME);
    if (as_curve_client (dealer, as_endpoint (owner)) || zsock_connect (dealer, "%s", as_endpoint (owner))) {
        as_error ("cannot connect to %s at %s", owner, as_endpoint (owner));
        zsock_destroy (&dealer);
        return;
    }
    zhashx_insert (bus->owners, owner, dealer);
    zloop_reader (bus->loop, dealer, s_on_owner_reply, bus);
}

static zsock_t *
s_bind (int type, const char *name)
{
    const char *endpoint = as_endpoint_bind (name);
    zsock_t *socket = zsock_new (type);
    zsock_set_linger (socket, 0);
    if (type == ZMQ_ROUTER)
        zsock_set_maxmsgsize (socket, AS_MSG_MAX_FRAME);
    if (type == ZMQ_XPUB || type == ZMQ_XSUB) {
        zsock_set_sndhwm (socket, 100000);
        zsock_set_rcvhwm (socket, 100000);
    }
    if (as_curve_server (socket, endpoint) || zsock_bind (socket, "%s", endpoint) < 0) {
        as_error ("cannot bind %s: %s", endpoint, zmq_strerror (zmq_errno ()));
        zsock_destroy (&socket);
    }
    return socket;
}

static int
s_usage (FILE *out)
{
    fprintf (out,
        "busd %s: the event hub of the aftersales suite\n\n"
        "usage: busd [--config FILE] [--help] [--version]\n\n"
        "  live events   services publish to %s (XSUB), subscribers read %s (XPUB)\n"
        "  ingress       other systems call events.publish on %s (ROUTER);\n"
        "                the event goes to the service that owns its type and its\n"
        "                answer comes back once the effects are committed\n\n",
        S_VERSION, as_endpoint ("bus_pub"), as_endpoint ("bus_sub"), as_endpoint ("bus_ingress"));
    as_config_print_help (s_settings, out);
    return 0;
}

int
main (int argc, char *argv [])
{
    size_t count = 0;
    for (const as_setting_t *setting = as_config_suite_settings; setting->name; setting++)
        s_settings [count++] = *setting;
    for (const as_setting_t *setting = s_bus_settings; setting->name; setting++)
        s_settings [count++] = *setting;
    const char *config = NULL;
    for (int arg = 1; arg < argc; arg++) {
        if (!strcmp (argv [arg], "--help") || !strcmp (argv [arg], "-h"))
            return s_usage (stdout);
        if (!strcmp (argv [arg], "--version")) {
            printf ("busd %s\n", S_VERSION);
            return 0;
        }
        if (!strcmp (argv [arg], "--config") && arg + 1 >= argc) {
            fprintf (stderr, "busd: --config needs a FILE\n");
            return 2;
        }
        if (!strcmp (argv [arg], "--config"))
            config = argv [++arg];
        else {
            fprintf (stderr, "busd: unknown argument '%s' (try --help)\n", argv [arg]);
            return 2;
        }
    }
    as_error_t err;
    if (as_config_load (s_settings, config, &err)) {
        fprintf (stderr, "busd: %s\n", err.message);
        return 2;
    }
    as_config_export (s_settings);
    if (as_log_init ("bus", as_config_str (s_settings, "AFTERSALES_LOG_LEVEL")) || as_catalog_load ()) {
        fprintf (stderr, "busd: bad AFTERSALES_LOG_LEVEL or catalogue\n");
        return 2;
    }
    zsys_init ();
    s_bus_t bus;
    memset (&bus, 0, sizeof bus);
    bus.started = zclock_mono ();
    bus.loop = zloop_new ();
    bus.owners = zhashx_new ();
    zhashx_set_destructor (bus.owners, (zhashx_destructor_fn *) zsock_destroy);
    bus.pending = zhashx_new ();
    zhashx_set_destructor (bus.pending, (zhashx_destructor_fn *) s_pending_destroy);
    int status = 1;
    const char *acl = as_config_str (s_settings, "BUS_INGRESS_ACL");
    if (*acl && !(bus.acl = as_acl_load (acl, "publishers", &err)))
        as_error ("BUS_INGRESS_ACL %s", err.message);
    else
    if (as_curve_start () == 0
    &&  (bus.xsub = s_bind (ZMQ_XSUB, "bus_pub"))
    &&  (bus.xpub = s_bind (ZMQ_XPUB, "bus_sub"))
    &&  (bus.ingress = s_bind (ZMQ_ROUTER, "bus_ingress"))) {
        as_catalog_each_event (s_add_owner, &bus);
        zloop_reader (bus.loop, bus.xsub, s_on_live_event, &bus);
        zloop_reader (bus.loop, bus.xpub, s_on_subscription, &bus);
        zloop_reader (bus.loop, bus.ingress, s_on_ingress, &bus);
        zloop_timer (bus.loop, 5000, 0, s_on_sweep, &bus);
        as_info ("busd serving: publish %s, subscribe %s, ingress %s", as_endpoint ("bus_pub"),
                 as_endpoint ("bus_sub"), as_endpoint ("bus_ingress"));
        zloop_start (bus.loop);
        as_info ("busd stopping");
        status = 0;
    }
    zloop_destroy (&bus.loop);
    zhashx_destroy (&bus.pending);
    zhashx_destroy (&bus.owners);
    as_acl_destroy (&bus.acl);
    zsock_destroy (&bus.ingress);
    zsock_destroy (&bus.xpub);
    zsock_destroy (&bus.xsub);
    as_curve_stop ();
    return status;
}
