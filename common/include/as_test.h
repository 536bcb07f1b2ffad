/*  as_test: checks for self-tests. Always on, whatever NDEBUG says.          */
#ifndef AS_TEST_H
#define AS_TEST_H

#include <stdio.h>
#include <stdlib.h>

#define AS_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "%s:%d: check failed: %s\n",                      \
                     __FILE__, __LINE__, #cond);                               \
            abort ();                                                          \
        }                                                                      \
    } while (0)

#endif
