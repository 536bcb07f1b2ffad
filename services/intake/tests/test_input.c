/*  intake.input: what an agent types reaches the case whole. Names,
    addresses, symptoms, reasons and actors in Chinese up to the catalogue's
    max_len (which counts characters, 3 bytes each here) are kept, not
    refused as blank; an e-mail address needs name@domain.tld; intakectl
    documents --actor where it takes it.                                  */
#include "as_harness.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  case.report params with the given customer name, e-mail (NULL: none)
//  and symptom (caller frees).
static char *
s_report (const char *serial, const char *name, const char *email, const char *address, const char *symptom)
{
    size_t size = strlen (name) + strlen (address) + strlen (symptom) + 1024;
    char *params = malloc (size);
    assert (params);
    snprintf (params, size,
              "{\"customer\":{\"name\":\"%s\",\"phone\":\"13800138000\",\"address\":\"%s\"%s%s%s},"
              "\"product\":{\"category\":\"air_conditioner\",\"model\":\"KFR-35GW\",\"serial\":\"%s\","
              "\"purchase_date\":\"2026-03-01\"},\"symptom\":\"%s\",\"channel\":\"phone\"}",
              name, address, email ? ",\"email\":\"" : "", email ? email : "", email ? "\"" : "", serial, symptom);
    return params;
}

//  The call must succeed; returns the case id when the reply has one.
static int64_t
s_ok (as_rpc_client_t *intake, const char *method, const char *params)
{
    as_rpc_reply_t reply;
    as_harness_call (intake, method, params, NULL, &reply);
    if (!reply.ok)
        fprintf (stderr, "%s refused: %s: %s\n", method, as_code_name (reply.error.code), reply.error.message);
    AS_CHECK (reply.ok);
    int64_t case_id = 0;
    as_obj_int (reply.result, "case_id", &case_id);
    as_rpc_reply_release (&reply);
    return case_id;
}

static void
s_refused (as_rpc_client_t *intake, const char *method, const char *params, const char *words)
{
    as_rpc_reply_t reply;
    as_harness_call (intake, method, params, NULL, &reply);
    if (reply.ok || reply.error.code != AS_INVALID_ARGUMENT || !strstr (reply.error.message, words))
        fprintf (stderr, "%s: expected invalid_argument with '%s', got %s %s\n", method, words,
                 reply.ok ? "ok" : as_code_name (reply.error.code), reply.ok ? "" : reply.error.message);
    AS_CHECK (!reply.ok && reply.error.code == AS_INVALID_ARGUMENT && strstr (reply.error.message, words));
    as_rpc_reply_release (&reply);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("intake_input");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    char sql [256], command [1024];

    //  Every text at its max_len in Chinese characters is kept whole.
    char *name = as_harness_repeat ("张", 100), *address = as_harness_repeat ("路", 300), *symptom = as_harness_repeat ("坏", 2000);
    char *params = s_report ("SN-IN-1", name, "zhang.wei@example.com.cn", address, symptom);
    int64_t first = s_ok (intake, "case.report", params);
    free (params);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.customers WHERE length(name) = 100"
                                          " AND length(address) = 300 AND name LIKE '张%'") == 1);
    snprintf (sql, sizeof sql, "SELECT length(symptom) FROM intake.cases WHERE id = %lld", (long long) first);
    AS_CHECK (as_harness_scalar (harness, sql) == 2000);

    //  Triage, escalate, cancel and close with notes, reasons and actors at
    //  their limits in Chinese.
    char *note = as_harness_repeat ("查", 2000), *reason = as_harness_repeat ("因", 500), *actor = as_harness_repeat ("客", 100);
    size_t size = strlen (note) + 1024;
    char *move = malloc (size);
    assert (move);
    snprintf (move, size, "{\"case_id\":%lld,\"outcome\":\"fault_confirmed\",\"note\":\"%s\",\"actor\":\"%s\"}",
              (long long) first, note, actor);
    s_ok (intake, "case.triage", move);
    snprintf (move, size, "{\"case_id\":%lld,\"reason\":\"%s\",\"actor\":\"%s\"}", (long long) first, reason, actor);
    s_ok (intake, "case.escalate", move);
    s_ok (intake, "case.close", move);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.case_history WHERE case_id = %lld AND length(actor) = 100",
              (long long) first);
    AS_CHECK (as_harness_scalar (harness, sql) == 4);
    snprintf (sql, sizeof sql, "SELECT length(escalation_reason) + length(close_reason) FROM intake.cases"
              " WHERE id = %lld AND status = 'closed'", (long long) first);
    AS_CHECK (as_harness_scalar (harness, sql) == 1000);
    int64_t second = as_harness_report (intake, "SN-IN-2", NULL);
    snprintf (move, size, "{\"case_id\":%lld,\"reason\":\"%s\",\"actor\":\"%s\"}", (long long) second, reason, actor);
    s_ok (intake, "case.cancel", move);
    snprintf (sql, sizeof sql, "SELECT length(cancel_reason) FROM intake.cases WHERE id = %lld", (long long) second);
    AS_CHECK (as_harness_scalar (harness, sql) == 500);

    //  E-mail: name@domain.tld, or refused.
    const char *bad_emails [] = { "notanemail", "@example.com", "li@", "li@localhost", "li@@example.com",
                                  "li@wei@example.com", "li wei@example.com", "li@example.com.", NULL };
    for (const char **email = bad_emails; *email; email++) {
        params = s_report ("SN-IN-3", "Li Wei", *email, "1 Renmin Rd", "no cooling");
        s_refused (intake, "case.report", params, "customer.email");
        free (params);
    }
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.products WHERE serial = 'SN-IN-3'") == 0);

    //  intakectl: the 34-character name of the audit, an e-mail refused.
    char *short_name = as_harness_repeat ("欧阳", 17);
    snprintf (command, sizeof command, "intakectl report --name '%s' --phone 13700137000 --address '北京市朝阳区建国路88号'"
              " --category fan --model FS-40 --serial SN-IN-4 --symptom '不转' --channel phone 2>&1", short_name);
    as_harness_expect (harness, command, 0, "reported", true);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.customers WHERE name = '%s'", short_name);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
    //  A refusal with invalid_argument exits 1 (refused) or 2 (bad usage), as as_cli decides.
    int status = 0;
    char *output = as_harness_run (harness, "intakectl report --name 'Li Wei' --phone 13700137001"
                                   " --address '1 Renmin Rd' --category fan --model FS-40 --serial SN-IN-5"
                                   " --symptom 'no air' --channel phone --email notanemail 2>&1", &status);
    AS_CHECK ((status == 1 || status == 2) && strstr (output, "customer.email is not an e-mail address"));
    free (output);

    //  --actor is documented wherever it is taken.
    const char *with_actor [] = { "triage", "cancel", "escalate", "close", "case close", NULL };
    for (const char **verb = with_actor; *verb; verb++) {
        snprintf (command, sizeof command, "intakectl %s --help", *verb);
        as_harness_expect (harness, command, 0, "--actor", true);
    }

    free (short_name);
    free (move);
    free (note);
    free (reason);
    free (actor);
    free (name);
    free (address);
    free (symptom);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("intake input: OK\n");
    return 0;
}
