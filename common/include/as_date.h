/*  as_date: civil dates as day numbers, integers only. A date is the number
    of days since 1970-01-01 in the proleptic Gregorian calendar; adding N
    days is adding N. No I/O, no time zone database, no floating point.

    Month arithmetic, stated once here:
    - N months after day D is the same day of the month N months later;
      when that day does not exist (29 February, the 31st) it is the first
      day of the following month, so 2024-02-29 + 12 months = 2025-03-01;
    - a period of N months from D covers D up to the day before that, so
      a 12-month warranty bought on 2024-02-29 covers through 2025-02-28.

    (as_date_valid, which only checks the text, lives in as_event with the
    other catalogue type checks.)                                           */
#ifndef AS_DATE_H
#define AS_DATE_H

#include <stdbool.h>
#include <stdint.h>

//  "YYYY-MM-DD" and its terminating zero.
#define AS_DATE_SIZE 11

//  Howard Hinnant's days_from_civil / civil_from_days: exact for every
//  Gregorian date. month 1..12, day 1..31 (not checked: see as_date_parse).
int64_t as_date_from_civil (int64_t year, int month, int day);
void as_date_to_civil (int64_t days, int64_t *year, int *month, int *day);
//  Days in a month of a year (leap years by the Gregorian rule).
int as_date_month_length (int64_t year, int month);
//  Monday = 1 .. Sunday = 7.
int as_date_weekday (int64_t days);

//  "YYYY-MM-DD" of a date that exists -> days; false when invalid.
bool as_date_parse (const char *text, int64_t *days);
//  Days -> "YYYY-MM-DD" (years 0..9999).
void as_date_format (int64_t days, char out [AS_DATE_SIZE]);
//  "HH:MM" exactly (00:00..23:59) -> minute of the day; -1 otherwise.
int as_clock_parse (const char *text);

//  N months after day (rule above); months may be negative.
int64_t as_date_add_months (int64_t days, int months);
//  Last covered day of an N-month period starting on day (rule above).
int64_t as_date_period_end (int64_t days, int months);

//  RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" -> seconds
//  since the epoch (UTC, fraction dropped); false when invalid.
bool as_date_instant_parse (const char *rfc3339, int64_t *seconds);
//  The date of an instant at a UTC offset in seconds (the offset of the
//  business zone at that instant, from the tz database).
bool as_date_of_instant (const char *rfc3339, int64_t offset_seconds, int64_t *days);

void as_date_test (bool verbose);

#endif
