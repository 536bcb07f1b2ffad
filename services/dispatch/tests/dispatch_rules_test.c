/*  The pure rules of dispatchd: the visit life cycle, skill bits and
    great-circle distances.                                               */
#include "dispatch.h"
#include "as_test.h"
#include <math.h>
#include <string.h>

//  The daemon's settings live in dispatchd.c; the rules need none.
static dispatch_config_t s_config;

dispatch_config_t *
dispatch_config (as_service_t *service)
{
    (void) service;
    return &s_config;
}

int
main (void)
{
    //  The life cycle in order, and nothing out of order.
    const char *path [] = { "unscheduled", "scheduled", "dispatched", "confirmed", "en_route", "on_site", "completed" };
    for (int step = 0; step + 1 < 7; step++) {
        AS_CHECK (dispatch_transition_allowed (path [step], path [step + 1]));
        AS_CHECK (!dispatch_transition_allowed (path [step + 1], path [step]) || step + 1 <= 3);
        for (int skip = step + 2; skip < 7; skip++)
            AS_CHECK (!dispatch_transition_allowed (path [step], path [skip]));
    }
    AS_CHECK (dispatch_transition_allowed ("on_site", "needs_parts"));
    AS_CHECK (dispatch_transition_allowed ("on_site", "taken_to_workshop"));
    AS_CHECK (!dispatch_transition_allowed ("en_route", "cancelled"));
    AS_CHECK (!dispatch_transition_allowed ("completed", "scheduled"));
    AS_CHECK (!dispatch_transition_allowed ("cancelled", "unscheduled"));
    AS_CHECK (!dispatch_transition_allowed ("scheduled", "scheduled"));

    AS_CHECK (dispatch_category_index ("air_conditioner") == 0);
    AS_CHECK (dispatch_category_index ("smart_home") == 10);
    AS_CHECK (dispatch_category_index ("toaster") == -1);
    AS_CHECK (dispatch_category_index (NULL) == -1);

    //  Beijing to Shanghai is about 1068 km; one degree of latitude 111 km.
    double beijing_shanghai = dispatch_distance (39.9042, 116.4074, 31.2304, 121.4737);
    AS_CHECK (fabs (beijing_shanghai - 1068000) < 5000);
    AS_CHECK (fabs (dispatch_distance (0, 0, 1, 0) - 111195) < 100);
    AS_CHECK (dispatch_distance (10, 20, 10, 20) == 0);
    printf ("dispatch rules: OK\n");
    return 0;
}
