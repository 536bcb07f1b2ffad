/*  Hostile and wrong input reaching a running daemon: each gets a clear
    error reply and the daemon keeps serving.                              */
#include "as_harness.h"
#include "as_msg.h"
#include "as_rpcmsg.h"
#include <string.h>

//  Send raw bytes; return the decoded reply's error code (AS_OK for ok).
static int
s_raw_code (zsock_t *dealer, const void *bytes, size_t size, char *message, size_t message_size)
{
    AS_CHECK (zsock_send (dealer, "b", bytes, size) == 0);
    zpoller_t *poller = zpoller_new (dealer, NULL);
    AS_CHECK (zpoller_wait (poller, 5000) == dealer);
    zpoller_destroy (&poller);
    zframe_t *frame = zframe_recv (dealer);
    as_rpc_reply_t reply;
    as_error_t err;
    AS_CHECK (as_rpc_reply_decode (zframe_data (frame), zframe_size (frame), &reply, &err) == 0);
    zframe_destroy (&frame);
    int code = reply.ok ? AS_OK : (int) reply.error.code;
    snprintf (message, message_size, "%s", reply.ok ? "" : reply.error.message);
    as_rpc_reply_release (&reply);
    return code;
}

//  case.report with one field of the valid report replaced.
static void
s_expect_refused (as_rpc_client_t *intake, const char *from, const char *to, const char *words)
{
    char params [1024];
    as_harness_report_json (params, sizeof params, "SN-BAD-1");
    char *at = strstr (params, from);
    AS_CHECK (at);
    char edited [2048];
    snprintf (edited, sizeof edited, "%.*s%s%s", (int) (at - params), params, to, at + strlen (from));
    as_rpc_reply_t reply;
    as_harness_call (intake, "case.report", edited, NULL, &reply);
    if (reply.ok || reply.error.code != AS_INVALID_ARGUMENT || !strstr (reply.error.message, words))
        fprintf (stderr, "expected invalid_argument mentioning '%s' for %s, got %s: %s\n", words, to,
                 reply.ok ? "ok" : as_code_name (reply.error.code), reply.ok ? "" : reply.error.message);
    AS_CHECK (!reply.ok && reply.error.code == AS_INVALID_ARGUMENT && strstr (reply.error.message, words));
    printf ("refused as it should: %s\n", reply.error.message);
    as_rpc_reply_release (&reply);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("bad_input");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    zsock_t *raw = zsock_new_dealer (as_endpoint ("intake"));
    char message [256];

    //  Bytes that are not a request at all.
    const uint8_t garbage [] = { 0xc1, 0x00, 0xff };
    AS_CHECK (s_raw_code (raw, garbage, sizeof garbage, message, sizeof message) == AS_INVALID_ARGUMENT);
    const uint8_t huge_array [] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0x01 };      //  array32 of 4 G items
    AS_CHECK (s_raw_code (raw, huge_array, sizeof huge_array, message, sizeof message) == AS_INVALID_ARGUMENT);
    const uint8_t huge_string [] = { 0x81, 0xdb, 0xff, 0xff, 0xff, 0xf0, 'a' };  //  str32 of 4 GB
    AS_CHECK (s_raw_code (raw, huge_string, sizeof huge_string, message, sizeof message) == AS_INVALID_ARGUMENT);
    uint8_t deep [2000];
    memset (deep, 0x91, sizeof deep);                                      //  2000 nested arrays
    AS_CHECK (s_raw_code (raw, deep, sizeof deep, message, sizeof message) == AS_INVALID_ARGUMENT);
    //  A request cut short at every length: never a crash.
    msgpack_sbuffer request;
    msgpack_sbuffer_init (&request);
    as_rpc_request_encode (&request, "cut", "case.get", as_now_ms () + 5000, NULL, NULL, NULL,
                           "\x81\xa7" "case_id" "\x01", 10);
    for (size_t cut = 1; cut < request.size; cut++)
        AS_CHECK (s_raw_code (raw, request.data, cut, message, sizeof message) == AS_INVALID_ARGUMENT);
    AS_CHECK (s_raw_code (raw, request.data, request.size, message, sizeof message) == AS_NOT_FOUND);
    msgpack_sbuffer_destroy (&request);
    //  An expired deadline: refused before any work.
    msgpack_sbuffer_init (&request);
    as_rpc_request_encode (&request, "late", "case.get", as_now_ms () - 1000, NULL, NULL, NULL,
                           "\x81\xa7" "case_id" "\x01", 10);
    AS_CHECK (s_raw_code (raw, request.data, request.size, message, sizeof message) == AS_DEADLINE_EXCEEDED);
    msgpack_sbuffer_destroy (&request);

    //  Wrong fields, wrong types, unknown methods.
    as_rpc_reply_t reply;
    as_harness_call (intake, "case.get", "{\"case_id\":\"seven\"}", NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_INVALID_ARGUMENT && strstr (reply.error.message, "case_id"));
    as_rpc_reply_release (&reply);
    as_harness_call (intake, "case.get", "{\"case_id\":1,\"extra\":true}", NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_INVALID_ARGUMENT && strstr (reply.error.message, "extra"));
    as_rpc_reply_release (&reply);
    as_harness_call (intake, "no.such_method", "{}", NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_UNIMPLEMENTED);
    as_rpc_reply_release (&reply);
    //  A method of another service, with valid params: served elsewhere.
    as_harness_call (intake, "test.emit", "{\"type\":\"x.y\",\"subject\":\"s\",\"data\":{}}", NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_UNIMPLEMENTED && strstr (reply.error.message, "standin"));
    as_rpc_reply_release (&reply);
    as_harness_call (intake, "case.get", "{\"case_id\":424242}", NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_NOT_FOUND);
    as_rpc_reply_release (&reply);

    //  The rules of a report, each with a message that names the problem.
    s_expect_refused (intake, "13800138000", "12345", "phone");
    s_expect_refused (intake, "2026-03-01", "2999-01-01", "future");
    s_expect_refused (intake, "2026-03-01", "2026-02-30", "purchase_date");
    s_expect_refused (intake, "air_conditioner", "spaceship", "category");
    s_expect_refused (intake, "\"Li Wei\"", "\"   \"", "blank");
    s_expect_refused (intake, "\"channel\":\"phone\"", "\"channel\":\"fax\"", "channel");
    s_expect_refused (intake, ",\"symptom\":\"no cooling\"", "", "symptom");
    char long_name [300];
    memset (long_name, 'x', 150);
    snprintf (long_name + 150, sizeof long_name - 150, "\"");
    char quoted [310];
    snprintf (quoted, sizeof quoted, "\"%s", long_name);
    s_expect_refused (intake, "\"Li Wei\"", quoted, "name");

    //  Nothing was stored by any of that, and the daemon still serves.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 0);
    as_harness_report (intake, "SN-GOOD-1", NULL);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 1);

    zsock_destroy (&raw);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("bad_input: OK\n");
    return 0;
}
