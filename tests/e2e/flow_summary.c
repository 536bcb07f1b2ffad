/*  flow_summary: what the day looked like, from the driver and from each
    service's own answers (RPC only).                                     */
#include "flow_world.h"
#include "as_config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static as_rpc_client_t *
s_client (const char *service)
{
    as_rpc_client_t *client = as_rpc_client_new (as_endpoint (service));
    as_rpc_client_set_timeout (client, 10000, 1);
    return client;
}

static bool
s_call (as_rpc_client_t *client, const char *method, const char *params, as_rpc_reply_t *reply)
{
    as_error_t err;
    if (as_rpc_client_call_json (client, method, params, NULL, reply, &err))
        return false;
    if (reply->ok)
        return true;
    as_rpc_reply_release (reply);
    return false;
}

static void
s_intake_states (void)
{
    static const char *states [] = { "reported", "triaged", "awaiting_visit", "resolved_remotely", "cancelled",
                                     "escalated", "closed", NULL };
    as_rpc_client_t *intake = s_client ("intake");
    printf ("intake cases by status:");
    for (const char **state = states; *state; state++) {
        int64_t count = 0, after = 0;
        while (true) {
            char params [128];
            if (after)
                snprintf (params, sizeof params, "{\"status\":\"%s\",\"limit\":500,\"after_id\":%lld}", *state,
                          (long long) after);
            else
                snprintf (params, sizeof params, "{\"status\":\"%s\",\"limit\":500}", *state);
            as_rpc_reply_t reply;
            if (!s_call (intake, "case.list", params, &reply))
                break;
            const msgpack_object *cases = as_obj_get (reply.result, "cases");
            count += cases && cases->type == MSGPACK_OBJECT_ARRAY ? cases->via.array.size : 0;
            after = flow_int (reply.result, NULL, "next_after_id");
            as_rpc_reply_release (&reply);
            if (!after)
                break;
        }
        if (count)
            printf (" %s %lld", *state, (long long) count);
    }
    printf ("\n");
    as_rpc_client_destroy (&intake);
}

static void
s_invoices (void)
{
    as_rpc_client_t *billing = s_client ("billing");
    int64_t count = 0, total = 0, after = 0;
    while (true) {
        char params [96];
        if (after)
            snprintf (params, sizeof params, "{\"limit\":500,\"after_id\":%lld}", (long long) after);
        else
            snprintf (params, sizeof params, "{\"limit\":500}");
        as_rpc_reply_t reply;
        if (!s_call (billing, "invoice.list", params, &reply))
            break;
        const msgpack_object *list = as_obj_get (reply.result, "invoices");
        for (uint32_t index = 0; list && list->type == MSGPACK_OBJECT_ARRAY && index < list->via.array.size; index++) {
            count++;
            total += flow_int (&list->via.array.ptr [index], NULL, "total_fen");
        }
        after = flow_int (reply.result, NULL, "next_after_id");
        as_rpc_reply_release (&reply);
        if (!after)
            break;
    }
    printf ("invoices: %lld, total %lld.%02lld yuan (tax included)\n", (long long) count, (long long) (total / 100),
            (long long) (total % 100));
    as_rpc_client_destroy (&billing);
}

static void
s_inventory (void)
{
    as_rpc_client_t *inventory = s_client ("inventory");
    as_rpc_reply_t reply;
    if (s_call (inventory, "ledger.verify", "{}", &reply)) {
        bool ok = false;
        as_obj_bool (reply.result, "ok", &ok);
        printf ("inventory ledger: %s (%lld movements)\n", ok ? "verifies" : "DIFFERS",
                (long long) flow_int (reply.result, NULL, "movements"));
        as_rpc_reply_release (&reply);
    }
    if (s_call (inventory, "shipment.list", "{\"status\":\"shipped\",\"limit\":1000}", &reply)) {
        const msgpack_object *list = as_obj_get (reply.result, "shipments");
        int64_t shipped = 0, late = 0;
        for (uint32_t index = 0; list && list->type == MSGPACK_OBJECT_ARRAY && index < list->via.array.size; index++) {
            bool was_late = false;
            as_obj_bool (&list->via.array.ptr [index], "late", &was_late);
            shipped++;
            late += was_late;
        }
        printf ("parts shipped in time: %lld of %lld shipments (latest 1000)\n", (long long) (shipped - late),
                (long long) shipped);
        as_rpc_reply_release (&reply);
    }
    as_rpc_client_destroy (&inventory);
}

