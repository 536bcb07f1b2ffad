/*  surveyctl: the quality supervisor's command line: surveys, complaints,
    KPIs, the monthly report (table, CSV, JSON, SVG chart) and customers at
    risk. Commands are as_cli's table; `report` is its own because it
    writes files and chooses its format.                                   */
#include "as_catalog.h"
#include "as_cli.h"
#include "as_config.h"
#include "as_msg.h"
#include "as_rpc.h"
#include "survey_svg.h"
#include <cjson/cJSON.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_END { NULL, NULL, AS_CLI_STR, false }

//  A month's report takes longer than a look-up: 10 s, then once 20 s
//  (the report's help says so).
#define S_REPORT_TIMEOUT_MS 10000
#define S_REPORT_RETRIES    1

static const as_cli_option_t s_survey_list_options [] = {
    { "--state", "state", AS_CLI_STR, false }, { "--case", "case_id", AS_CLI_NUMBER, false },
    { "--limit", "limit", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_answer_options [] = {
    { "--token", "token", AS_CLI_STR, true }, { "--attitude", "attitude", AS_CLI_NUMBER, true },
    { "--technical", "technical", AS_CLI_NUMBER, true }, { "--punctuality", "punctuality", AS_CLI_NUMBER, true },
    { "--transparency", "transparency", AS_CLI_NUMBER, true },
    { "--cost-fairness", "cost_fairness", AS_CLI_NUMBER, true }, { "--overall", "overall", AS_CLI_NUMBER, true },
    { "--nps", "nps", AS_CLI_NUMBER, true }, { "--suggestion", "suggestion", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_open_options [] = {
    { "--case", "case_id", AS_CLI_NUMBER, true }, { "--category", "category", AS_CLI_STR, true },
    { "--severity", "severity", AS_CLI_STR, true }, { "--description", "description", AS_CLI_STR, true },
    { "--received-at", "received_at", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_reply_options [] = { { "--reply", "reply", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_escalate_options [] = {
    { "--to", "to", AS_CLI_STR, true }, { "--reason", "reason", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_resolve_options [] = { { "--resolution", "resolution", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_complaint_list_options [] = {
    { "--state", "state", AS_CLI_STR, false }, { "--overdue", "overdue", AS_CLI_BOOL, false },
    { "--limit", "limit", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_kpi_options [] = {
    { "--period", "period", AS_CLI_STR, true }, { "--by", "by", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_followup_cancel_options [] = { { "--reason", "reason", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_followup_reschedule_options [] = {
    { "--due-at", "due_at", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_followup_list_options [] = {
    { "--state", "state", AS_CLI_STR, false }, { "--case", "case_id", AS_CLI_NUMBER, false },
    { "--customer", "customer_id", AS_CLI_NUMBER, false }, { "--limit", "limit", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_promise_options [] = {
    { "--case", "case_id", AS_CLI_NUMBER, false }, { "--state", "state", AS_CLI_STR, false },
    { "--promise", "promise", AS_CLI_STR, false }, { "--limit", "limit", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_limit_options [] = { { "--limit", "limit", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_no_options [] = { S_END };

//  A value as text: "-" when absent or nil, floats with `decimals`.
static const char *
s_value (const msgpack_object *map, const char *key, int decimals, char *buffer, size_t size)
{
    const msgpack_object *value = as_obj_get (map, key);
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        return "-";
    if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
        snprintf (buffer, size, "%.*f", decimals, value->via.f64);
    else
        as_cli_text (map, key, buffer, size);
    return buffer;
}

//  The longest text the catalogue allows here (2000 characters of up to 4
//  bytes in UTF-8) is shown whole.
#define S_TEXT_MAX (4 * 2000 + 1)

static void
s_print_fields (const msgpack_object *item, const char *const *fields)
{
    char value [S_TEXT_MAX];
    for (const char *const *field = fields; *field; field++)
        if (as_obj_get (item, *field))
            printf ("%-16s %s\n", *field, s_value (item, *field, 2, value, sizeof value));
}

static void
s_print_survey (const msgpack_object *result)
{
    static const char *fields [] = { "survey_id", "visit_id", "case_id", "state", "channel", "engineer_id",
        "station_id", "due_at", "expires_at", "sent_at", "answered_at", "token", "nps", "suggestion", NULL };
    const msgpack_object *survey = as_obj_get (result, "survey");
    s_print_fields (survey, fields);
    static const char *scores [] = { "attitude", "technical", "punctuality", "transparency", "cost_fairness",
                                     "overall", NULL };
    const msgpack_object *values = as_obj_get (survey, "scores");
    if (values && values->type == MSGPACK_OBJECT_MAP)
        s_print_fields (values, scores);
}

static void
s_print_surveys (const msgpack_object *result)
{
    const msgpack_object *surveys = as_obj_get (result, "surveys");
    printf ("%-8s %-8s %-8s %-10s %-10s %-25s %-25s %s\n", "SURVEY", "VISIT", "CASE", "STATE", "CHANNEL", "DUE",
            "ANSWERED", "OVERALL");
    for (uint32_t index = 0; surveys && index < surveys->via.array.size; index++) {
        const msgpack_object *item = &surveys->via.array.ptr [index];
        char a [24], b [24], c [24], d [16], e [16], f [40], g [40], h [8];
        printf ("%-8s %-8s %-8s %-10s %-10s %-25s %-25s %s\n", s_value (item, "survey_id", 0, a, sizeof a),
                s_value (item, "visit_id", 0, b, sizeof b), s_value (item, "case_id", 0, c, sizeof c),
                s_value (item, "state", 0, d, sizeof d), s_value (item, "channel", 0, e, sizeof e),
                s_value (item, "due_at", 0, f, sizeof f), s_value (item, "answered_at", 0, g, sizeof g),
                s_value (as_obj_get (item, "scores"), "overall", 0, h, sizeof h));
    }
}

static void
s_print_complaint (const msgpack_object *result)
{
    static const char *fields [] = { "complaint_id", "case_id", "customer_id", "category", "severity", "state",
        "description", "opened_at", "reply_due", "replied_at", "reply", "reply_overdue", "resolve_due",
        "escalated_at", "escalated_to", "resolved_at", "resolution", "resolve_overdue", "closed_at", NULL };
    s_print_fields (as_obj_get (result, "complaint"), fields);
}

static void
s_print_complaints (const msgpack_object *result)
{
    const msgpack_object *list = as_obj_get (result, "complaints");
    printf ("%-9s %-8s %-10s %-9s %-10s %-25s %-25s %s\n", "COMPLAINT", "CASE", "CATEGORY", "SEVERITY", "STATE",
            "REPLY DUE", "RESOLVE DUE", "OVERDUE");
    for (uint32_t index = 0; list && index < list->via.array.size; index++) {
        const msgpack_object *item = &list->via.array.ptr [index];
        char a [24], b [24], c [16], d [16], e [16], f [40], g [40];
        bool reply_late = false, resolve_late = false;
        as_obj_bool (item, "reply_overdue", &reply_late);
        as_obj_bool (item, "resolve_overdue", &resolve_late);
        printf ("%-9s %-8s %-10s %-9s %-10s %-25s %-25s %s\n", s_value (item, "complaint_id", 0, a, sizeof a),
                s_value (item, "case_id", 0, b, sizeof b), s_value (item, "category", 0, c, sizeof c),
                s_value (item, "severity", 0, d, sizeof d), s_value (item, "state", 0, e, sizeof e),
                s_value (item, "reply_due", 0, f, sizeof f), s_value (item, "resolve_due", 0, g, sizeof g),
                reply_late ? "reply" : resolve_late ? "solution" : "-");
    }
}

static void
s_print_at_risk (const msgpack_object *result)
{
    const msgpack_object *list = as_obj_get (result, "customers");
    printf ("%-10s %-18s %-25s %s\n", "CUSTOMER", "REASON", "SINCE", "DETAIL");
    for (uint32_t index = 0; list && index < list->via.array.size; index++) {
        const msgpack_object *item = &list->via.array.ptr [index];
        char a [24], b [32], c [40], d [600];
        printf ("%-10s %-18s %-25s %s\n", s_value (item, "customer_id", 0, a, sizeof a),
                s_value (item, "reason", 0, b, sizeof b), s_value (item, "since", 0, c, sizeof c),
                s_value (item, "detail", 0, d, sizeof d));
    }
}

//  A list of check-ins, or the one a change answered with.
static void
s_print_followups (const msgpack_object *result)
{
    const msgpack_object *list = as_obj_get (result, "followups"), *one = as_obj_get (result, "followup");
    uint32_t count = one ? 1 : list ? list->via.array.size : 0;
    printf ("%-9s %-13s %-8s %-9s %-8s %-25s %-10s %-6s %s\n", "FOLLOWUP", "KIND", "CASE", "CUSTOMER", "VISIT",
            "DUE", "STATE", "VIA", "NOTE");
    for (uint32_t index = 0; index < count; index++) {
        const msgpack_object *item = one ? one : &list->via.array.ptr [index];
        char a [24], b [16], c [24], d [24], e [24], f [40], g [16], h [8], i [300];
        const char *note = as_obj_get (item, "anniversary") && as_obj_get (item, "anniversary")->type != MSGPACK_OBJECT_NIL
                         ? "anniversary" : "cancel_reason";
        printf ("%-9s %-13s %-8s %-9s %-8s %-25s %-10s %-6s %s\n", s_value (item, "followup_id", 0, a, sizeof a),
                s_value (item, "kind", 0, b, sizeof b), s_value (item, "case_id", 0, c, sizeof c),
                s_value (item, "customer_id", 0, d, sizeof d), s_value (item, "visit_id", 0, e, sizeof e),
                s_value (item, "due_at", 0, f, sizeof f), s_value (item, "state", 0, g, sizeof g),
                s_value (item, "channel", 0, h, sizeof h), s_value (item, note, 0, i, sizeof i));
    }
}

static void
s_print_promises (const msgpack_object *result)
{
    const msgpack_object *list = as_obj_get (result, "promises");
    printf ("%-8s %-8s %-18s %-25s %-25s %-25s %s\n", "CASE", "VISIT", "PROMISE", "FROM", "DUE", "MET", "STATE");
    for (uint32_t index = 0; list && index < list->via.array.size; index++) {
        const msgpack_object *item = &list->via.array.ptr [index];
        char a [24], b [24], c [24], d [40], e [40], f [40], g [16];
        printf ("%-8s %-8s %-18s %-25s %-25s %-25s %s\n", s_value (item, "case_id", 0, a, sizeof a),
                s_value (item, "visit_id", 0, b, sizeof b), s_value (item, "promise", 0, c, sizeof c),
                s_value (item, "anchor_at", 0, d, sizeof d), s_value (item, "due_at", 0, e, sizeof e),
                s_value (item, "met_at", 0, f, sizeof f), s_value (item, "state", 0, g, sizeof g));
    }
}

//  --- KPI tables -------------------------------------------------------------------

static const struct {
    const char *key, *heading;
    int decimals;
} s_columns [] = {
    { "visits_completed", "VISITS", 0 }, { "cases_completed", "CASES", 0 }, { "surveys_answered", "ANSW", 0 },
    { "overall", "OVERALL", 2 }, { "attitude", "ATTIT", 2 }, { "technical", "TECH", 2 },
    { "punctuality", "PUNCT", 2 }, { "transparency", "TRANSP", 2 }, { "cost_fairness", "COST", 2 },
    { "nps", "NPS", 1 }, { "first_time_fix_pct", "FTF%", 1 }, { "repeat_repair_pct", "REPEAT%", 1 },
    { "first_contact_median_min", "CONTACT50", 1 }, { "first_contact_p90_min", "CONTACT90", 1 },
    { "report_to_visit_median_min", "VISIT50", 1 }, { "report_to_visit_p90_min", "VISIT90", 1 },
    { "first_contact_on_time_pct", "CONTACT%", 1 }, { "on_time_arrival_pct", "ONTIME%", 1 },
    { "parts_24h_pct", "PARTS24%", 1 }, { "survey_sent_on_time_pct", "SENT%", 1 },
    { "complaints", "COMPL", 0 }, { "complaint_rate_pct", "COMPL%", 1 },
    { "complaint_reply_on_time_pct", "REPLY%", 1 }, { "free", "FREE", 0 }, { "contract", "CONTR", 0 },
    { "paid", "PAID", 0 }, { "avg_invoice_fen", "AVG_FEN", 0 },
    { "warranty_response_pct", "RESP24%", 1 }, { "progress_notice_pct", "NOTICE%", 1 },
    { "onsite_repair_pct", "ONSITE1H%", 1 }, { "workshop_repair_pct", "WORKSHOP%", 1 },
    { "promises_kept_pct", "KEPT%", 1 }, { "promises_breached", "BREACHED", 0 },
};
#define S_COLUMNS (int) (sizeof s_columns / sizeof s_columns [0])

static void
s_print_kpi (const msgpack_object *result)
{
    const msgpack_object *groups = as_obj_get (result, "groups");
    char period [16], by [16], zone [64];
    printf ("KPIs of %s by %s (%s)\n", as_cli_text (result, "period", period, sizeof period),
            as_cli_text (result, "by", by, sizeof by), as_cli_text (result, "zone", zone, sizeof zone));
    printf ("%-16s", "GROUP");
    for (int column = 0; column < S_COLUMNS; column++)
        printf (" %9s", s_columns [column].heading);
    printf ("\n");
    for (uint32_t index = 0; groups && index < groups->via.array.size; index++) {
        const msgpack_object *row = &groups->via.array.ptr [index];
        char name [64], value [32];
        printf ("%-16s", as_cli_text (row, "group", name, sizeof name));
        for (int column = 0; column < S_COLUMNS; column++)
            printf (" %9s", s_value (row, s_columns [column].key, s_columns [column].decimals, value, sizeof value));
        printf ("\n");
    }
}

static void
s_print_csv (const msgpack_object *result)
{
    const msgpack_object *groups = as_obj_get (result, "groups");
    printf ("period,by,group");
    for (int column = 0; column < S_COLUMNS; column++)
        printf (",%s", s_columns [column].key);
    printf ("\n");
    for (uint32_t index = 0; groups && index < groups->via.array.size; index++) {
        const msgpack_object *row = &groups->via.array.ptr [index];
        char period [16], by [16], name [128], value [32];
        as_cli_text (row, "group", name, sizeof name);
        printf ("%s,%s,\"", as_cli_text (result, "period", period, sizeof period),
                as_cli_text (result, "by", by, sizeof by));
        for (const char *cursor = name; *cursor; cursor++)
            printf (*cursor == '"' ? "\"\"" : "%c", *cursor);
        printf ("\"");
        for (int column = 0; column < S_COLUMNS; column++) {
            const char *text = s_value (row, s_columns [column].key, s_columns [column].decimals, value, sizeof value);
            printf (",%s", strcmp (text, "-") ? text : "");
        }
        printf ("\n");
    }
}

static const as_cli_command_t s_commands [] = {
    { "survey list", "survey.list", "[--state scheduled|sent|answered|expired] [--case ID] [--limit N]",
      "surveys, newest first", NULL, s_survey_list_options, s_print_surveys },
    { "survey show", "survey.get", "SURVEY_ID", "one survey with its token and answers", "survey_id", s_no_options,
      s_print_survey },
    { "survey answer", "survey.answer",
      "--token T --attitude 1-5 --technical 1-5 --punctuality 1-5 --transparency 1-5\n"
      "         --cost-fairness 1-5 --overall 1-5 --nps 0-10 [--suggestion TEXT]",
      "record a customer's answers (e.g. taken by phone)", NULL, s_answer_options, s_print_survey },
    { "complaint open", "complaint.open",
      "--case ID --category attitude|quality|delay|cost|parts|other --severity low|medium|high|critical\n"
      "         --description TEXT [--received-at RFC3339]",
      "record a complaint; deadlines in working days", NULL, s_open_options, s_print_complaint },
    { "complaint reply", "complaint.reply", "COMPLAINT_ID --reply TEXT", "first reply to the customer",
      "complaint_id", s_reply_options, s_print_complaint },
    { "complaint escalate", "complaint.escalate", "COMPLAINT_ID --to head_office|other_department --reason TEXT",
      "hand a complaint up", "complaint_id", s_escalate_options, s_print_complaint },
    { "complaint resolve", "complaint.resolve", "COMPLAINT_ID --resolution TEXT", "record the solution",
      "complaint_id", s_resolve_options, s_print_complaint },
    { "complaint close", "complaint.close", "COMPLAINT_ID", "close a resolved complaint", "complaint_id",
      s_no_options, s_print_complaint },
    { "complaint show", "complaint.get", "COMPLAINT_ID", "one complaint", "complaint_id", s_no_options,
      s_print_complaint },
    { "complaint list", "complaint.list", "[--state S] [--overdue true] [--limit N]", "complaints, oldest first",
      NULL, s_complaint_list_options, s_print_complaints },
    { "kpi", "kpi.query", "--period YYYY-MM [--by engineer|station|region|category|all]", "quality KPIs of a month",
      NULL, s_kpi_options, s_print_kpi },
    { "followup list", "followup.list", "[--state scheduled|done|cancelled] [--case ID] [--customer ID] [--limit N]",
      "follow-up check-ins (after repairs, purchase anniversaries), by due time", NULL, s_followup_list_options,
      s_print_followups },
    { "followup cancel", "followup.cancel", "FOLLOWUP_ID --reason TEXT", "cancel a scheduled check-in",
      "followup_id", s_followup_cancel_options, s_print_followups },
    { "followup reschedule", "followup.reschedule", "FOLLOWUP_ID --due-at RFC3339",
      "move a scheduled check-in to a later time", "followup_id", s_followup_reschedule_options, s_print_followups },
    { "promises", "promise.list",
      "[--case ID] [--state kept|breached|at_risk|pending] [--promise first_contact|warranty_response|\n"
      "         progress_notice|onsite_repair|workshop_repair|part_shipped|complaint_reply|survey_sent] [--limit N]",
      "every promise a case started, due time, when met and its state; by due time", NULL, s_promise_options,
      s_print_promises },
    { "at-risk", "risk.list", "[--limit N]", "customers at risk of leaving, with the reasons", NULL,
      s_limit_options, s_print_at_risk },
    { "report", "kpi.query",
      "--period YYYY-MM [--by station|engineer|region|category|all] [--format table|csv|json]\n"
      "         [--svg FILE [--kpi overall|nps|first_time_fix_pct|...]]",
      "the monthly quality report; --svg draws the weekly trend of one KPI per group;\n"
      "      waits 10 s (--timeout MS), then once twice as long: 30 s in all at worst", NULL, s_kpi_options,
      s_print_kpi },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const as_cli_t s_cli = { "surveyctl", "survey",
    "satisfaction surveys, complaints, quality KPIs and reports, customers at risk", s_commands };

//  --- report ---------------------------------------------------------------------------

typedef struct {
    const char *period, *by, *format, *svg, *kpi;
    int timeout;
} s_report_args_t;

static const char *
s_kpi_label (const char *kpi)
{
    for (int column = 0; column < S_COLUMNS; column++)
        if (!strcmp (s_columns [column].key, kpi))
            return s_columns [column].decimals == 2 ? "mean score (1-5)" : strstr (kpi, "pct") ? "percent"
                 : strstr (kpi, "_min") ? "minutes" : !strcmp (kpi, "nps") ? "NPS (-100..100)" : kpi;
    return NULL;
}

static int
s_write_svg (const msgpack_object *result, const s_report_args_t *args)
{
    survey_chart_t *chart = calloc (1, sizeof *chart);
    char title [160];
    snprintf (title, sizeof title, "%s by %s, %s, week by week", args->kpi, args->by, args->period);
    char prefix [24];
    snprintf (prefix, sizeof prefix, "%s ", strcmp (args->by, "all") ? args->by : "");
    chart->title = title;
    chart->y_label = s_kpi_label (args->kpi);
    chart->group_prefix = strcmp (args->by, "category") ? prefix : NULL;
    chart->subtitle = "local weeks starting Monday; a gap means no data that week";
    const char *label = chart->y_label;
    chart->bounded = true;
    chart->bound_low = !strcmp (label, "mean score (1-5)") ? 1 : !strcmp (args->kpi, "nps") ? -100 : 0;
    chart->bound_high = !strcmp (label, "mean score (1-5)") ? 5 : strstr (label, "percent") || !strcmp (args->kpi, "nps")
                      ? 100 : 1e15;
    const msgpack_object *groups = as_obj_get (result, "groups"), *weeks = as_obj_get (result, "weeks");
    for (uint32_t index = 0; groups && index < groups->via.array.size && chart->group_count < SURVEY_SVG_MAX_GROUPS; index++) {
        const msgpack_object *name = as_obj_get (&groups->via.array.ptr [index], "group");
        chart->groups [chart->group_count++] = strndup (name->via.str.ptr, name->via.str.size);
    }
    for (uint32_t index = 0; weeks && index < weeks->via.array.size; index++) {
        const msgpack_object *row = &weeks->via.array.ptr [index];
        char week [16], group [128];
        as_obj_strcpy (row, "week", week, sizeof week);
        as_obj_strcpy (row, "group", group, sizeof group);
        int w = 0, g = 0;
        while (w < chart->week_count && strcmp (chart->weeks [w], week))
            w++;
        if (w == chart->week_count && w < SURVEY_SVG_MAX_WEEKS)
            chart->weeks [chart->week_count++] = strdup (week);
        while (g < chart->group_count && strcmp (chart->groups [g], group))
            g++;
        const msgpack_object *value = as_obj_get (row, args->kpi);
        if (w < chart->week_count && g < chart->group_count && value && value->type != MSGPACK_OBJECT_NIL) {
            chart->values [g][w] = value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32
                                 ? value->via.f64 : (double) value->via.i64;
            chart->present [g][w] = true;
        }
    }
    char *svg = survey_svg_chart (chart);
    FILE *file = svg ? fopen (args->svg, "w") : NULL;
    int rc = file && fputs (svg, file) >= 0 ? 0 : -1;
    if (file && fclose (file))
        rc = -1;
    if (rc)
        fprintf (stderr, "surveyctl: cannot write %s\n", args->svg);
    free (svg);
    for (int index = 0; index < chart->group_count; index++)
        free ((char *) chart->groups [index]);
    for (int index = 0; index < chart->week_count; index++)
        free ((char *) chart->weeks [index]);
    free (chart);
    return rc;
}

//  "overall, attitude, ..." into out, for the message that refuses a --kpi.
static void
s_kpi_names (char *out, size_t size)
{
    size_t length = 0;
    for (int column = 0; column < S_COLUMNS && length < size; column++)
        length += (size_t) snprintf (out + length, size - length, "%s%s", column ? ", " : "", s_columns [column].key);
}

//  The report's options, and as_cli's global ones (--json, --timeout,
//  --key) wherever they stand: --json is --format json.
static int
s_parse_report (int argc, char *argv [], s_report_args_t *args)
{
    *args = (s_report_args_t) { NULL, "station", "table", NULL, "overall", S_REPORT_TIMEOUT_MS };
    bool command_seen = false;
    for (int arg = 1; arg < argc; arg++) {
        const char *value = arg + 1 < argc ? argv [arg + 1] : NULL;
        if (!command_seen && !strcmp (argv [arg], "report")) {
            command_seen = true;
            continue;
        }
        if (!strcmp (argv [arg], "--json")) {
            args->format = "json";
            continue;
        }
        const char *timeout = NULL, *key = NULL;
        const char **slot = !strcmp (argv [arg], "--period") ? &args->period : !strcmp (argv [arg], "--by") ? &args->by
                          : !strcmp (argv [arg], "--format") ? &args->format : !strcmp (argv [arg], "--svg") ? &args->svg
                          : !strcmp (argv [arg], "--kpi") ? &args->kpi : !strcmp (argv [arg], "--timeout") ? &timeout
                          : !strcmp (argv [arg], "--key") ? &key : NULL;
        if (!slot || !value) {
            fprintf (stderr, "surveyctl: report: %s %s\n", argv [arg], slot ? "needs a value" : "is not an option");
            return -1;
        }
        *slot = value;
        char why [256];
        if (timeout && as_cli_parse_timeout (timeout, &args->timeout, why, sizeof why)) {
            fprintf (stderr, "surveyctl: report: %s\n", why);
            return -1;
        }
        arg++;
    }
    if (!args->period) {
        fprintf (stderr, "surveyctl: report needs --period YYYY-MM\n");
        return -1;
    }
    if (strcmp (args->format, "table") && strcmp (args->format, "csv") && strcmp (args->format, "json")) {
        fprintf (stderr, "surveyctl: report: --format '%s' is not one of table, csv, json\n", args->format);
        return -1;
    }
    if (!s_kpi_label (args->kpi)) {
        char names [1024];
        s_kpi_names (names, sizeof names);
        fprintf (stderr, "surveyctl: report: --kpi '%s' is not one of %s\n", args->kpi, names);
        return -1;
    }
    return 0;
}

//  kpi.query's params, as JSON text (the caller frees).
static char *
s_report_params (const s_report_args_t *args)
{
    cJSON *params = cJSON_CreateObject ();
    cJSON_AddStringToObject (params, "period", args->period);
    cJSON_AddStringToObject (params, "by", args->by);
    cJSON_AddTrueToObject (params, "weekly");
    char *text = cJSON_PrintUnformatted (params);
    cJSON_Delete (params);
    return text;
}

static int
s_report (int argc, char *argv [])
{
    s_report_args_t args;
    if (s_parse_report (argc, argv, &args))
        return 2;
    zsys_init ();
    if (as_catalog_load ())
        return 1;
    int status = 1;
    as_rpc_client_t *client = as_cli_client ("surveyctl", "survey", args.timeout, S_REPORT_RETRIES, &status);
    if (!client)
        return status;
    char *params = s_report_params (&args);
    as_rpc_reply_t reply;
    as_error_t err;
    if (as_rpc_client_call_json (client, "kpi.query", params, NULL, &reply, &err))
        fprintf (stderr, "surveyctl: %s\n", err.message);
    else {
        status = as_cli_refusal ("surveyctl", &reply);
        if (reply.ok) {
            if (!strcmp (args.format, "json")) {
                char *text = as_obj_to_json (reply.result, true);
                printf ("%s\n", text ? text : "null");
                free (text);
            }
            else
            if (!strcmp (args.format, "csv"))
                s_print_csv (reply.result);
            else
                s_print_kpi (reply.result);
            if (args.svg && s_write_svg (reply.result, &args))
                status = 1;
        }
        as_rpc_reply_release (&reply);
    }
    free (params);
    as_rpc_client_destroy (&client);
    return status;
}

//  The command is the first argument that is not one of as_cli's global
//  options (which may stand anywhere); as_cli reads two-word commands
//  ("survey list") itself. `report` (files, formats) is surveyctl's own,
//  but for its --help.
int
main (int argc, char *argv [])
{
    int arg = 1;
    bool help = false;
    for (int index = 1; index < argc; index++)
        help |= !strcmp (argv [index], "--help") || !strcmp (argv [index], "-h");
    while (arg < argc && (!strcmp (argv [arg], "--json") || !strcmp (argv [arg], "--timeout")
                       || !strcmp (argv [arg], "--key")))
        arg += strcmp (argv [arg], "--json") ? 2 : 1;
    if (arg < argc && !strcmp (argv [arg], "report") && !help)
        return s_report (argc, argv);
    return as_cli_main (&s_cli, argc, argv);
}
