/*  survey_calendar: working-day deadlines across weekends, the 2026
    holidays and make-up working days, midnight and time zones; survey due
    times across midnight, year end and a DST change; deadlines keep the
    seconds of their start; how far a calendar reaches. Expected values are
    worked out by hand from the 2026 calendar (services/survey/data).     */
#include "survey_calendar.h"
#include "as_date.h"
#include "as_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
s_read (const char *path)
{
    FILE *file = fopen (path, "rb");
    AS_CHECK (file);
    static char text [65536];
    size_t size = fread (text, 1, sizeof text - 1, file);
    text [size] = 0;
    fclose (file);
    return text;
}

static int64_t
s_at (const char *text)
{
    int64_t instant;
    AS_CHECK (survey_time_parse (text, &instant));
    return instant;
}

static int s_failures;

static void
s_expect (const char *what, int64_t got, const char *expected)
{
    char text [32];
    survey_time_format (got, text);
    if (strcmp (text, expected)) {
        fprintf (stderr, "%s: got %s, expected %s\n", what, text, expected);
        s_failures++;
    }
}

static void
s_deadlines (const survey_calendar_t *calendar)
{
    static const struct {
        const char *why, *zone, *start;
        int days;
        const char *deadline;
    } cases [] = {
        { "Monday afternoon", "Asia/Shanghai", "2026-10-12T14:30:00+08:00", 1, "2026-10-13T06:30:00Z" },
        { "Friday over the weekend", "Asia/Shanghai", "2026-10-16T17:00:00+08:00", 1, "2026-10-19T09:00:00Z" },
        { "Saturday: end of Monday", "Asia/Shanghai", "2026-10-17T10:00:00+08:00", 1, "2026-10-19T16:00:00Z" },
        { "before National Day", "Asia/Shanghai", "2026-09-30T15:00:00+08:00", 1, "2026-10-08T07:00:00Z" },
        { "on a holiday: end of 8 Oct", "Asia/Shanghai", "2026-10-03T09:00:00+08:00", 1, "2026-10-08T16:00:00Z" },
        { "make-up Saturday 10 Oct", "Asia/Shanghai", "2026-10-10T11:00:00+08:00", 1, "2026-10-12T03:00:00Z" },
        { "Friday to make-up Sunday 20 Sep", "Asia/Shanghai", "2026-09-18T10:00:00+08:00", 1, "2026-09-20T02:00:00Z" },
        { "Spring Festival eve to make-up 14 Feb", "Asia/Shanghai", "2026-02-13T09:00:00+08:00", 1, "2026-02-14T01:00:00Z" },
        { "five days over Mid-Autumn", "Asia/Shanghai", "2026-09-21T09:00:00+08:00", 5, "2026-09-29T01:00:00Z" },
        { "after midnight local, still Monday UTC", "Asia/Shanghai", "2026-10-12T16:30:00Z", 1, "2026-10-13T16:30:00Z" },
        { "just before midnight local", "Asia/Shanghai", "2026-10-16T15:59:00Z", 1, "2026-10-19T15:59:00Z" },
        { "New York over the end of DST", "America/New_York", "2026-10-30T16:00:00-04:00", 1, "2026-11-02T21:00:00Z" },
        { "UTC Friday night", "UTC", "2026-10-16T23:00:00Z", 2, "2026-10-20T23:00:00Z" },
        //  The clock is kept to the second: Monday 10:15:30 is due Tuesday 10:15:30.
        { "Monday 10:15:30 keeps its seconds", "Asia/Shanghai", "2026-10-12T10:15:30+08:00", 1, "2026-10-13T02:15:30Z" },
        { "seconds over the weekend", "Asia/Shanghai", "2026-10-16T17:00:59+08:00", 1, "2026-10-19T09:00:59Z" },
        { "seconds over the end of DST", "America/New_York", "2026-10-30T16:00:45-04:00", 1, "2026-11-02T21:00:45Z" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++)
        s_expect (cases [index].why, survey_add_working_days (calendar, cases [index].zone,
                  s_at (cases [index].start), cases [index].days), cases [index].deadline);
}

static void
s_due_times (void)
{
    static const struct {
        const char *why, *zone, *completed;
        int days_after;
        const char *clock, *due;
    } cases [] = {
        { "23:59 local: the next day", "Asia/Shanghai", "2026-10-12T15:59:00Z", 1, "10:00", "2026-10-13T02:00:00Z" },
        { "00:01 local: a day later", "Asia/Shanghai", "2026-10-12T16:01:00Z", 1, "10:00", "2026-10-14T02:00:00Z" },
        { "over the year end", "Asia/Shanghai", "2026-12-31T17:00:00Z", 1, "10:00", "2027-01-02T02:00:00Z" },
        { "New York into DST", "America/New_York", "2026-03-07T23:30:00Z", 1, "10:00", "2026-03-08T14:00:00Z" },
        { "New York before DST", "America/New_York", "2026-03-06T23:30:00Z", 1, "10:00", "2026-03-07T15:00:00Z" },
        { "two days, 18:30", "Asia/Shanghai", "2026-10-12T02:00:00Z", 2, "18:30", "2026-10-14T10:30:00Z" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++)
        s_expect (cases [index].why, survey_due_at (cases [index].zone, s_at (cases [index].completed),
                  cases [index].days_after, as_clock_parse (cases [index].clock)), cases [index].due);
}

//  Follow-ups: a check-in N days after a repair (survey_due_at) over month
//  ends and leap days; the yearly check-in on the purchase anniversary.
static void
s_followup_times (void)
{
    static const struct {
        const char *why, *completed;
        int days_after;
        const char *due;
    } repairs [] = {
        { "31 Jan + 30 days: over February", "2026-01-31T03:00:00Z", 30, "2026-03-02T02:00:00Z" },
        { "local 1 Mar (UTC 28 Feb) + 30", "2026-02-28T17:00:00Z", 30, "2026-03-31T02:00:00Z" },
        { "over the year end", "2026-12-15T16:30:00Z", 30, "2027-01-15T02:00:00Z" },
        { "leap February", "2028-01-31T03:00:00Z", 30, "2028-03-01T02:00:00Z" },
        { "30 Apr + 1: into May", "2026-04-30T09:00:00Z", 1, "2026-05-01T02:00:00Z" },
    };
    for (size_t index = 0; index < sizeof repairs / sizeof repairs [0]; index++)
        s_expect (repairs [index].why, survey_due_at ("Asia/Shanghai", s_at (repairs [index].completed),
                  repairs [index].days_after, 600), repairs [index].due);
    static const struct {
        const char *why, *purchase, *after, *anniversary;
    } years [] = {
        { "29 Feb in a common year: 1 Mar", "2024-02-29", "2026-11-22", "2027-03-01" },
        { "29 Feb in a leap year", "2024-02-29", "2027-12-31", "2028-02-29" },
        { "the day before", "2025-01-31", "2026-01-30", "2026-01-31" },
        { "on the day: next year", "2025-01-31", "2026-01-31", "2027-01-31" },
        { "bought the day it is reported", "2026-11-22", "2026-11-22", "2027-11-22" },
        { "31 Dec, years later", "2020-12-31", "2026-06-30", "2026-12-31" },
        { "31 Dec, day after", "2020-12-31", "2027-01-01", "2027-12-31" },
    };
    for (size_t index = 0; index < sizeof years / sizeof years [0]; index++) {
        int64_t purchase, after;
        char got [11];
        AS_CHECK (survey_date_parse (years [index].purchase, &purchase) && survey_date_parse (years [index].after, &after));
        survey_date_format (survey_next_anniversary (purchase, after), got);
        if (strcmp (got, years [index].anniversary)) {
            fprintf (stderr, "%s: got %s, expected %s\n", years [index].why, got, years [index].anniversary);
            s_failures++;
        }
    }
}

static void
s_days (const survey_calendar_t *calendar)
{
    static const struct {
        const char *date;
        bool working;
    } cases [] = {
        { "2026-10-01", false }, { "2026-10-07", false }, { "2026-10-08", true }, { "2026-10-10", true },
        { "2026-10-11", false }, { "2026-10-12", true }, { "2026-01-04", true }, { "2026-02-16", false },
        { "2026-05-09", true }, { "2026-06-19", false }, { "2026-11-14", false }, { "2026-11-13", true },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        int64_t day;
        AS_CHECK (survey_date_parse (cases [index].date, &day));
        if (survey_working_day (calendar, day) != cases [index].working) {
            fprintf (stderr, "%s: working day should be %d\n", cases [index].date, cases [index].working);
            s_failures++;
        }
    }
    int64_t day;
    AS_CHECK (survey_date_parse ("2026-10-12", &day) && survey_weekday (day) == 1);
    AS_CHECK (!survey_date_parse ("2026-02-29", &day));
    AS_CHECK (!survey_date_parse ("2026-13-01", &day));
    AS_CHECK (as_clock_parse ("24:00") == -1 && as_clock_parse ("9:00") == -1);
    int64_t instant;
    AS_CHECK (!survey_time_parse ("2026-10-12 10:00:00Z", &instant));
    AS_CHECK (survey_time_parse ("2026-10-12T10:00:00.123+08:00", &instant) && instant == s_at ("2026-10-12T02:00:00Z"));
    survey_calendar_t bad;
    char why [128];
    AS_CHECK (survey_calendar_parse (&bad, "{\"holidays\": [\"2026-02-30\"]}", why, sizeof why) == -1);
    AS_CHECK (strstr (why, "holidays[0]"));
    AS_CHECK (survey_calendar_parse (&bad, "[1]", why, sizeof why) == -1);
}

//  How far a calendar reaches: the shipped one to its covered_through,
//  one without it to the end of the year of its last day, an empty one
//  nowhere; covered_through before a listed day is refused.
static void
s_coverage (const survey_calendar_t *shipped)
{
    int64_t day;
    AS_CHECK (survey_date_parse ("2026-12-31", &day) && shipped->covered_through == day);
    AS_CHECK (survey_calendar_covers (shipped, day) && !survey_calendar_covers (shipped, day + 1));
    survey_calendar_t *calendar = calloc (1, sizeof *calendar);
    char why [128];
    AS_CHECK (survey_calendar_parse (calendar, "{\"holidays\": [\"2027-10-01\"], \"workdays\": [\"2027-09-26\"]}",
                                     why, sizeof why) == 0);
    AS_CHECK (survey_date_parse ("2027-12-31", &day) && calendar->covered_through == day);
    AS_CHECK (survey_calendar_parse (calendar, "{}", why, sizeof why) == 0);
    AS_CHECK (calendar->covered_through == SURVEY_CALENDAR_EMPTY && !survey_calendar_covers (calendar, 0));
    AS_CHECK (survey_calendar_parse (calendar, "{\"holidays\": [\"2027-10-01\"], \"covered_through\": \"2027-06-30\"}",
                                     why, sizeof why) == -1 && strstr (why, "covered_through"));
    AS_CHECK (survey_calendar_parse (calendar, "{\"covered_through\": \"2027-02-30\"}", why, sizeof why) == -1);
    free (calendar);
}

int
main (void)
{
    survey_calendar_t calendar;
    char why [128];
    if (survey_calendar_parse (&calendar, s_read (AS_SOURCE_DIR "/services/survey/data/holidays.json"),
                               why, sizeof why)) {
        fprintf (stderr, "holidays.json: %s\n", why);
        return 1;
    }
    AS_CHECK (calendar.holiday_count == 33 && calendar.workday_count == 6);
    s_days (&calendar);
    s_deadlines (&calendar);
    s_due_times ();
    s_followup_times ();
    s_coverage (&calendar);
    if (s_failures)
        fprintf (stderr, "%d calendar checks failed\n", s_failures);
    return s_failures ? 1 : 0;
}
