/*  billing_dates: calendar arithmetic on business dates ("YYYY-MM-DD"),
    integers only (days since 1970-01-01, proleptic Gregorian). No I/O.

    Period rules, stated once here and used everywhere:
    - a period of N months from day D covers D up to the day before the same
      day N months later; when that day does not exist (29 February, the
      31st) the anniversary is the first day of the following month, so
      2024-02-29 + 12 months is covered through 2025-02-28;
    - a window of N days from day D covers D up to D + N (the day of the
      purchase or repair is day 0, as in the national return/exchange rules:
      "within 7 days after the sale").                                       */
#ifndef BILLING_DATES_H
#define BILLING_DATES_H

#include <stdbool.h>
#include <stdint.h>

#define BILLING_DATE_SIZE 11

//  "YYYY-MM-DD" that exists -> days since the epoch; false when invalid.
bool billing_date_parse (const char *text, int64_t *days);
//  Days since the epoch -> "YYYY-MM-DD" (out has BILLING_DATE_SIZE bytes).
void billing_date_format (int64_t days, char *out);
//  The anniversary N months after day (see the rule above).
int64_t billing_date_add_months (int64_t days, int months);
//  Last covered day of an N-month period starting on day.
int64_t billing_date_period_end (int64_t days, int months);
//  The business date of an RFC 3339 instant at a UTC offset in seconds
//  (the offset of the business zone at that instant, from the tz database).
bool billing_date_of_instant (const char *rfc3339, int64_t offset_seconds, int64_t *days);

#endif
