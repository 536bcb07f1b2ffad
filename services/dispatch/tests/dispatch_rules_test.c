/*  The pure rules of dispatchd: the visit life cycle, skill bits,
    great-circle distances, shifts and rotas, and dispatchctl's reading of
    skills and of the engineers' CSV file.                                */
#include "dispatch.h"
#include "dispatch_csv.h"
#include "as_test.h"
#include <math.h>
#include <string.h>

//  The daemon's settings live in dispatchd.c; the rules need none.
static dispatch_config_t s_config;

dispatch_config_t *
dispatch_config (as_service_t *service)
{
    (void) service;
    return &s_config;
}

//  The CSV text must be refused with `words` in the reason.
static void
s_csv_refused (const char *csv, const char *words)
{
    char why [256] = "";
    cJSON *engineers = dispatch_engineers_from_csv (csv, why, sizeof why);
    if (engineers || !strstr (why, words))
        fprintf (stderr, "expected '%s' refused with '%s', got '%s'\n", csv, words, engineers ? "accepted" : why);
    AS_CHECK (!engineers && strstr (why, words));
    cJSON_Delete (engineers);
}

static void
s_test_shifts (void)
{
    AS_CHECK (dispatch_clock_minutes ("09:00") == 540);
    AS_CHECK (dispatch_clock_minutes ("8:30") == 510);
    AS_CHECK (dispatch_clock_minutes ("24:00") == 1440);
    AS_CHECK (dispatch_clock_minutes ("25:00") == -1);
    AS_CHECK (dispatch_clock_minutes ("24:01") == -1);
    AS_CHECK (dispatch_clock_minutes ("09:60") == -1);
    AS_CHECK (dispatch_clock_minutes ("9h00") == -1);
    AS_CHECK (dispatch_clock_minutes (" 9:00") == -1);
    AS_CHECK (dispatch_clock_minutes ("") == -1);
    char why [160];
    AS_CHECK (dispatch_shift_check ("", "", "", why, sizeof why) == 0);
    AS_CHECK (dispatch_shift_check ("08:30", "17:30", "12345", why, sizeof why) == 0);
    AS_CHECK (dispatch_shift_check ("25:00", "", "", why, sizeof why) == -1);
    AS_CHECK (!strcmp (why, "shift start 25:00 is not a time of day (HH:MM)"));
    AS_CHECK (dispatch_shift_check ("", "7pm", "", why, sizeof why) == -1 && strstr (why, "shift end 7pm"));
    //  Against the default end (18:00): a start at 19:00 ends before it starts.
    AS_CHECK (dispatch_shift_check ("19:00", "", "", why, sizeof why) == -1 && strstr (why, "not after it starts"));
    AS_CHECK (dispatch_shift_check ("", "", "1238", why, sizeof why) == -1 && strstr (why, "work days 1238"));
}

