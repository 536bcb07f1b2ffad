/*  as_date: civil dates as day numbers, integers only.                     */
#include "as_date.h"
#include "as_test.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int64_t
as_date_from_civil (int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

void
as_date_to_civil (int64_t days, int64_t *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t mp = (5 * day_of_year + 2) / 153;
    *day = (int) (day_of_year - (153 * mp + 2) / 5 + 1);
    *month = (int) (mp < 10 ? mp + 3 : mp - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

int
as_date_month_length (int64_t year, int month)
{
    static const int lengths [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : lengths [month - 1];
}

int
as_date_weekday (int64_t days)
{
    //  1970-01-01 was a Thursday (4).
    int64_t offset = (days + 3) % 7;
    return (int) (offset < 0 ? offset + 7 : offset) + 1;
}

//  Read exactly `width` digits.
static bool
s_digits (const char *text, int width, int *value)
{
    *value = 0;
    for (int index = 0; index < width; index++) {
        if (!isdigit ((unsigned char) text [index]))
            return false;
        *value = *value * 10 + (text [index] - '0');
    }
    return true;
}

//  The date at the start of text (the next character is not looked at).
static bool
s_date_prefix (const char *text, int64_t *days)
{
    int year, month, day;
    if (text [4] != '-' || text [7] != '-'
    ||  !s_digits (text, 4, &year) || !s_digits (text + 5, 2, &month) || !s_digits (text + 8, 2, &day))
        return false;
    if (month < 1 || month > 12 || day < 1 || day > as_date_month_length (year, month))
        return false;
    *days = as_date_from_civil (year, month, day);
    return true;
}

bool
as_date_parse (const char *text, int64_t *days)
{
    return text && strlen (text) == 10 && s_date_prefix (text, days);
}

void
as_date_format (int64_t days, char out [AS_DATE_SIZE])
{
    int64_t year;
    int month, day;
    as_date_to_civil (days, &year, &month, &day);
    char text [40];
    snprintf (text, sizeof text, "%04d-%02d-%02d", (int) (year % 10000), month, day);
    memcpy (out, text, AS_DATE_SIZE - 1);
    out [AS_DATE_SIZE - 1] = 0;
}

int64_t
as_date_add_months (int64_t days, int months)
{
    int64_t year;
    int month, day;
    as_date_to_civil (days, &year, &month, &day);
    int64_t index = year * 12 + (month - 1) + months;
    year = index >= 0 ? index / 12 : -((-index + 11) / 12);
    month = (int) (index - year * 12) + 1;
    int length = as_date_month_length (year, month);
    if (day > length)
        return as_date_from_civil (year, month, length) + 1;
    return as_date_from_civil (year, month, day);
}

int64_t
as_date_period_end (int64_t days, int months)
{
    return as_date_add_months (days, months) - 1;
}

bool
as_date_instant_parse (const char *text, int64_t *seconds)
{
    int64_t days;
    int hour, minute, second;
    if (!text || strlen (text) < 20 || !s_date_prefix (text, &days) || (text [10] != 'T' && text [10] != 't')
    ||  text [13] != ':' || text [16] != ':'
    ||  !s_digits (text + 11, 2, &hour) || !s_digits (text + 14, 2, &minute) || !s_digits (text + 17, 2, &second)
    ||  hour > 23 || minute > 59 || second > 60)        //  60: a leap second
        return false;
    const char *zone = text + 19;
    if (*zone == '.') {
        size_t digits = strspn (zone + 1, "0123456789");
        if (digits == 0)
            return false;
        zone += 1 + digits;
    }
    int64_t zone_seconds = 0;
    if (*zone == '+' || *zone == '-') {
        int zone_hour, zone_minute;
        if (strlen (zone) != 6 || zone [3] != ':' || !s_digits (zone + 1, 2, &zone_hour)
        ||  !s_digits (zone + 4, 2, &zone_minute) || zone_hour > 23 || zone_minute > 59)
            return false;
        zone_seconds = (zone_hour * 3600 + zone_minute * 60) * (*zone == '-' ? -1 : 1);
    }
    else
    if (strcmp (zone, "Z") && strcmp (zone, "z"))
        return false;
    *seconds = days * 86400 + hour * 3600 + minute * 60 + second - zone_seconds;
    return true;
}

bool
as_date_of_instant (const char *text, int64_t offset_seconds, int64_t *days)
{
    int64_t seconds;
    if (!as_date_instant_parse (text, &seconds))
        return false;
    seconds += offset_seconds;
    *days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    return true;
}

//  --------------------------------------------------------------------------

static void
s_check_format (int64_t days, const char *expected)
{
    char text [AS_DATE_SIZE];
    as_date_format (days, text);
    if (strcmp (text, expected))
        fprintf (stderr, "as_date: %lld -> %s, expected %s\n", (long long) days, text, expected);
    AS_CHECK (strcmp (text, expected) == 0);
}

int
as_clock_parse (const char *text)
{
    for (int index = 0; index < 5; index++)
        if (index == 2 ? text [index] != ':' : !isdigit ((unsigned char) text [index]))
            return -1;
    int hours = (text [0] - '0') * 10 + text [1] - '0', minutes = (text [3] - '0') * 10 + text [4] - '0';
    return text [5] || hours > 23 || minutes > 59 ? -1 : hours * 60 + minutes;
}

void
as_date_test (bool verbose)
{
    (void) verbose;
    AS_CHECK (as_clock_parse ("09:00") == 540 && as_clock_parse ("23:59") == 1439 && as_clock_parse ("00:00") == 0);
    const char *not_times [] = { "9:00", " 9:00", "+9:00", "-0:30", "24:00", "09:60", "09:000", "09-00", "", NULL };
    for (int index = 0; not_times [index]; index++)
        AS_CHECK (as_clock_parse (not_times [index]) == -1);
    int64_t days;
    AS_CHECK (as_date_parse ("1970-01-01", &days) && days == 0);
    AS_CHECK (as_date_parse ("2000-03-01", &days) && days == 11017);
    s_check_format (days, "2000-03-01");
    s_check_format (-1, "1969-12-31");
    AS_CHECK (as_date_parse ("2000-02-29", &days));
    AS_CHECK (!as_date_parse ("2100-02-29", &days));
    AS_CHECK (!as_date_parse ("2026-13-01", &days));
    AS_CHECK (!as_date_parse ("2026-04-31", &days));
    AS_CHECK (!as_date_parse ("2026-4-01", &days));
    AS_CHECK (!as_date_parse ("2026-04-011", &days));
    AS_CHECK (!as_date_parse ("", &days) && !as_date_parse (NULL, &days));
    //  Every day of 1900..2100 round-trips and follows the one before.
    int64_t previous = as_date_from_civil (1899, 12, 31);
    for (int year = 1900; year <= 2100; year++)
        for (int month = 1; month <= 12; month++)
            for (int day = 1; day <= as_date_month_length (year, month); day++) {
                int64_t number = as_date_from_civil (year, month, day), back_year;
                int back_month, back_day;
                as_date_to_civil (number, &back_year, &back_month, &back_day);
                AS_CHECK (number == previous + 1 && back_year == year && back_month == month && back_day == day);
                previous = number;
            }
    AS_CHECK (as_date_weekday (0) == 4);                            //  Thursday
    AS_CHECK (as_date_parse ("2026-10-05", &days) && as_date_weekday (days) == 1);
    AS_CHECK (as_date_weekday (-1) == 3);

    //  Months: a missing day moves to the first of the next month.
    AS_CHECK (as_date_parse ("2025-03-31", &days));
    s_check_format (as_date_add_months (days, 1), "2025-05-01");
    s_check_format (as_date_period_end (days, 1), "2025-04-30");
    s_check_format (as_date_period_end (days, 36), "2028-03-30");
    s_check_format (as_date_add_months (days, -1), "2025-03-01");
    s_check_format (as_date_add_months (days, -3), "2024-12-31");
    AS_CHECK (as_date_parse ("2024-02-29", &days));
    s_check_format (as_date_add_months (days, 12), "2025-03-01");
    s_check_format (as_date_period_end (days, 12), "2025-02-28");
    s_check_format (as_date_add_months (days, 48), "2028-02-29");
    AS_CHECK (as_date_add_months (as_date_from_civil (0, 1, 15), -1) == as_date_from_civil (-1, 12, 15));

    //  Instants and the business date of an instant at an offset.
    int64_t seconds;
    AS_CHECK (as_date_instant_parse ("1970-01-01T00:00:00Z", &seconds) && seconds == 0);
    AS_CHECK (as_date_instant_parse ("1970-01-01T08:00:01.5+08:00", &seconds) && seconds == 1);
    AS_CHECK (as_date_instant_parse ("1969-12-31T19:00:00-05:00", &seconds) && seconds == 0);
    AS_CHECK (!as_date_instant_parse ("2027-02-28 16:00:00Z", &seconds));
    AS_CHECK (!as_date_instant_parse ("2027-02-30T16:00:00Z", &seconds));
    AS_CHECK (!as_date_instant_parse ("2027-02-28T24:00:00Z", &seconds));
    AS_CHECK (!as_date_instant_parse ("2027-02-28T16:00:00.Z", &seconds));
    AS_CHECK (!as_date_instant_parse ("2027-02-28T16:00:00+0800", &seconds));
    AS_CHECK (!as_date_instant_parse ("2027-02-28T16:00:00", &seconds));
    static const struct {
        const char *instant;
        int offset;
        const char *date;
    } rows [] = {
        { "2027-02-28T15:59:59.999Z", 8 * 3600, "2027-02-28" },
        { "2027-02-28T16:00:00.000Z", 8 * 3600, "2027-03-01" },
        { "2027-02-28T16:30:00Z", 0, "2027-02-28" },
        { "2027-02-28T23:59:59+08:00", 8 * 3600, "2027-02-28" },
        { "2027-03-01T00:30:00+08:00", 0, "2027-02-28" },
        { "2026-01-01T03:00:00Z", -5 * 3600, "2025-12-31" },
        { "2024-02-28T20:00:00Z", 8 * 3600, "2024-02-29" },
        { "1970-01-01T03:00:00Z", -5 * 3600, "1969-12-31" },
    };
    for (size_t index = 0; index < sizeof rows / sizeof rows [0]; index++) {
        AS_CHECK (as_date_of_instant (rows [index].instant, rows [index].offset, &days));
        s_check_format (days, rows [index].date);
    }
}
