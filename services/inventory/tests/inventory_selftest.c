/*  Self-test of inventory's pure rules (no database): the CSV splitter,
    the normal quantile and the reorder point on a demand series worked out
    by hand.                                                                */
#include "inventory.h"
#include "as_test.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static void
s_csv (void)
{
    char line [] = "FM-35,\"Fan motor, 35 W\",KFR-35GW|KFR-26GW,12850,regular,\"Midea \"\"Parts\"\"\",3";
    char *fields [8];
    AS_CHECK (inventory_csv_split (line, fields, 8) == 7);
    AS_CHECK (strcmp (fields [0], "FM-35") == 0);
    AS_CHECK (strcmp (fields [1], "Fan motor, 35 W") == 0);
    AS_CHECK (strcmp (fields [2], "KFR-35GW|KFR-26GW") == 0);
    AS_CHECK (strcmp (fields [5], "Midea \"Parts\"") == 0);
    AS_CHECK (strcmp (fields [6], "3") == 0);
    char empty [] = "a,,c";
    AS_CHECK (inventory_csv_split (empty, fields, 8) == 3 && fields [1][0] == 0);
    char unterminated [] = "a,\"b,c";
    AS_CHECK (inventory_csv_split (unterminated, fields, 8) == -1);
    char junk [] = "a,\"b\"x,c";
    AS_CHECK (inventory_csv_split (junk, fields, 8) == -1);
    char many [] = "1,2,3";
    AS_CHECK (inventory_csv_split (many, fields, 2) == -1);
}

static void
s_quantile (void)
{
    //  Reference values of the standard normal distribution.
    AS_CHECK (fabs (inventory_normal_quantile (0.5)) < 1e-9);
    AS_CHECK (fabs (inventory_normal_quantile (0.95) - 1.6448536270) < 1e-6);
    AS_CHECK (fabs (inventory_normal_quantile (0.975) - 1.9599639845) < 1e-6);
    AS_CHECK (fabs (inventory_normal_quantile (0.99) - 2.3263478740) < 1e-6);
    AS_CHECK (fabs (inventory_normal_quantile (0.01) + 2.3263478740) < 1e-6);
    AS_CHECK (inventory_normal_quantile (1.0) == 0);
}

//  Series (oldest first) 0 4 0 0 2 0 3 0, alpha 0.5, service level 95 %,
//  lead time 4 days. By hand (SBA factor 1 - alpha/2 = 0.75):
//    day 1: first demand 4 after 2 days: z = 4, p = 2, forecast 0.75*4/2 = 1.5
//    day 4: demand 2 after 3 days: z = 4 + .5(2-4) = 3, p = 2 + .5(3-2) = 2.5, f = 0.9
//    day 6: demand 3 after 2 days: z = 3, p = 2.5 + .5(2-2.5) = 2.25, f = 1.0
//    one-step errors days 2..7: -1.5 -1.5 0.5 -0.9 2.1 -1.0,
//    squares 2.25+2.25+0.25+0.81+4.41+1.00 = 10.97, sigma = sqrt(10.97/6) = 1.352158
//    safety stock = 1.644854 * 1.352158 * sqrt(4) = 4.44822
//    reorder point = ceil(1.0 * 4 + 4.44822) = 9
static void
s_reorder_point (void)
{
    int64_t series [] = { 0, 4, 0, 0, 2, 0, 3, 0 };
    inventory_reorder_t out;
    inventory_reorder_compute (series, 8, 0.5, 0.95, 4, &out);
    AS_CHECK (fabs (out.daily_demand - 1.0) < 1e-12);
    AS_CHECK (fabs (out.sigma_daily - 1.352158) < 1e-6);
    AS_CHECK (fabs (out.safety_stock - 4.44822) < 1e-4);
    AS_CHECK (out.reorder_point == 9);
    //  A longer lead time needs more: 1.0*9 + 1.644854*1.352158*3 = 15.67 -> 16.
    inventory_reorder_compute (series, 8, 0.5, 0.95, 9, &out);
    AS_CHECK (out.reorder_point == 16);
    //  No demand in the window: nothing to reorder for.
    int64_t quiet [] = { 0, 0, 0 };
    inventory_reorder_compute (quiet, 3, 0.1, 0.95, 5, &out);
    AS_CHECK (out.daily_demand == 0 && out.reorder_point == 0);
    //  Steady demand of 2 a day: no forecast error after the start, point = 2 * L.
    int64_t steady [] = { 2, 2, 2, 2, 2, 2 };
    inventory_reorder_compute (steady, 6, 0.2, 0.95, 3, &out);
    AS_CHECK (fabs (out.daily_demand - 0.9 * 2) < 1e-12);       //  SBA's (1 - alpha/2) on 2/1
    AS_CHECK (out.reorder_point == (int64_t) ceil (1.8 * 3 + 1.644854 * 0.2 * sqrt (3.0) - 1e-9));
}

int
main (void)
{
    s_csv ();
    s_quantile ();
    s_reorder_point ();
    printf ("inventory rules: OK\n");
    return 0;
}
