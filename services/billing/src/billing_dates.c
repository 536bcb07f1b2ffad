/*  billing_dates: business dates as day numbers, integers only.           */
#include "billing_dates.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

//  Howard Hinnant's days_from_civil / civil_from_days: exact for every
//  Gregorian date, no floating point, no time zone.
static int64_t
s_days_from_civil (int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static void
s_civil_from_days (int64_t days, int64_t *year, int *month, int *day)
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

static int
s_month_length (int64_t year, int month)
{
    static const int lengths [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : lengths [month - 1];
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

bool
billing_date_parse (const char *text, int64_t *days)
{
    int year, month, day;
    if (!text || strlen (text) != 10 || text [4] != '-' || text [7] != '-'
    ||  !s_digits (text, 4, &year) || !s_digits (text + 5, 2, &month) || !s_digits (text + 8, 2, &day))
        return false;
    if (month < 1 || month > 12 || day < 1 || day > s_month_length (year, month))
        return false;
    *days = s_days_from_civil (year, month, day);
    return true;
}

void
billing_date_format (int64_t days, char *out)
{
    int64_t year;
    int month, day;
    s_civil_from_days (days, &year, &month, &day);
    char text [40];
    snprintf (text, sizeof text, "%04d-%02d-%02d", (int) (year % 10000), month, day);
    memcpy (out, text, BILLING_DATE_SIZE - 1);
    out [BILLING_DATE_SIZE - 1] = 0;
}

int64_t
billing_date_add_months (int64_t days, int months)
{
    int64_t year;
    int month, day;
    s_civil_from_days (days, &year, &month, &day);
    int64_t index = year * 12 + (month - 1) + months;
    year = index / 12;
    month = (int) (index % 12) + 1;
    if (day > s_month_length (year, month))
        return s_days_from_civil (year, month, s_month_length (year, month)) + 1;
    return s_days_from_civil (year, month, day);
}

int64_t
billing_date_period_end (int64_t days, int months)
{
    return billing_date_add_months (days, months) - 1;
}

//  "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)"
bool
billing_date_of_instant (const char *text, int64_t offset_seconds, int64_t *days)
{
    char date [BILLING_DATE_SIZE];
    int hour, minute, second;
    if (!text || strlen (text) < 20 || (text [10] != 'T' && text [10] != 't'))
        return false;
    memcpy (date, text, 10);
    date [10] = 0;
    if (!billing_date_parse (date, days) || text [13] != ':' || text [16] != ':'
    ||  !s_digits (text + 11, 2, &hour) || !s_digits (text + 14, 2, &minute) || !s_digits (text + 17, 2, &second)
    ||  hour > 23 || minute > 59 || second > 60)
        return false;
    const char *zone = text + 19;
    if (*zone == '.')
        for (zone++; isdigit ((unsigned char) *zone); zone++)
            ;
    int64_t zone_seconds = 0;
    if (*zone == '+' || *zone == '-') {
        int zone_hour, zone_minute;
        if (strlen (zone) != 6 || zone [3] != ':' || !s_digits (zone + 1, 2, &zone_hour)
        ||  !s_digits (zone + 4, 2, &zone_minute))
            return false;
        zone_seconds = (zone_hour * 3600 + zone_minute * 60) * (*zone == '-' ? -1 : 1);
    }
    else
    if (strcmp (zone, "Z") && strcmp (zone, "z"))
        return false;
    int64_t seconds = *days * 86400 + hour * 3600 + minute * 60 + second - zone_seconds + offset_seconds;
    *days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    return true;
}
