/*  dispatch_shift: an engineer's working time as text (see the header).  */
#include "dispatch_shift.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The engineers table's defaults (sql/001_dispatch.sql).
#define S_DEFAULT_START "09:00"
#define S_DEFAULT_END   "18:00"

int
dispatch_clock_minutes (const char *text)
{
    size_t length = strlen (text);
    if (length < 4 || length > 5 || text [length - 3] != ':')
        return -1;
    for (size_t index = 0; index < length; index++)
        if (index != length - 3 && !isdigit ((unsigned char) text [index]))
            return -1;
    int hours = atoi (text), minutes = atoi (text + length - 2);
    if (minutes > 59 || hours * 60 + minutes > 24 * 60)
        return -1;
    return hours * 60 + minutes;
}

int
dispatch_shift_check (const char *start, const char *end, const char *work_days, char *why, size_t size)
{
    const char *from = *start ? start : S_DEFAULT_START, *to = *end ? end : S_DEFAULT_END;
    if (dispatch_clock_minutes (from) < 0) {
        snprintf (why, size, "shift start %s is not a time of day (HH:MM)", from);
        return -1;
    }
    if (dispatch_clock_minutes (to) < 0) {
        snprintf (why, size, "shift end %s is not a time of day (HH:MM)", to);
        return -1;
    }
    if (dispatch_clock_minutes (to) <= dispatch_clock_minutes (from)) {
        snprintf (why, size, "shift ends at %s, not after it starts at %s", to, from);
        return -1;
    }
    for (const char *day = work_days; *day; day++)
        if (*day < '1' || *day > '7') {
            snprintf (why, size, "work days %s: ISO weekdays are the digits 1 (Monday) to 7 (Sunday), e.g. 12345",
                      work_days);
            return -1;
        }
    return 0;
}
