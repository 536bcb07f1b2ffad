/*  flow_desk: the parts desk and the supplier. Pending shipments leave;
    purchase requests (back-orders, reorders) are delivered through the
    ingress as supplier.shipment_received and pass incoming inspection.   */
#include "flow_world.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DELIVERED_MAX 4096
static int64_t s_delivered [S_DELIVERED_MAX];      //  only worker 0 runs the desk
static int s_delivered_count;
static int64_t s_central;

static bool
s_known (int64_t request_id)
{
    for (int index = 0; index < s_delivered_count; index++)
        if (s_delivered [index] == request_id)
            return true;
    return false;
}

static void
s_ship_pending (flow_worker_t *w)
{
    as_rpc_reply_t reply;
    if (flow_call (w, w->inventory, "shipment.list", NULL, &reply, "{\"status\":\"pending\",\"limit\":1000}"))
        return;
    const msgpack_object *list = reply.ok ? as_obj_get (reply.result, "shipments") : NULL;
    for (uint32_t index = 0; list && list->type == MSGPACK_OBJECT_ARRAY && index < list->via.array.size; index++) {
        int64_t id = flow_int (&list->via.array.ptr [index], NULL, "shipment_id");
        char key [96];
        snprintf (key, sizeof key, "%s-ship-%lld", w->config->tag, (long long) id);
        as_rpc_reply_t shipped;
        if (id && flow_call (w, w->inventory, "shipment.ship", key, &shipped, "{\"shipment_id\":%lld}", (long long) id) == 0) {
            if (shipped.ok)
                w->result->shipped++;
            as_rpc_reply_release (&shipped);
        }
    }
    as_rpc_reply_release (&reply);
}

static int64_t
s_central_id (flow_worker_t *w)
{
    if (s_central)
        return s_central;
    as_rpc_reply_t reply;
    if (flow_call (w, w->inventory, "location.list", NULL, &reply, "{}"))
        return 0;
    const msgpack_object *list = reply.ok ? as_obj_get (reply.result, "locations") : NULL;
    for (uint32_t index = 0; list && list->type == MSGPACK_OBJECT_ARRAY && index < list->via.array.size; index++) {
        char kind [16];
        flow_str (&list->via.array.ptr [index], NULL, "kind", kind, sizeof kind);
        if (!strcmp (kind, "central"))
            s_central = flow_int (&list->via.array.ptr [index], NULL, "location_id");
    }
    as_rpc_reply_release (&reply);
    return s_central;
}

static void
s_deliver (flow_worker_t *w, const msgpack_object *request)
{
    int64_t id = flow_int (request, NULL, "request_id");
    int64_t location = flow_int (request, NULL, "location_id");
    int64_t quantity = flow_int (request, NULL, "quantity");
    char part [40], supplier [104], data [1024], event_id [37], key [96];
    flow_str (request, NULL, "part_no", part, sizeof part);
    flow_str (request, NULL, "supplier", supplier, sizeof supplier);
    if (!location)
        location = s_central_id (w);
    if (!id || !location || quantity <= 0 || s_known (id) || s_delivered_count == S_DELIVERED_MAX)
        return;
    snprintf (data, sizeof data, "{\"supplier\":\"%s\",\"delivery_ref\":\"DN-%s-%lld\",\"location_id\":%lld,"
              "\"lines\":[{\"part_no\":\"%s\",\"quantity\":%lld}]}", *supplier ? supplier : "supplier",
              w->config->tag, (long long) id, (long long) location, part, (long long) quantity);
    flow_uuid (w->config->tag, 9, id, event_id);
    if (flow_publish (w, "supplier.shipment_received", "delivery", event_id, data))
        return;
    snprintf (key, sizeof key, "%s-inspect-%lld", w->config->tag, (long long) id);
    as_rpc_reply_t reply;
    if (flow_call (w, w->inventory, "inspection.record", key, &reply,
                   "{\"part_no\":\"%s\",\"location_id\":%lld,\"quantity\":%lld,\"result\":\"pass\"}",
                   part, (long long) location, (long long) quantity))
        return;
    if (reply.ok) {
        s_delivered [s_delivered_count++] = id;
        w->result->backorders_delivered++;
    }
    else
        fprintf (stderr, "flow: inspection of delivery %lld refused: %s\n", (long long) id, reply.error.message);
    as_rpc_reply_release (&reply);
}

void
flow_parts_desk (flow_worker_t *w)
{
    s_ship_pending (w);
    as_rpc_reply_t reply;
    if (flow_call (w, w->inventory, "purchase.list", NULL, &reply, "{\"status\":\"open\"}"))
        return;
    const msgpack_object *list = reply.ok ? as_obj_get (reply.result, "requests") : NULL;
    for (uint32_t index = 0; list && list->type == MSGPACK_OBJECT_ARRAY && index < list->via.array.size; index++)
        s_deliver (w, &list->via.array.ptr [index]);
    as_rpc_reply_release (&reply);
}
