/*  survey_calendar: the arithmetic of survey due times and complaint
    deadlines. No I/O: instants are seconds since the epoch (UTC), days are
    days since 1970-01-01 (proleptic Gregorian), local time is computed in a
    named IANA zone ("Asia/Shanghai") from the system's tz database.

    Rules, stated once here:
    - a working day is a Monday..Friday that is not a public holiday, or a
      weekend day the calendar lists as a make-up working day (Chinese
      "adjusted" working days);
    - N working days from an instant T that falls on a working day end at
      the same local clock time (to the second) on the N-th working day
      after T's date;
    - from a T on a non-working day the clock starts at 00:00 of the next
      working day, so the deadline is 00:00 after N working days (the end
      of the N-th working day, counting that first one);
    - a survey is due D days after the visit's local completion date at
      the configured local clock time (a nonexistent local time in a DST
      gap moves forward, as mktime normalises it).                         */
#ifndef SURVEY_CALENDAR_H
#define SURVEY_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SURVEY_CALENDAR_MAX 512
#define SURVEY_CALENDAR_EMPTY INT64_MIN         //  covered_through of a calendar that knows no day

typedef struct {
    int64_t holidays [SURVEY_CALENDAR_MAX];     //  sorted days
    int holiday_count;
    int64_t workdays [SURVEY_CALENDAR_MAX];     //  sorted make-up working days
    int workday_count;
    //  The last day whose holidays the calendar knows: its "covered_through",
    //  else 31 December of the year of its last listed day. Past it every
    //  Monday..Friday is a working day, holidays included.
    int64_t covered_through;
} survey_calendar_t;

//  Days <-> "YYYY-MM-DD" (a date that exists).
bool survey_date_parse (const char *text, int64_t *day);
void survey_date_format (int64_t day, char out [11]);
//  Monday = 1 .. Sunday = 7.
int survey_weekday (int64_t day);

//  Parse {"holidays": ["2026-01-01", ...], "workdays": ["2026-01-04", ...],
//  "covered_through": "2026-12-31"} (covered_through optional; not before a
//  listed day). Returns 0, or -1 with why.
int survey_calendar_parse (survey_calendar_t *self, const char *json, char *why, size_t why_size);
bool survey_working_day (const survey_calendar_t *self, int64_t day);
//  True when the calendar knows the holidays of day (up to covered_through).
bool survey_calendar_covers (const survey_calendar_t *self, int64_t day);

//  RFC 3339 ("2026-10-05T02:00:00Z", "...+08:00", fractions) -> instant.
bool survey_time_parse (const char *text, int64_t *instant);
//  Instant -> "2026-10-05T02:00:00Z".
void survey_time_format (int64_t instant, char out [32]);

//  Local date and second of the day (the local clock, seconds kept) of an
//  instant in zone; false on a bad zone.
bool survey_local (const char *zone, int64_t instant, int64_t *day, int *second);
//  The instant of a local date and second of the day in zone.
int64_t survey_instant (const char *zone, int64_t day, int second);

//  When the survey of a visit completed at `completed` is due.
int64_t survey_due_at (const char *zone, int64_t completed, int days_after, int minute);
//  The first anniversary of a purchase date strictly after day `after`
//  (years counted from 1). An anniversary that does not exist (29 February
//  in a common year) is the next day, 1 March, as as_date's month rule.
int64_t survey_next_anniversary (int64_t purchase, int64_t after);
//  The deadline N working days after start (rules above).
int64_t survey_add_working_days (const survey_calendar_t *self, const char *zone, int64_t start, int days);

#endif
