/*  as_cli: the shared body of every service's operator CLI (intakectl,
    billingctl ...). A CLI is a table of commands; each command names its RPC
    method, its options and where each option goes in the params, and how
    to print the answer as a table. as_cli_main parses, calls, prints:
    human tables by default (phone numbers masked), --json for scripts,
    --help and `help` everywhere, exit 0 success / 1 refused or no answer /
    2 usage (the service's invalid_argument included). CLIs with commands
    of their own (busctl, surveyctl report) use the helpers at the end for
    the same checks, messages and exit statuses.                          */
#ifndef AS_CLI_H
#define AS_CLI_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include "as_rpc.h"

typedef enum {
    AS_CLI_STR,                 //  "--name Li" -> "name": "Li"
    AS_CLI_NUMBER,              //  decimal digits: a whole number (exact), or with a
                                //  fraction where the catalogue's field is a float
    AS_CLI_BOOL,                //  true/false/yes/no/1/0
    AS_CLI_JSON,                //  the value is JSON: arrays and maps
    AS_CLI_FLAG,                //  no value: present means true
    AS_CLI_FILE                 //  the value names a file; its text is sent
} as_cli_kind_t;

//  An option whose flag is "" is the command's positional argument (a part
//  number, a file to send): `inventoryctl part import parts.csv`. A flag
//  listed twice fills each of its paths (a file's text and its name). A
//  required option is satisfied by any option that fills its path. A flag
//  may be given an explicit value: "--late no".
typedef struct {
    const char *flag;           //  "--name", or "" for the positional argument
    const char *path;           //  where it goes in params: "customer.name"
    as_cli_kind_t kind;
    bool required;
} as_cli_option_t;

typedef void (as_cli_print_fn) (const msgpack_object *result);

typedef struct {
    const char *name;           //  "report", or two words: "part add"
    const char *method;         //  "case.report"
    const char *usage;          //  options, shown by --help
    const char *help;           //  one line
    const char *id_param;       //  a positional id goes here ("case_id"), or NULL
    const as_cli_option_t *options;     //  NULL-flag terminated
    as_cli_print_fn *print;     //  human output; NULL prints the JSON
} as_cli_command_t;

typedef struct {
    const char *program;        //  "intakectl"
    const char *service;        //  endpoint name: "intake"
    const char *summary;        //  one line for --help
    const as_cli_command_t *commands;   //  NULL-name terminated
} as_cli_t;

int as_cli_main (const as_cli_t *cli, int argc, char *argv []);

//  The same, for a CLI whose service takes a form the command line does not
//  give directly (a CSV file as records): prepare reshapes the params built
//  from the arguments before the call. It returns 0, or -1 with why filled
//  (bad usage: exit 2).
struct cJSON;
typedef int (as_cli_prepare_fn) (const as_cli_command_t *command, struct cJSON *params, char *why, size_t size);
int as_cli_main_prepare (const as_cli_t *cli, as_cli_prepare_fn *prepare, int argc, char *argv []);

//  For printers: "138****8000"; a field as text ("-" when absent, numbers
//  and booleans converted); a table row of fields from a map.
void as_cli_mask_phone (const char *phone, char *out, size_t size);
const char *as_cli_text (const msgpack_object *map, const char *key, char *buffer, size_t size);

//  For CLIs with commands of their own.
#define AS_CLI_TIMEOUT_MAX 3600000
//  A whole number in decimal digits (no sign but '-', no hex, no fraction)
//  within min..max: 0, or -1 with why ("--count: 'abc' is not a whole
//  number", "... is out of range (1..100)").
int as_cli_parse_int (const char *name, const char *text, long long min, long long max, long long *value,
                      char *why, size_t size);
//  "--timeout MS": milliseconds for the first attempt, 1..AS_CLI_TIMEOUT_MAX.
int as_cli_parse_timeout (const char *text, int *timeout_ms, char *why, size_t size);
//  The endpoint of a name ("intake", "bus_ingress"), once the environment
//  that makes it holds up (AFTERSALES_PORT_BASE a port base within the
//  daemons' bounds); NULL + why otherwise or for an unknown name.
const char *as_cli_endpoint (const char *name, char *why, size_t size);
//  A client of that endpoint with this first timeout and retries; NULL
//  after printing "<program>: why" (a bad environment: *status 2; cannot
//  connect to the endpoint: *status 1).
as_rpc_client_t *as_cli_client (const char *program, const char *name, int timeout_ms, int retries, int *status);
//  Exit status of an answer: 0 a result; else prints the refusal on one
//  line on stderr, and 2 for invalid_argument (bad usage), 1 otherwise.
int as_cli_refusal (const char *program, const as_rpc_reply_t *reply);

void as_cli_test (bool verbose);

#endif
