/*  as_vrp_solomon: the Solomon VRPTW text format, parsed from memory (the
    caller reads the file; the library does no I/O).

    Customer 0 is the depot: its window is the shift of every vehicle, and
    customers 1..N become visits 0..N-1. Travel is Euclidean in double
    precision, travel time = distance, as in the published best-known
    results. Header spacing varies between files, so parsing is by tokens. */
#ifndef AS_VRP_SOLOMON_H
#define AS_VRP_SOLOMON_H

#include <stddef.h>
#include "as_vrp.h"

typedef struct {
    char name [64];             //  first token of the file, e.g. "C101"
    int vehicles;               //  the fleet size of the VEHICLE block
    int capacity;
    int customers;
} as_vrp_solomon_t;

//  Returns a new problem, or NULL with a one-line reason in error.
as_vrp_problem_t *as_vrp_solomon_parse (const char *text, as_vrp_solomon_t *info,
                                        char *error, size_t error_size);

#endif
