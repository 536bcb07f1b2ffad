/*  as_vrp_solomon: the Solomon VRPTW text format, parsed by tokens.      */
#include "as_vrp_solomon.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *at;
    char token [64];
} s_lexer_t;

//  Next whitespace-separated token, or false at the end of the text.
static bool
s_next (s_lexer_t *lex)
{
    while (*lex->at && isspace ((unsigned char) *lex->at))
        lex->at++;
    if (!*lex->at)
        return false;
    size_t len = 0;
    while (*lex->at && !isspace ((unsigned char) *lex->at)) {
        if (len < sizeof lex->token - 1)
            lex->token [len++] = *lex->at;
        lex->at++;
    }
    lex->token [len] = 0;
    return true;
}

static bool
s_number (s_lexer_t *lex, double *value)
{
    if (!s_next (lex))
        return false;
    char *end;
    *value = strtod (lex->token, &end);
    return end != lex->token && *end == 0;
}

//  Skip to the token after `word`; false if it never comes.
static bool
s_skip_past (s_lexer_t *lex, const char *word)
{
    while (s_next (lex))
        if (strcmp (lex->token, word) == 0)
            return true;
    return false;
}

//  Skip the column titles of the CUSTOMER table: stop on the first number.
static bool
s_first_number (s_lexer_t *lex, double *value)
{
    while (s_next (lex)) {
        char *end;
        *value = strtod (lex->token, &end);
        if (end != lex->token && *end == 0)
            return true;
    }
    return false;
}

static as_vrp_problem_t *
s_fail (as_vrp_problem_t **problem, char *error, size_t size, const char *why)
{
    snprintf (error, size, "%s", why);
    as_vrp_problem_destroy (problem);
    return NULL;
}

as_vrp_problem_t *
as_vrp_solomon_parse (const char *text, as_vrp_solomon_t *info, char *error, size_t error_size)
{
    s_lexer_t lex = { .at = text };
    memset (info, 0, sizeof *info);
    as_vrp_problem_t *problem = as_vrp_problem_new ();
    if (!problem || !s_next (&lex))
        return s_fail (&problem, error, error_size, "empty text");
    snprintf (info->name, sizeof info->name, "%s", lex.token);
    double fleet, capacity, row [7];
    if (!s_skip_past (&lex, "CAPACITY") || !s_number (&lex, &fleet) || !s_number (&lex, &capacity)
    ||  fleet < 1 || capacity < 0)
        return s_fail (&problem, error, error_size, "no VEHICLE NUMBER CAPACITY block");
    if (!s_skip_past (&lex, "CUSTOMER") || !s_first_number (&lex, &row [0]))
        return s_fail (&problem, error, error_size, "no CUSTOMER table");
    for (int count = 0; ; count++) {
        for (int col = 1; col < 7; col++)
            if (!s_number (&lex, &row [col]))
                return s_fail (&problem, error, error_size, "CUSTOMER row cut short");
        if ((int) row [0] != count)
            return s_fail (&problem, error, error_size, "customers not numbered 0, 1, 2...");
        int site = as_vrp_problem_add_site (problem, row [1], row [2]);
        if (count == 0) {
            for (int k = 0; k < (int) fleet; k++) {
                as_vrp_vehicle_t vehicle = { .start_site = site, .end_site = site,
                    .shift_start = row [4], .shift_end = row [5], .capacity = (int) capacity };
                as_vrp_problem_add_vehicle (problem, &vehicle);
            }
        }
        else {
            as_vrp_visit_t visit = as_vrp_visit_default (site, row [4], row [5], row [6]);
            visit.demand = (int) row [3];
            if (as_vrp_problem_add_visit (problem, &visit) < 0)
                return s_fail (&problem, error, error_size, "bad customer row");
        }
        if (!s_number (&lex, &row [0]))
            break;
    }
    info->vehicles = (int) fleet;
    info->capacity = (int) capacity;
    info->customers = as_vrp_problem_visits (problem);
    if (info->customers == 0)
        return s_fail (&problem, error, error_size, "no customers");
    as_vrp_problem_set_euclidean (problem, 1, 1);
    return problem;
}
