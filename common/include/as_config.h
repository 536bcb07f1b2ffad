/*  as_config: settings as a table of names, types, defaults and bounds.

    Sources, later wins: the default, a JSON file (--config FILE or
    AFTERSALES_CONFIG; keys are the setting names), the environment variable
    of the same name. Every value is validated at start-up; --help prints the
    table. A daemon's table is the common settings plus its own.             */
#ifndef AS_CONFIG_H
#define AS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "as_error.h"

typedef enum { AS_CFG_STR, AS_CFG_INT, AS_CFG_BOOL } as_cfg_type_t;

#define AS_CFG_STR_MAX 512

typedef struct {
    const char *name;           //  environment variable, e.g. "AFTERSALES_PG"
    as_cfg_type_t type;
    const char *fallback;       //  default as text ("" for empty)
    int64_t min, max;           //  bounds for AS_CFG_INT
    const char *help;
    //  value after as_config_load
    char text [AS_CFG_STR_MAX];
    int64_t number;             //  AS_CFG_INT and AS_CFG_BOOL (0/1)
} as_setting_t;

//  Load defaults, file and environment into the NULL-name terminated table.
//  Returns 0, or -1 with err naming the setting and what is wrong.
int as_config_load (as_setting_t *table, const char *file, as_error_t *err);
//  Find a setting by name (NULL if absent). Look-ups are by full name.
as_setting_t *as_config_find (as_setting_t *table, const char *name);
const char *as_config_str (as_setting_t *table, const char *name);
int64_t as_config_int (as_setting_t *table, const char *name);
//  Print the table (name, type, default, bounds, help) for --help.
void as_config_print_help (as_setting_t *table, FILE *out);

//  Endpoints of the suite. Each is "tcp://HOST:PORT" with HOST from
//  AFTERSALES_HOST (default 127.0.0.1) and PORT = AFTERSALES_PORT_BASE
//  (default 7700) + the endpoint's offset, unless the variable
//  AFTERSALES_<NAME>_ENDPOINT (e.g. AFTERSALES_INTAKE_ENDPOINT) is set.
//  Names: bus_pub (publishers connect, XSUB), bus_sub (subscribers, XPUB),
//  bus_ingress, intake, dispatch, inventory, billing, survey.
//  Returns NULL for an unknown name. The string is static per name.
const char *as_endpoint (const char *name);
//  Same endpoint rewritten for binding: the host becomes "*" when
//  AFTERSALES_BIND_ALL=1 (containers), else unchanged.
const char *as_endpoint_bind (const char *name);

//  The settings of every process of the suite that talks on the network
//  (log level, endpoints, CurveZMQ): daemons put them first in their table.
//  NULL-name terminated.
extern const as_setting_t as_config_suite_settings [];
//  After loading: put the endpoint and CurveZMQ settings of the table into
//  the environment, where as_endpoint and as_curve read them, so values
//  from a config file count too.
void as_config_export (as_setting_t *table);

void as_config_test (bool verbose);

#endif
