/*  survey_calendar: working days, local time and due times (see the .h). */
#include "survey_calendar.h"
#include "as_date.h"
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Dates and instants are common (as_date); these keep survey's names.
bool
survey_date_parse (const char *text, int64_t *day)
{
    return text && as_date_parse (text, day);
}

void
survey_date_format (int64_t day, char out [11])
{
    as_date_format (day, out);
}

int
survey_weekday (int64_t day)
{
    return as_date_weekday (day);
}

static int
s_compare_days (const void *left, const void *right)
{
    int64_t a = *(const int64_t *) left, b = *(const int64_t *) right;
    return a < b ? -1 : a > b;
}

static int
s_load_days (const cJSON *root, const char *key, int64_t *days, int *count, char *why, size_t why_size)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive (root, key);
    *count = 0;
    if (!list)
        return 0;
    if (!cJSON_IsArray (list)) {
        snprintf (why, why_size, "%s: not an array of dates", key);
        return -1;
    }
    const cJSON *item;
    cJSON_ArrayForEach (item, list) {
        if (*count >= SURVEY_CALENDAR_MAX) {
            snprintf (why, why_size, "%s: more than %d dates", key, SURVEY_CALENDAR_MAX);
            return -1;
        }
        if (!cJSON_IsString (item) || !survey_date_parse (item->valuestring, &days [*count])) {
            snprintf (why, why_size, "%s[%d]: not a YYYY-MM-DD date", key, *count);
            return -1;
        }
        (*count)++;
    }
    qsort (days, (size_t) *count, sizeof days [0], s_compare_days);
    return 0;
}

//  The last day listed, SURVEY_CALENDAR_EMPTY when none (lists are sorted).
static int64_t
s_last_listed (const survey_calendar_t *self)
{
    int64_t last = SURVEY_CALENDAR_EMPTY;
    if (self->holiday_count && self->holidays [self->holiday_count - 1] > last)
        last = self->holidays [self->holiday_count - 1];
    if (self->workday_count && self->workdays [self->workday_count - 1] > last)
        last = self->workdays [self->workday_count - 1];
    return last;
}

//  covered_through as given, else the end of the year of the last day
//  listed (a year's notice lists that year's holidays).
static int
s_load_coverage (survey_calendar_t *self, const cJSON *given, char *why, size_t why_size)
{
    int64_t last = s_last_listed (self);
    if (!given) {
        self->covered_through = SURVEY_CALENDAR_EMPTY;
        if (last != SURVEY_CALENDAR_EMPTY) {
            int64_t year;
            int month, mday;
            as_date_to_civil (last, &year, &month, &mday);
            self->covered_through = as_date_from_civil (year, 12, 31);
        }
        return 0;
    }
    if (!cJSON_IsString (given) || !survey_date_parse (given->valuestring, &self->covered_through)) {
        snprintf (why, why_size, "covered_through: not a YYYY-MM-DD date");
        return -1;
    }
    if (last != SURVEY_CALENDAR_EMPTY && self->covered_through < last) {
        snprintf (why, why_size, "covered_through %s is before a day the calendar lists", given->valuestring);
        return -1;
    }
    return 0;
}

int
survey_calendar_parse (survey_calendar_t *self, const char *json, char *why, size_t why_size)
{
    memset (self, 0, sizeof *self);
    cJSON *root = cJSON_Parse (json);
    if (!cJSON_IsObject (root)) {
        cJSON_Delete (root);
        snprintf (why, why_size, "not a JSON object");
        return -1;
    }
    int rc = s_load_days (root, "holidays", self->holidays, &self->holiday_count, why, why_size)
          || s_load_days (root, "workdays", self->workdays, &self->workday_count, why, why_size) ? -1 : 0;
    if (rc == 0)
        rc = s_load_coverage (self, cJSON_GetObjectItemCaseSensitive (root, "covered_through"), why, why_size);
    cJSON_Delete (root);
    return rc;
}

bool
survey_calendar_covers (const survey_calendar_t *self, int64_t day)
{
    return self->covered_through != SURVEY_CALENDAR_EMPTY && day <= self->covered_through;
}

