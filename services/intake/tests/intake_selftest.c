/*  Self-test of intake's domain rules (no database needed).                */
#include "intake_cases.h"
#include <stdio.h>

int
main (void)
{
    intake_cases_test (false);
    printf ("intake_cases: OK\n");
    intake_closing_test (false);
    printf ("intake_closing: OK\n");
    return 0;
}
