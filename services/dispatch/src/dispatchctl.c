/*  dispatchctl: the dispatcher's and the engineer's command line. The
    parsing, calling and exit codes are as_cli's; this file is the command
    table, how answers read as tables, and the one conversion dispatchd
    needs done here: skills written "cat:level,..." and the engineers' CSV
    file of `engineer import` become the JSON records engineer.add,
    engineer.skills and engineer.import take (dispatch_csv.c).             */
#include "as_cli.h"
#include "as_msg.h"
#include "dispatch_csv.h"
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_END { NULL, NULL, AS_CLI_STR, false }
//  Room for a text of the catalogue's max_len characters (up to 4 bytes of
//  UTF-8 each): a shorter buffer would cut a character in two.
#define S_TEXT_SIZE(chars) (4 * (chars) + 1)

static const as_cli_option_t s_station_add [] = {
    { "--code", "code", AS_CLI_STR, true }, { "--name", "name", AS_CLI_STR, true },
    { "--region", "region", AS_CLI_STR, true }, { "--tier", "tier", AS_CLI_STR, true },
    { "--lat", "lat", AS_CLI_NUMBER, true }, { "--lon", "lon", AS_CLI_NUMBER, true },
    { "--radius-km", "radius_km", AS_CLI_NUMBER, true }, S_END
};
static const as_cli_option_t s_engineer_add [] = {
    { "--code", "code", AS_CLI_STR, true }, { "--name", "name", AS_CLI_STR, true },
    { "--station", "station_id", AS_CLI_NUMBER, false }, { "--station-code", "station_code", AS_CLI_STR, false },
    { "--van", "van", AS_CLI_STR, false }, { "--max-visits", "max_visits", AS_CLI_NUMBER, false },
    { "--shift-start", "shift_start", AS_CLI_STR, false }, { "--shift-end", "shift_end", AS_CLI_STR, false },
    { "--work-days", "work_days", AS_CLI_STR, false }, { "--skills", "skills", AS_CLI_STR, false }, S_END
};
static const as_cli_option_t s_import [] = {
    { "--engineers", "engineers", AS_CLI_JSON, true }, { "", "engineers", AS_CLI_FILE, false }, S_END };