static bool
s_listed (const int64_t *days, int count, int64_t day)
{
    return bsearch (&day, days, (size_t) count, sizeof day, s_compare_days) != NULL;
}

bool
survey_working_day (const survey_calendar_t *self, int64_t day)
{
    if (s_listed (self->workdays, self->workday_count, day))
        return true;
    if (s_listed (self->holidays, self->holiday_count, day))
        return false;
    return survey_weekday (day) <= 5;
}

bool
survey_time_parse (const char *text, int64_t *instant)
{
    return text && as_date_instant_parse (text, instant);
}

void
survey_time_format (int64_t instant, char out [32])
{
    int64_t day = instant >= 0 ? instant / 86400 : -((-instant + 86399) / 86400);
    int64_t rest = instant - day * 86400;
    char date [11];
    survey_date_format (day, date);
    snprintf (out, 32, "%sT%02d:%02d:%02dZ", date, (int) (rest / 3600), (int) (rest / 60 % 60), (int) (rest % 60));
}

//  The C library converts in the zone of TZ; a daemon is one thread doing
//  business work, so switching TZ only when the zone changes is safe here.
static bool
s_enter_zone (const char *zone)
{
    static char current [128];
    if (!zone || !*zone || strlen (zone) >= sizeof current || strstr (zone, ".."))
        return false;
    if (strcmp (current, zone)) {
        snprintf (current, sizeof current, "%s", zone);
        setenv ("TZ", zone, 1);
        tzset ();
    }
    return true;
}

bool
survey_local (const char *zone, int64_t instant, int64_t *day, int *second)
{
    if (!s_enter_zone (zone))
        return false;
    time_t stamp = (time_t) instant;
    struct tm local;
    if (!localtime_r (&stamp, &local))
        return false;
    *day = as_date_from_civil (local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
    *second = (local.tm_hour * 60 + local.tm_min) * 60 + local.tm_sec;
    return true;
}

int64_t
survey_instant (const char *zone, int64_t day, int second)
{
    s_enter_zone (zone);
    int64_t year;
    int month, mday;
    as_date_to_civil (day, &year, &month, &mday);
    struct tm local;
    memset (&local, 0, sizeof local);
    local.tm_year = (int) year - 1900;
    local.tm_mon = month - 1;
    local.tm_mday = mday;
    local.tm_hour = second / 3600;
    local.tm_min = second / 60 % 60;
    local.tm_sec = second % 60;
    local.tm_isdst = -1;
    return (int64_t) mktime (&local);
}

int64_t
survey_due_at (const char *zone, int64_t completed, int days_after, int minute)
{
    int64_t day;
    int completed_second;
    if (!survey_local (zone, completed, &day, &completed_second))
        return completed + (int64_t) days_after * 86400;
    return survey_instant (zone, day + days_after, minute * 60);
}

int64_t
survey_add_working_days (const survey_calendar_t *self, const char *zone, int64_t start, int days)
{
    int64_t day;
    int second;
    if (!survey_local (zone, start, &day, &second))
        return start + (int64_t) days * 86400;
    if (!survey_working_day (self, day)) {
        //  The clock starts at 00:00 of the next working day, which counts
        //  as the first: the deadline is the end (24:00) of the N-th.
        int counted = 0;
        while (counted < days) {
            day++;
            counted += survey_working_day (self, day);
        }
        return survey_instant (zone, day + 1, 0);
    }
    for (int counted = 0; counted < days; ) {
        day++;
        counted += survey_working_day (self, day);
    }
    return survey_instant (zone, day, second);
}

int64_t
survey_next_anniversary (int64_t purchase, int64_t after)
{
    int64_t year_of_purchase, year_after;
    int month, mday;
    as_date_to_civil (purchase, &year_of_purchase, &month, &mday);
    as_date_to_civil (after, &year_after, &month, &mday);
    //  Start a year before `after`'s year: the answer is at most two years on.
    int years = (int) (year_after - year_of_purchase) - 1;
    if (years < 1)
        years = 1;
    int64_t day = as_date_add_months (purchase, 12 * years);
    while (day <= after)
        day = as_date_add_months (purchase, 12 * ++years);
    return day;
}