static void
s_test_csv (void)
{
    char why [256] = "";
    cJSON *skills = dispatch_skills_list ("air_conditioner:2, fan;", why, sizeof why);
    AS_CHECK (cJSON_GetArraySize (skills) == 2);
    AS_CHECK (cJSON_GetNumberValue (cJSON_GetObjectItem (cJSON_GetArrayItem (skills, 0), "level")) == 2);
    AS_CHECK (cJSON_GetNumberValue (cJSON_GetObjectItem (cJSON_GetArrayItem (skills, 1), "level")) == 1);
    AS_CHECK (!strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (cJSON_GetArrayItem (skills, 1), "category")), "fan"));
    cJSON_Delete (skills);
    AS_CHECK (!dispatch_skills_list ("fan:high", why, sizeof why) && strstr (why, "'fan:high'"));

    //  Empty fields are kept in their columns (an empty max_visits takes the
    //  default and the shift still lands in the shift columns), quotes hold
    //  commas, and the header is skipped.
    const char *csv = "code,name,station_code,max_visits,shift_start,shift_end,skills,work_days\r\n"
                      "E-1,Zhang Wei,BJ-CY,,08:30,17:30,fan:2;vacuum_cleaner,12345\r\n"
                      "\n# a comment\n"
                      "E-2,\"Li, \"\"Na\"\"\",BJ-CY,6,,,,\n"
                      "E-3,Wang Lei,BJ-CY\n";
    cJSON *engineers = dispatch_engineers_from_csv (csv, why, sizeof why);
    AS_CHECK (engineers && cJSON_GetArraySize (engineers) == 3);
    cJSON *first = cJSON_GetArrayItem (engineers, 0), *second = cJSON_GetArrayItem (engineers, 1);
    AS_CHECK (!cJSON_HasObjectItem (first, "max_visits"));
    AS_CHECK (!strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (first, "shift_start")), "08:30"));
    AS_CHECK (!strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (first, "shift_end")), "17:30"));
    AS_CHECK (!strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (first, "work_days")), "12345"));
    AS_CHECK (cJSON_GetArraySize (cJSON_GetObjectItem (first, "skills")) == 2);
    AS_CHECK (!strcmp (cJSON_GetStringValue (cJSON_GetObjectItem (second, "name")), "Li, \"Na\""));
    AS_CHECK (cJSON_GetNumberValue (cJSON_GetObjectItem (second, "max_visits")) == 6);
    AS_CHECK (!cJSON_HasObjectItem (second, "shift_start") && !cJSON_HasObjectItem (second, "skills"));
    cJSON_Delete (engineers);

    //  A spreadsheet's header: a byte order mark before it, any case.
    engineers = dispatch_engineers_from_csv ("\xEF\xBB\xBF" "Code,Name,Station_Code\nE-4,Zhao Lei,BJ-CY\n",
                                             why, sizeof why);
    if (!engineers)
        fprintf (stderr, "a header with a byte order mark: %s\n", why);
    AS_CHECK (engineers && cJSON_GetArraySize (engineers) == 1);
    cJSON_Delete (engineers);

    //  A bad line refuses the whole file, naming the line and the value.
    s_csv_refused ("code,name\nE-1,Zhang,BJ-CY,8\nE-2,Li,BJ-CY,lots\n", "line 3: max_visits 'lots' is not a whole number");
    s_csv_refused ("E-1,Zhang,BJ-CY,8,09:00,18:00,fan:high\n", "line 1: skill 'fan:high'");
    s_csv_refused ("E-1,Zhang,BJ-CY\nE-2,Li\n", "line 2: 2 fields");
    s_csv_refused ("E-1,,BJ-CY\n", "line 1: name is empty");
    s_csv_refused ("E-1,Zhang,BJ-CY,0\n", "line 1: max_visits 0: less than 1");
    s_csv_refused ("E-1,Zhang,BJ-CY,8,25:00,18:00\n", "line 1: shift start 25:00");
    s_csv_refused ("E-1,Zhang,BJ-CY,8,09:00,18:00,fan,8\n", "line 1: work days 8");
    s_csv_refused ("E-1,Zhang,BJ-CY,8,09:00,18:00,toaster\n", "'toaster'");
    s_csv_refused ("E-1,Zhang,BJ-CY,8,09:00,18:00,fan,1,extra\n", "line 1: more than 8 fields");
    s_csv_refused ("E-1,\"Zhang,BJ-CY\n", "no closing quote");
    s_csv_refused ("code,name,station_code\n", "no engineer");
}

int
main (void)
{
    s_test_shifts ();
    s_test_csv ();

    //  The life cycle in order, and nothing out of order.
    const char *path [] = { "unscheduled", "scheduled", "dispatched", "confirmed", "en_route", "on_site", "completed" };
    for (int step = 0; step + 1 < 7; step++) {
        AS_CHECK (dispatch_transition_allowed (path [step], path [step + 1]));
        AS_CHECK (!dispatch_transition_allowed (path [step + 1], path [step]) || step + 1 <= 3);
        for (int skip = step + 2; skip < 7; skip++)
            AS_CHECK (!dispatch_transition_allowed (path [step], path [skip]));
    }
    AS_CHECK (dispatch_transition_allowed ("on_site", "needs_parts"));
    AS_CHECK (dispatch_transition_allowed ("on_site", "taken_to_workshop"));
    AS_CHECK (!dispatch_transition_allowed ("en_route", "cancelled"));
    AS_CHECK (!dispatch_transition_allowed ("completed", "scheduled"));
    AS_CHECK (!dispatch_transition_allowed ("cancelled", "unscheduled"));
    AS_CHECK (!dispatch_transition_allowed ("scheduled", "scheduled"));

    AS_CHECK (dispatch_category_index ("air_conditioner") == 0);
    AS_CHECK (dispatch_category_index ("smart_home") == 10);
    AS_CHECK (dispatch_category_index ("toaster") == -1);
    AS_CHECK (dispatch_category_index (NULL) == -1);

    //  Beijing to Shanghai is about 1068 km; one degree of latitude 111 km.
    double beijing_shanghai = dispatch_distance (39.9042, 116.4074, 31.2304, 121.4737);
    AS_CHECK (fabs (beijing_shanghai - 1068000) < 5000);
    AS_CHECK (fabs (dispatch_distance (0, 0, 1, 0) - 111195) < 100);
    AS_CHECK (dispatch_distance (10, 20, 10, 20) == 0);
    printf ("dispatch rules: OK\n");
    return 0;
}
