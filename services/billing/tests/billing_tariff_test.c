/*  Policy and fee files as shipped, their refusals, and money rounding.   */
#include "billing_tariff.h"
#include "as_file.h"
#include "as_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
s_read (const char *name)
{
    char path [512];
    snprintf (path, sizeof path, "%s/services/billing/data/%s", AS_SOURCE_DIR, name);
    char *text = as_file_read (path, 1 << 20, NULL);
    AS_CHECK (text);
    return text;
}

static void
s_check_policy (void)
{
    char *text = s_read ("policy.json");
    billing_policy_t policy, builtin;
    char why [256] = "";
    AS_CHECK (billing_policy_parse (text, &policy, why, sizeof why) == 0);
    free (text);
    billing_policy_defaults (&builtin);
    //  The shipped file says what DOMAIN.md says.
    AS_CHECK (policy.return_days == 7 && policy.exchange_days == 15 && policy.repair_warranty_days == 90);
    for (int index = 0; billing_categories [index]; index++) {
        const billing_term_t *term = billing_policy_term (&policy, billing_categories [index], "any");
        const billing_term_t *expected = billing_policy_term (&builtin, billing_categories [index], NULL);
        AS_CHECK (term && term->months == 12 && term->component_count == expected->component_count);
    }
    AS_CHECK (billing_policy_term (&policy, "refrigerator", NULL)->components [0].months == 36);
    const char *bad [] = {
        "[]", "{\"version\":\"x\"}", "{\"version\":\"x\",\"effective_from\":\"2026-02-30\",\"categories\":{}}",
        "{\"version\":\"x\",\"effective_from\":\"2026-01-01\",\"categories\":{\"fan\":{\"months\":12}}}",
        "{\"version\":\"x\",\"effective_from\":\"2026-01-01\",\"categories\":{\"toaster\":{\"months\":12}}}",
        "{\"version\":\"x\",\"effective_from\":\"2026-01-01\",\"return_days\":1.5,\"categories\":{}}",
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        why [0] = 0;
        AS_CHECK (billing_policy_parse (bad [index], &policy, why, sizeof why) == -1 && why [0]);
    }
}

static void
s_check_fees (void)
{
    char *json = s_read ("fees.json");
    char *csv = s_read ("fees.csv");
    billing_fees_t *from_json = calloc (1, sizeof *from_json), *from_csv = calloc (1, sizeof *from_csv);
    char why [256] = "";
    AS_CHECK (billing_fees_parse (json, "json", from_json, why, sizeof why) == 0);
    AS_CHECK (billing_fees_parse (csv, "csv", from_csv, why, sizeof why) == 0);
    //  The two published forms are the same schedule.
    AS_CHECK (memcmp (from_json, from_csv, sizeof *from_json) == 0);
    AS_CHECK (from_json->visit_fee_fen == 5000 && billing_fees_item (from_json, "R-FAN")->fen == 8000);
    AS_CHECK (billing_fees_part (from_json, "FM-35")->fen == 12000 && !billing_fees_part (from_json, "R-FAN"));
    const char *bad_csv [] = {
        "version,v,,\neffective_from,2026-01-01,,\nlabour,R-1,x,12.50\n",
        "version,v,,\neffective_from,2026-01-01,,\nlabour,R-1,x,100\nlabour,R-1,y,200\n",
        "version,v,,\nlabour,R-1,x,100\n",
        "version,v,,\neffective_from,2026-01-01,,\nrefund,R-1,x,100\n",
    };
    for (size_t index = 0; index < sizeof bad_csv / sizeof bad_csv [0]; index++)
        AS_CHECK (billing_fees_parse (bad_csv [index], "csv", from_csv, why, sizeof why) == -1);
    AS_CHECK (billing_fees_parse ("version,v,,\neffective_from,2026-01-01,,\nlabour,R-1,\"wash, rinse\",100\n",
                                  "csv", from_csv, why, sizeof why) == 0);
    AS_CHECK (strcmp (from_csv->items [0].description, "wash, rinse") == 0);
    AS_CHECK (billing_fees_parse ("{\"version\":\"v\",\"effective_from\":\"2026-01-01\",\"visit_fee_fen\":-1}",
                                  "json", from_json, why, sizeof why) == -1);
    AS_CHECK (billing_fees_parse (json, "xml", from_json, why, sizeof why) == -1);
    free (from_json);
    free (from_csv);
    free (json);
    free (csv);
}