static const as_cli_option_t s_by_station [] = { { "--station", "station_id", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_skills [] = { { "--skills", "skills", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_absence [] = {
    { "--from", "starts_at", AS_CLI_STR, true }, { "--to", "ends_at", AS_CLI_STR, true },
    { "--reason", "reason", AS_CLI_STR, true }, S_END
};
static const as_cli_option_t s_slots [] = {
    { "--from", "from_date", AS_CLI_STR, false }, { "--days", "days", AS_CLI_NUMBER, false }, S_END
};
static const as_cli_option_t s_book [] = { { "--window", "window_start", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_day [] = {
    { "--date", "date", AS_CLI_STR, true }, { "--station", "station_id", AS_CLI_NUMBER, false }, S_END
};
static const as_cli_option_t s_assign [] = {
    { "--engineer", "engineer_id", AS_CLI_NUMBER, true }, { "--window", "window_start", AS_CLI_STR, false }, S_END
};
static const as_cli_option_t s_pin [] = { { "--pinned", "pinned", AS_CLI_BOOL, false }, S_END };
static const as_cli_option_t s_reason [] = { { "--reason", "reason", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_reason_required [] = { { "--reason", "reason", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_note [] = { { "--note", "note", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_list [] = {
    { "--case", "case_id", AS_CLI_NUMBER, false }, { "--status", "status", AS_CLI_STR, false },
    { "--date", "date", AS_CLI_STR, false }, { "--engineer", "engineer_id", AS_CLI_NUMBER, false }, S_END
};
static const as_cli_option_t s_diagnose [] = {
    { "--cause", "cause", AS_CLI_STR, true }, { "--component", "component", AS_CLI_STR, false },
    { "--items", "repair_items", AS_CLI_JSON, true }, { "--parts", "parts_needed", AS_CLI_JSON, true },
    { "--resolution", "resolution", AS_CLI_STR, true }, { "--promised", "promised_date", AS_CLI_STR, false },
    { "--parts-on-hand", "parts_on_hand", AS_CLI_BOOL, false }, { "--note", "note", AS_CLI_STR, false }, S_END
};
static const as_cli_option_t s_complete [] = {
    { "--work", "work_done", AS_CLI_STR, true }, { "--items", "repair_items", AS_CLI_JSON, true },
    { "--parts", "parts_used", AS_CLI_JSON, true }, { "--labour", "labour_minutes", AS_CLI_NUMBER, true },
    { "--accepted", "customer_accepted", AS_CLI_BOOL, true }, S_END
};
static const as_cli_option_t s_none [] = { S_END };

//  --- Printers -------------------------------------------------------------------------

static void
s_print_visit_row (const msgpack_object *visit)
{
    char id [24], case_id [24], status [24], engineer [24], start [40], end [40], eta [40], kind [24];
    printf ("%-7s %-7s %-18s %-16s %-9s %-25s %-25s %s\n", as_cli_text (visit, "visit_id", id, sizeof id),
            as_cli_text (visit, "case_id", case_id, sizeof case_id), as_cli_text (visit, "status", status, sizeof status),
            as_cli_text (visit, "kind", kind, sizeof kind), as_cli_text (visit, "engineer_id", engineer, sizeof engineer),
            as_cli_text (visit, "window_start", start, sizeof start), as_cli_text (visit, "window_end", end, sizeof end),
            as_cli_text (visit, "eta", eta, sizeof eta));
}

static void
s_print_visit_header (void)
{
    printf ("%-7s %-7s %-18s %-16s %-9s %-25s %-25s %s\n", "VISIT", "CASE", "STATUS", "KIND", "ENGINEER",
            "WINDOW START", "WINDOW END", "ETA");
}

static void
s_print_visit (const msgpack_object *result)
{
    s_print_visit_header ();
    s_print_visit_row (as_obj_get (result, "visit"));
    char follow_up [24];
    if (as_obj_get (result, "follow_up_visit_id"))
        printf ("follow-up visit %s\n", as_cli_text (result, "follow_up_visit_id", follow_up, sizeof follow_up));
}

static void
s_print_visits (const msgpack_object *result)
{
    const msgpack_object *visits = as_obj_get (result, "visits");
    s_print_visit_header ();
    for (uint32_t index = 0; visits && index < visits->via.array.size; index++) {
        const msgpack_object *item = &visits->via.array.ptr [index];
        char risk [64];
        if (as_obj_get (item, "risk")) {
            printf ("  risk: %s\n", as_cli_text (item, "risk", risk, sizeof risk));
            item = as_obj_get (item, "visit");
        }
        s_print_visit_row (item);
    }
}

static void
s_print_stations (const msgpack_object *result)
{
    const msgpack_object *list = as_obj_get (result, "stations");
    const msgpack_object *one = as_obj_get (result, "station");
    printf ("%-6s %-10s %-24s %-10s %-20s %-10s %-10s %-7s %s\n", "ID", "CODE", "NAME", "REGION", "TIER", "LAT", "LON",
            "RADIUS", "ENGINEERS");
    uint32_t count = list ? list->via.array.size : 1;
    for (uint32_t index = 0; index < count; index++) {
        const msgpack_object *item = list ? &list->via.array.ptr [index] : one;
        char f [9][S_TEXT_SIZE (100)];
        static const char *keys [] = { "station_id", "code", "name", "region", "tier", "lat", "lon", "radius_km", "engineers" };
        for (int key = 0; key < 9; key++)
            as_cli_text (item, keys [key], f [key], sizeof f [key]);
        printf ("%-6s %-10s %-24s %-10s %-20s %-10s %-10s %-7s %s\n", f [0], f [1], f [2], f [3], f [4], f [5], f [6], f [7], f [8]);
    }
}

static void
s_print_engineers (const msgpack_object *result)
{
    const msgpack_object *list = as_obj_get (result, "engineers");
    const msgpack_object *one = as_obj_get (result, "engineer");
    printf ("%-6s %-10s %-20s %-8s %-6s %-12s %s\n", "ID", "CODE", "NAME", "STATION", "MAX", "SHIFT", "SKILLS");
    uint32_t count = list ? list->via.array.size : 1;
    for (uint32_t index = 0; index < count; index++) {
        const msgpack_object *item = list ? &list->via.array.ptr [index] : one;
        char id [24], code [S_TEXT_SIZE (32)], name [S_TEXT_SIZE (100)], station [24], max [24], start [8], end [8],
             skills [512] = "";
        const msgpack_object *list_skills = as_obj_get (item, "skills");
        for (uint32_t skill = 0; list_skills && skill < list_skills->via.array.size; skill++) {
            char category [40], level [8];
            size_t used = strlen (skills);
            snprintf (skills + used, sizeof skills - used, "%s%s:%s", skill ? "," : "",
                      as_cli_text (&list_skills->via.array.ptr [skill], "category", category, sizeof category),
                      as_cli_text (&list_skills->via.array.ptr [skill], "level", level, sizeof level));
        }
        printf ("%-6s %-10s %-20s %-8s %-6s %s-%-6s %s\n", as_cli_text (item, "engineer_id", id, sizeof id),
                as_cli_text (item, "code", code, sizeof code), as_cli_text (item, "name", name, sizeof name),
                as_cli_text (item, "station_id", station, sizeof station), as_cli_text (item, "max_visits", max, sizeof max),
                as_cli_text (item, "shift_start", start, sizeof start), as_cli_text (item, "shift_end", end, sizeof end), skills);
    }
}

static void
s_print_slots (const msgpack_object *result)
{
    const msgpack_object *slots = as_obj_get (result, "slots");
    char visit [24];
    printf ("visit %s: %u window(s) can be served\n", as_cli_text (result, "visit_id", visit, sizeof visit),
            slots ? slots->via.array.size : 0);
    for (uint32_t index = 0; slots && index < slots->via.array.size; index++) {
        const msgpack_object *slot = &slots->via.array.ptr [index];
        char date [16], start [40], end [40], station [24];
        printf ("  %s  %s .. %s  station %s\n", as_cli_text (slot, "date", date, sizeof date),
                as_cli_text (slot, "window_start", start, sizeof start), as_cli_text (slot, "window_end", end, sizeof end),
                as_cli_text (slot, "station_id", station, sizeof station));
    }
}

//  Each engineer's day as a line of stops in local time.
static void
s_print_board (const msgpack_object *result)
{
    const msgpack_object *engineers = as_obj_get (result, "engineers");
    char date [16];
    printf ("day plans of %s (local time)\n", as_cli_text (result, "date", date, sizeof date));
    for (uint32_t index = 0; engineers && index < engineers->via.array.size; index++) {
        const msgpack_object *day = &engineers->via.array.ptr [index];
        char code [S_TEXT_SIZE (32)], name [S_TEXT_SIZE (100)], start [8], end [8];
        bool absent = false;
        as_obj_bool (day, "absent", &absent);
        printf ("\n%s %s  [%s-%s]%s\n", as_cli_text (day, "code", code, sizeof code), as_cli_text (day, "name", name, sizeof name),
                as_cli_text (day, "shift_start", start, sizeof start), as_cli_text (day, "shift_end", end, sizeof end),
                absent ? "  ABSENT part or all of the day" : "");
        const msgpack_object *stops = as_obj_get (day, "stops");
        if (!stops || stops->via.array.size == 0)
            printf ("  (no visits)\n");
        for (uint32_t stop = 0; stops && stop < stops->via.array.size; stop++) {
            const msgpack_object *item = &stops->via.array.ptr [stop];
            char local [40], visit [24], case_id [24], status [24], minutes [16];
            bool pinned = false;
            as_obj_bool (item, "pinned", &pinned);
            printf ("  %s  visit %-6s case %-6s %-11s %s min%s\n", as_cli_text (item, "local", local, sizeof local),
                    as_cli_text (item, "visit_id", visit, sizeof visit), as_cli_text (item, "case_id", case_id, sizeof case_id),
                    as_cli_text (item, "status", status, sizeof status), as_cli_text (item, "minutes", minutes, sizeof minutes),
                    pinned ? "  pinned" : "");
        }
    }
}

static void
s_print_optimize (const msgpack_object *result)
{
    const msgpack_object *stations = as_obj_get (result, "stations");
    printf ("%-8s %-14s %-14s %-9s %-11s %-6s %s\n", "STATION", "TRAVEL BEFORE", "TRAVEL AFTER", "ASSIGNED", "UNASSIGNED",
            "MOVED", "KEPT");
    for (uint32_t index = 0; stations && index < stations->via.array.size; index++) {
        const msgpack_object *run = &stations->via.array.ptr [index];
        char f [7][24];
        static const char *keys [] = { "station_id", "travel_before_s", "travel_after_s", "assigned", "unassigned", "moved", "accepted" };
        for (int key = 0; key < 7; key++)
            as_cli_text (run, keys [key], f [key], sizeof f [key]);
        printf ("%-8s %-14s %-14s %-9s %-11s %-6s %s\n", f [0], f [1], f [2], f [3], f [4], f [5], f [6]);
    }
}

static const as_cli_command_t s_commands [] = {
    { "station add", "station.add", "--code C --name N --region R --tier regional_department|service_centre|technical_support"
      " --lat X --lon Y --radius-km K", "add a service station", NULL, s_station_add, s_print_stations },
    { "station list", "station.list", "", "every station", NULL, s_none, s_print_stations },
    { "engineer add", "engineer.add", "--code C --name N (--station ID | --station-code C) [--skills cat:level,...]\n"
      "         [--max-visits N] [--shift-start HH:MM] [--shift-end HH:MM] [--van V]\n"
      "         [--work-days DIGITS]  (ISO weekdays worked, 1 = Monday .. 7 = Sunday, e.g. 12345; default every day)",
      "add (or update by code) an engineer", NULL, s_engineer_add, s_print_engineers },
    { "engineer import", "engineer.import", "FILE.csv  (" DISPATCH_CSV_COLUMNS "\n"
      "         with skills as cat:level;cat:level and work_days as ISO weekdays, e.g. 12345; an empty field takes\n"
      "         the default; every line is checked first, and a bad line imports nothing)",
      "add or update engineers from a CSV file", NULL, s_import, NULL },
    { "engineer list", "engineer.list", "[--station ID]", "engineers with skills and shifts", NULL, s_by_station, s_print_engineers },
    { "engineer skills", "engineer.skills", "ENGINEER_ID --skills cat:level,...", "replace an engineer's skills",
      "engineer_id", s_skills, s_print_engineers },
    { "engineer absence", "engineer.absence", "ENGINEER_ID --from TIME --to TIME --reason R",
      "record an absence; their visits in it are re-planned at once", "engineer_id", s_absence, NULL },
    { "slots", "slots.offer", "CASE_ID [--from YYYY-MM-DD] [--days N]", "appointment windows that can really be served",
      "case_id", s_slots, s_print_slots },
    { "book", "visit.book", "CASE_ID --window WINDOW_START", "book the case's visit into an offered window", "case_id",
      s_book, s_print_visit },
    { "board", "plan.board", "--date YYYY-MM-DD [--station S]", "each engineer's day as a timeline", NULL, s_day, s_print_board },
    { "assign", "visit.assign", "VISIT_ID --engineer E [--window WINDOW_START]", "put a visit on an engineer (pinned)",
      "visit_id", s_assign, s_print_visit },
    { "pin", "visit.pin", "VISIT_ID [--pinned yes|no]", "keep a visit with its engineer through re-optimisation",
      "visit_id", s_pin, s_print_visit },
    { "unassign", "visit.unassign", "VISIT_ID [--reason R]", "take a visit out of its day plan", "visit_id", s_reason,
      s_print_visit },
    { "optimize", "plan.optimize", "--date YYYY-MM-DD [--station S]", "re-optimise day plans (before/after travel)", NULL,
      s_day, s_print_optimize },
    { "dispatch", "plan.dispatch", "--date YYYY-MM-DD [--station S]", "send the day's plans to the engineers", NULL, s_day, NULL },
    { "at-risk", "visits.at_risk", "", "visits whose promises are at risk", NULL, s_none, s_print_visits },
    { "visit show", "visit.get", "VISIT_ID", "one visit", "visit_id", s_none, s_print_visit },
    { "visit list", "visit.list", "[--case C] [--status S] [--date D] [--engineer E]", "visits", NULL, s_list, s_print_visits },
    { "visit confirm", "visit.confirm", "VISIT_ID [--note T]", "the customer was told the time", "visit_id", s_note, s_print_visit },
    { "visit enroute", "visit.enroute", "VISIT_ID [--note T]", "engineer: on the way", "visit_id", s_note, s_print_visit },
    { "visit arrive", "visit.arrive", "VISIT_ID [--note T]", "engineer: arrived", "visit_id", s_note, s_print_visit },
    { "visit diagnose", "visit.diagnose", "VISIT_ID --cause C --items JSON --parts JSON --resolution on_site|workshop\n"
      "         [--component C] [--promised YYYY-MM-DD] [--parts-on-hand yes] [--note T]",
      "engineer: cause, repair items, parts needed", "visit_id", s_diagnose, s_print_visit },
    { "visit complete", "visit.complete", "VISIT_ID --work TEXT --items JSON --parts JSON --labour MIN --accepted yes|no",
      "engineer: work done", "visit_id", s_complete, s_print_visit },
    { "visit cannot-complete", "visit.cannot_complete", "VISIT_ID --reason R", "engineer: the visit cannot be done",
      "visit_id", s_reason_required, s_print_visit },
    { "visit cancel", "visit.cancel", "VISIT_ID --reason R", "cancel a visit not under way", "visit_id",
      s_reason_required, s_print_visit },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const as_cli_t s_cli = { "dispatchctl", "dispatch",
    "stations, engineers, appointment slots, day plans and visits", s_commands };

//  Skills given as text and an engineers' CSV file become the records
//  dispatchd takes; skills already written as JSON are parsed. A bad value
//  or a bad line of the file is bad usage: nothing is sent.
static int
s_engineer_records (const as_cli_command_t *command, cJSON *params, char *why, size_t size)
{
    (void) command;
    const char *skills = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (params, "skills"));
    if (skills) {
        char problem [200] = "not valid JSON";
        cJSON *list = skills [0] == '[' ? cJSON_Parse (skills) : dispatch_skills_list (skills, problem, sizeof problem);
        if (!list) {
            snprintf (why, size, "--skills: %s", problem);
            return -1;
        }
        cJSON_ReplaceItemInObjectCaseSensitive (params, "skills", list);
    }
    const char *csv = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (params, "engineers"));
    if (csv) {
        char problem [224];
        cJSON *engineers = dispatch_engineers_from_csv (csv, problem, sizeof problem);
        if (!engineers) {
            snprintf (why, size, "engineers file: %s", problem);
            return -1;
        }
        cJSON_ReplaceItemInObjectCaseSensitive (params, "engineers", engineers);
    }
    return 0;
}

int
main (int argc, char *argv [])
{
    return as_cli_main_prepare (&s_cli, s_engineer_records, argc, argv);
}
