/*  Other company systems publish through busd's ingress: the event goes to
    its owner (intaked), which acknowledges only after the effects commit.
    The same event published twice opens one case and is acknowledged
    twice; no acknowledgement while the owner is down; bad events refused. */
#include "as_harness.h"
#include "as_event.h"
#include "as_msg.h"
#include <signal.h>
#include <string.h>

static const char *s_fault =
    "{\"device_id\":\"AC-0042\",\"serial\":\"SN-DEV-1\",\"model\":\"KFR-35GW\","
    "\"category\":\"air_conditioner\",\"fault_code\":\"E4\",\"description\":\"outdoor fan stalled\","
    "\"owner\":{\"name\":\"Wang Fang\",\"phone\":\"13900139000\",\"address\":\"1 Renmin Rd, Shanghai\"}}";

//  Pack {event: <envelope>} for events.publish.
static void
s_publish_params (const char *type, const char *data_json, const char *event_id, msgpack_sbuffer *params)
{
    msgpack_sbuffer data, envelope;
    msgpack_sbuffer_init (&data);
    msgpack_sbuffer_init (&envelope);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack (data_json, &data, &err) == 0);
    as_event_t *event = as_event_new ("smart-home", type, "device/AC-0042", data.data, data.size, NULL);
    if (event_id)
        snprintf (event->id, sizeof event->id, "%s", event_id);
    as_event_encode (event, &envelope);
    msgpack_packer packer;
    msgpack_packer_init (&packer, params, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    as_pack_kv_bin (&packer, "event", envelope.data, envelope.size);
    as_event_destroy (&event);
    msgpack_sbuffer_destroy (&data);
    msgpack_sbuffer_destroy (&envelope);
}

//  Publish; returns 1 accepted, 0 refused (err_code set), -1 no answer.
static int
s_publish (as_rpc_client_t *bus, const char *type, const char *data_json, const char *event_id,
           bool *duplicate, int *err_code)
{
    msgpack_sbuffer params;
    msgpack_sbuffer_init (&params);
    s_publish_params (type, data_json, event_id, &params);
    as_rpc_reply_t reply;
    as_error_t err;
    int rc = as_rpc_client_call (bus, "events.publish", params.data, params.size, NULL, &reply, &err);
    msgpack_sbuffer_destroy (&params);
    if (rc)
        return -1;
    int outcome = reply.ok ? 1 : 0;
    if (reply.ok)
        AS_CHECK (as_obj_bool (reply.result, "duplicate", duplicate));
    else
        *err_code = reply.error.code;
    as_rpc_reply_release (&reply);
    return outcome;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("ingress");
    as_harness_start (harness, "busd", NULL);
    pid_t intaked = as_harness_start (harness, "intaked", NULL);
    as_rpc_client_t *bus = as_harness_client (harness, "bus");
    as_rpc_client_set_principal (bus, "smart-home-platform");
    const char *event_id = "5b0c1c1e-8a4e-4c56-9d55-0d3f8f1f0a42";

    bool duplicate = true;
    int code = 0;
    AS_CHECK (s_publish (bus, "device.fault_reported", s_fault, event_id, &duplicate, &code) == 1);
    AS_CHECK (!duplicate);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases WHERE channel = 'device'"
                                          " AND external_ref = 'AC-0042' AND fault_code = 'E4'") == 1);
    //  Published again (the platform's retry): acknowledged, not applied.
    AS_CHECK (s_publish (bus, "device.fault_reported", s_fault, event_id, &duplicate, &code) == 1);
    AS_CHECK (duplicate);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.inbox"
                                          " WHERE publisher = 'smart-home-platform'") == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM intake.event_log WHERE type = 'case.reported'", 1, 5000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.case_history"
                                          " WHERE actor = 'device:smart-home-platform'") == 1);

    //  Events that are not for the ingress, or not valid, are refused.
    AS_CHECK (s_publish (bus, "case.cancelled", "{\"case_id\":1,\"reason\":\"x\"}", NULL, &duplicate, &code) == 0);
    AS_CHECK (code == AS_INVALID_ARGUMENT);
    AS_CHECK (s_publish (bus, "device.fault_reported", "{\"device_id\":\"AC-1\"}", NULL, &duplicate, &code) == 0);
    AS_CHECK (code == AS_INVALID_ARGUMENT);
    AS_CHECK (s_publish (bus, "no.such_type", "{}", NULL, &duplicate, &code) == 0);
    AS_CHECK (code == AS_INVALID_ARGUMENT);
    //  A valid event whose data breaks a rule of intake (a bad phone) is refused by the owner.
    char bad_phone [1024];
    snprintf (bad_phone, sizeof bad_phone, "%s", s_fault);
    memcpy (strstr (bad_phone, "13900139000"), "99900139000", 11);
    AS_CHECK (s_publish (bus, "device.fault_reported", bad_phone, NULL, &duplicate, &code) == 0);
    AS_CHECK (code == AS_INVALID_ARGUMENT);

    //  No owner, no acknowledgement: the publisher keeps its event and
    //  retries; once intaked is back the retry is applied.
    as_harness_stop (harness, intaked, SIGTERM);
    as_rpc_client_set_timeout (bus, 500, 0);
    const char *second_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    char second [1024];
    snprintf (second, sizeof second, "%s", s_fault);
    memcpy (strstr (second, "SN-DEV-1"), "SN-DEV-2", 8);
    AS_CHECK (s_publish (bus, "device.fault_reported", second, second_id, &duplicate, &code) == -1);
    as_harness_start (harness, "intaked", NULL);
    as_rpc_client_set_timeout (bus, 3000, 2);
    AS_CHECK (s_publish (bus, "device.fault_reported", second, second_id, &duplicate, &code) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 2);

    //  The operator's tool publishes the same way.
    int status = 0;
    char command [2048];
    snprintf (command, sizeof command, "busctl publish --type device.fault_reported --publisher ops"
              " --id 3c2f6a1e-1111-4222-8333-944455556666 --data '%s'", s_fault);
    char *output = as_harness_run (harness, command, &status);
    AS_CHECK (status == 0 && strstr (output, "\"accepted\""));
    free (output);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.inbox") == 3);

    as_rpc_reply_t reply;
    as_harness_call (bus, "metrics", NULL, NULL, &reply);
    int64_t routed = 0;
    AS_CHECK (reply.ok && as_obj_int (as_obj_get (reply.result, "counters"), "ingress_routed", &routed) && routed >= 4);
    as_rpc_reply_release (&reply);
    as_rpc_client_destroy (&bus);
    as_harness_destroy (&harness);
    printf ("ingress: OK\n");
    return 0;
}