//  Text limits count characters, as the catalogue and PostgreSQL do: a
//  Chinese description of 200 characters (600 bytes) is whole, 201 is
//  refused; a component named in Chinese is kept; a CSV version longer
//  than 64 characters is refused, not cut.
static void
s_check_chinese (void)
{
    enum { CHINESE = 3 };               //  bytes of one character in UTF-8
    char description [201 * CHINESE + 1] = "", json [2048];
    for (int index = 0; index < 200; index++)
        strcat (description, "\xe6\xb8\x85");          //  清
    billing_fees_t *fees = calloc (1, sizeof *fees);
    char why [256] = "";
    snprintf (json, sizeof json, "{\"version\":\"v\",\"effective_from\":\"2026-01-01\",\"visit_fee_fen\":5000,"
              "\"items\":[{\"code\":\"R-1\",\"description\":\"%s\",\"labour_fen\":100}]}", description);
    if (billing_fees_parse (json, "json", fees, why, sizeof why))
        fprintf (stderr, "200 Chinese characters refused: %s\n", why);
    AS_CHECK (billing_fees_parse (json, "json", fees, why, sizeof why) == 0);
    AS_CHECK (strcmp (billing_fees_item (fees, "R-1")->description, description) == 0);
    strcat (description, "\xe6\xb8\x85");
    snprintf (json, sizeof json, "{\"version\":\"v\",\"effective_from\":\"2026-01-01\",\"visit_fee_fen\":5000,"
              "\"items\":[{\"code\":\"R-1\",\"description\":\"%s\",\"labour_fen\":100}]}", description);
    AS_CHECK (billing_fees_parse (json, "json", fees, why, sizeof why) == -1 && strstr (why, "200 characters"));
    char csv [512] = "version,";
    for (int index = 0; index < 65; index++)
        strcat (csv, "v");
    strcat (csv, ",,\neffective_from,2026-01-01,,\nlabour,R-1,x,100\n");
    AS_CHECK (billing_fees_parse (csv, "csv", fees, why, sizeof why) == -1 && strstr (why, "64 characters"));
    free (fees);

    //  "压缩机组件" and so on: 30 characters, 90 bytes.
    char component [30 * CHINESE + 1] = "", policy_json [4096];
    for (int index = 0; index < 30; index++)
        strcat (component, "\xe5\x8e\x8b");          //  压
    int used = snprintf (policy_json, sizeof policy_json,
                         "{\"version\":\"\xe4\xba\x8c\xe3\x80\x87\xe4\xba\x8c\xe5\x85\xad\","
                         "\"effective_from\":\"2026-01-01\",\"categories\":{");
    for (int index = 0; billing_categories [index]; index++)
        used += snprintf (policy_json + used, sizeof policy_json - (size_t) used, "%s\"%s\":{\"months\":12%s%s%s}",
                          index ? "," : "", billing_categories [index], index ? "" : ",\"components\":{\"",
                          index ? "" : component, index ? "" : "\":36}");
    snprintf (policy_json + used, sizeof policy_json - (size_t) used, "}}");
    billing_policy_t *policy = calloc (1, sizeof *policy);
    AS_CHECK (billing_policy_parse (policy_json, policy, why, sizeof why) == 0);
    const billing_term_t *term = billing_policy_term (policy, billing_categories [0], NULL);
    AS_CHECK (term && term->component_count == 1 && strcmp (term->components [0].component, component) == 0);
    free (policy);
}

static void
s_check_money (void)
{
    //  13% of 1 fen is 0.13: 0; of 4 fen 0.52: 1 (half up); of 50 fen 6.5: 7.
    AS_CHECK (billing_money_share (1, 1300) == 0);
    AS_CHECK (billing_money_share (4, 1300) == 1);
    AS_CHECK (billing_money_share (50, 1300) == 7);
    AS_CHECK (billing_money_share (38461, 1300) == 5000);       //  4999.93
    AS_CHECK (billing_money_share (0, 1300) == 0);
    //  Negative amounts (refunds, corrections) round half away from zero,
    //  the mirror of the positive rows: never toward plus infinity.
    static const struct { int64_t amount, bp, share; } rows [] = {
        { 50, 1300, 7 }, { -50, 1300, -7 },         //  +-6.5 -> +-7
        { 4, 1300, 1 }, { -4, 1300, -1 },           //  +-0.52 -> +-1
        { 1, 1300, 0 }, { -1, 1300, 0 },            //  +-0.13 -> 0
        { 3, 1300, 0 }, { -3, 1300, 0 },            //  +-0.39 -> 0
        { 1, 5000, 1 }, { -1, 5000, -1 },           //  +-0.5 exactly -> +-1
        { 1, 4999, 0 }, { -1, 4999, 0 },            //  +-0.4999 -> 0
        { -38461, 1300, -5000 },                    //  -4999.93
        { -50, -1300, 7 }, { 50, -1300, -7 },       //  the sign of the product decides
        { -1234567, 10000, -1234567 },
    };
    for (size_t index = 0; index < sizeof rows / sizeof rows [0]; index++) {
        int64_t share = billing_money_share (rows [index].amount, rows [index].bp);
        if (share != rows [index].share)
            fprintf (stderr, "share of %lld at %lld bp: %lld, expected %lld\n", (long long) rows [index].amount,
                     (long long) rows [index].bp, (long long) share, (long long) rows [index].share);
        AS_CHECK (share == rows [index].share);
    }
    char text [32];
    billing_money_format (123405, text, sizeof text);
    AS_CHECK (strcmp (text, "1234.05") == 0);
    billing_money_format (-7, text, sizeof text);
    AS_CHECK (strcmp (text, "-0.07") == 0);
}

int
main (void)
{
    s_check_policy ();
    s_check_fees ();
    s_check_chinese ();
    s_check_money ();
    printf ("billing tariff: OK\n");
    return 0;
}