static void
s_kpis (void)
{
    static const char *fields [] = { "cases_completed", "surveys_answered", "overall", "nps", "first_time_fix_pct",
        "first_contact_on_time_pct", "on_time_arrival_pct", "parts_24h_pct", "survey_sent_on_time_pct",
        "complaints", "free", "contract", "paid", "other", "avg_invoice_fen", "warranty_response_pct",
        "progress_notice_pct", "onsite_repair_pct", "workshop_repair_pct", "promises_kept_pct", "promises_breached",
        NULL };
    char period [8], params [64];
    time_t t = time (NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (period, sizeof period, "%Y-%m", &tm);
    snprintf (params, sizeof params, "{\"period\":\"%s\",\"by\":\"all\"}", period);
    as_rpc_client_t *survey = s_client ("survey");
    as_rpc_reply_t reply;
    if (s_call (survey, "kpi.query", params, &reply)) {
        const msgpack_object *groups = as_obj_get (reply.result, "groups");
        if (groups && groups->type == MSGPACK_OBJECT_ARRAY && groups->via.array.size) {
            printf ("KPIs %s (surveyd):\n", period);
            for (const char **field = fields; *field; field++) {
                const msgpack_object *value = as_obj_get (&groups->via.array.ptr [0], *field);
                if (!value || value->type == MSGPACK_OBJECT_NIL)
                    printf ("  %-28s -\n", *field);
                else
                if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
                    printf ("  %-28s %.1f\n", *field, value->via.f64);
                else
                    printf ("  %-28s %lld\n", *field, (long long) value->via.i64);
            }
        }
        as_rpc_reply_release (&reply);
    }
    else
        printf ("KPIs: surveyd did not answer kpi.query\n");
    as_rpc_client_destroy (&survey);
}

void
flow_summary_print (const flow_config_t *config, const flow_result_t *r)
{
    printf ("\n== the day (%d cases, seed %u, run %s): %.1f s ==\n", config->cases, config->seed, config->tag, r->seconds);
    printf ("reports: %lld (phone %lld, web %lld, app %lld, station %lld, device ingress %lld); sales %lld, contracts %lld\n",
            (long long) r->reported, (long long) r->by_channel [0], (long long) r->by_channel [1],
            (long long) r->by_channel [2], (long long) r->by_channel [3], (long long) r->by_channel [4],
            (long long) r->sales, (long long) r->contracts);
    printf ("cases by final state (driver):");
    for (int index = 0; index < FLOW_OUTCOMES; index++)
        if (r->outcomes [index])
            printf (" %s %lld", flow_outcome_names [index], (long long) r->outcomes [index]);
    printf ("\nparts: %lld follow-up visits, %lld repairs from the van, %lld shipments sent, %lld supplier deliveries\n",
            (long long) r->follow_ups, (long long) r->parts_on_hand, (long long) r->shipped,
            (long long) r->backorders_delivered);
    printf ("quotes: %lld chargeable diagnoses, %lld accepted, %lld declined\n", (long long) r->paid_or_contract,
            (long long) r->quotes_accepted, (long long) r->quotes_declined);
    printf ("surveys answered %lld (not found %lld), complaints %lld\n", (long long) r->surveys_answered,
            (long long) r->surveys_missing, (long long) r->complaints);
    printf ("calls %lld, retried %lld, waits %lld\n", (long long) r->calls, (long long) r->retries, (long long) r->waits);
    for (int index = 0; index < 16 && r->stuck_case_ids [index]; index++)
        printf ("stuck: case %lld in %s\n", (long long) r->stuck_case_ids [index], r->stuck_states [index]);
    if (config->bench)
        return;
    s_intake_states ();
    s_invoices ();
    s_inventory ();
    s_kpis ();
}
