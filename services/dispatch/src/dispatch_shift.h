/*  dispatch_shift: an engineer's working time as text, checked the same way
    by dispatchd (engineer.add, engineer.import, its day settings) and by
    dispatchctl (each line of an engineers' CSV file before it is sent).
    No I/O, no service: dispatchctl links it alone.                       */
#ifndef DISPATCH_SHIFT_H
#define DISPATCH_SHIFT_H

#include <stddef.h>

//  "HH:MM" (or "H:MM") local time as minutes from midnight, 00:00 to 24:00;
//  -1 when it is not a time of day.
int dispatch_clock_minutes (const char *text);

//  A shift from `start` to `end` (HH:MM; "" means the default 09:00 and
//  18:00) and a rota `work_days` (ISO weekday digits 1-7; "" means every
//  day): 0, or -1 with why filled ("shift start 25:00 is not a time of day
//  (HH:MM)").
int dispatch_shift_check (const char *start, const char *end, const char *work_days, char *why, size_t size);

#endif
