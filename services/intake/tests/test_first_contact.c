/*  intake.first_contact: the first-contact promise counts business hours
    (DOMAIN.md: within 1 hour, business hours; intake answers Mon-Sun
    09:00-18:00 in Asia/Shanghai). A report at 22:00 is due at 10:00 the
    next morning; time left at the closing goes on at the next opening; a
    case's first_contact_due is the rule's; intaked refuses to start with
    hours or a zone that make no sense. A purchase date after today in the
    business zone is refused with nothing written.                        */
#include "as_harness.h"
#include <stdio.h>
#include <string.h>

//  open_hours_due(start, 60 min or `minutes`, Shanghai, 09:00-18:00) is `due`.
static void
s_due (as_harness_t *harness, const char *start, int minutes, const char *due)
{
    char sql [512];
    snprintf (sql, sizeof sql, "SELECT (intake.open_hours_due('%s', %d, 'Asia/Shanghai', '09:00', '18:00')"
              " = '%s')::int", start, minutes, due);
    if (as_harness_scalar (harness, sql) != 1)
        fprintf (stderr, "open_hours_due(%s, %d) is not %s\n", start, minutes, due);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("intake_first_contact");
    as_harness_start (harness, "busd", NULL);
    //  Hours or a zone that make no sense stop intaked before it serves.
    as_harness_expect (harness, "INTAKE_OPENS=18:00 INTAKE_CLOSES=09:00 timeout 30 intaked 2>&1", 1,
                       "INTAKE_OPENS/INTAKE_CLOSES", true);
    as_harness_expect (harness, "INTAKE_OPENS=9 timeout 30 intaked 2>&1", 1, "INTAKE_OPENS/INTAKE_CLOSES", true);
    as_harness_expect (harness, "INTAKE_TIME_ZONE=Mars/Olympus timeout 30 intaked 2>&1", 1,
                       "does not know the zone 'Mars/Olympus'", true);
    //  Open one minute a day, so that whenever this runs the promise is
    //  far from "an hour after the report"; in Pago Pago (UTC-11), a day
    //  or more behind UTC+14 whenever this runs.
    const char *minute_a_day [] = { "INTAKE_OPENS=00:00", "INTAKE_CLOSES=00:01",
                                    "INTAKE_TIME_ZONE=Pacific/Pago_Pago", NULL };
    as_harness_start (harness, "intaked", minute_a_day);

    //  Times are UTC; Shanghai is UTC+8 all year.
    s_due (harness, "2026-11-23T02:00:00Z", 60, "2026-11-23T03:00:00Z");    //  10:00 -> 11:00
    s_due (harness, "2026-11-23T09:00:00Z", 60, "2026-11-23T10:00:00Z");    //  17:00 -> 18:00, the closing
    s_due (harness, "2026-11-23T09:30:00Z", 60, "2026-11-24T01:30:00Z");    //  17:30 -> 09:30 next day
    s_due (harness, "2026-11-23T10:00:00Z", 60, "2026-11-24T02:00:00Z");    //  18:00 sharp -> 10:00 next day
    s_due (harness, "2026-11-23T14:00:00Z", 60, "2026-11-24T02:00:00Z");    //  22:00 -> 10:00 next day
    s_due (harness, "2026-11-22T23:30:00Z", 60, "2026-11-23T02:00:00Z");    //  07:30 -> 10:00 same day
    s_due (harness, "2026-11-23T02:00:00Z", 600, "2026-11-24T03:00:00Z");   //  480 today, 120 tomorrow
    s_due (harness, "2026-11-23T02:00:00Z", 1500, "2026-11-25T09:00:00Z");  //  480, 540, then 480: 17:00
    s_due (harness, "2026-12-31T09:45:00Z", 30, "2027-01-01T01:15:00Z");    //  over the year's end

    //  A report's promise is the rule's, from its own report time, in the
    //  hours intaked was given.
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    int64_t case_id = as_harness_report (intake, "SN-FC-1", NULL);
    AS_CHECK (case_id > 0);
    char sql [512];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.cases WHERE id = %lld AND first_contact_due"
              " = intake.open_hours_due(reported_at, 60, 'Pacific/Pago_Pago', '00:00', '00:01')"
              " AND first_contact_due > reported_at + interval '58 days'", (long long) case_id);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);

    //  A purchase dated today at UTC+14 passes the first check, but it is
    //  after today in the business zone: refused, nothing written (billing
    //  would refuse to judge it).
    char params [1024];
    int64_t ahead_day = as_harness_scalar (harness, "SELECT to_char((now() AT TIME ZONE 'Etc/GMT-14')::date,"
                                                    " 'YYYYMMDD')::bigint");
    snprintf (params, sizeof params,
              "{\"customer\":{\"name\":\"Li Wei\",\"phone\":\"13800138001\",\"address\":\"88 Jianguo Rd\"},"
              "\"product\":{\"category\":\"air_conditioner\",\"model\":\"KFR-35GW\",\"serial\":\"SN-FC-2\","
              "\"purchase_date\":\"%04d-%02d-%02d\"},\"symptom\":\"no cooling\",\"channel\":\"phone\"}",
              (int) (ahead_day / 10000), (int) (ahead_day / 100 % 100), (int) (ahead_day % 100));
    as_rpc_reply_t reply;
    as_harness_call (intake, "case.report", params, NULL, &reply);
    if (reply.ok || !strstr (reply.error.message, "after today in Pacific/Pago_Pago"))
        fprintf (stderr, "a purchase after today in the zone: %s\n", reply.ok ? "accepted" : reply.error.message);
    AS_CHECK (!reply.ok && reply.error.code == AS_INVALID_ARGUMENT
              && strstr (reply.error.message, "after today in Pacific/Pago_Pago"));
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.customers WHERE phone = '13800138001'") == 0);

    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("intake first contact: OK\n");
    return 0;
}
