/*  as_error: the one table of error codes.                                   */
#include "as_error.h"
#include "as_test.h"
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int http;
    const char *message;
} s_codes [] = {
#define AS_X_ROW(e, name, http, msg) { name, http, msg },
    AS_ERROR_LIST (AS_X_ROW)
#undef AS_X_ROW
};

const char *
as_code_name (as_code_t code)
{
    if ((int) code < 0 || code >= AS_CODE_COUNT)
        return "unknown";
    return s_codes [code].name;
}

int
as_code_from_name (const char *name)
{
    if (!name)
        return -1;
    for (int code = 0; code < AS_CODE_COUNT; code++)
        if (strcmp (s_codes [code].name, name) == 0)
            return code;
    return -1;
}

int
as_code_http_status (as_code_t code)
{
    if ((int) code < 0 || code >= AS_CODE_COUNT)
        return 500;
    return s_codes [code].http;
}

void
as_error_clear (as_error_t *err)
{
    if (!err)
        return;
    err->code = AS_OK;
    err->message [0] = 0;
    err->detail [0] = 0;
    err->sqlstate [0] = 0;
}

int
as_error_setv (as_error_t *err, as_code_t code, const char *format, va_list args)
{
    if (!err)
        return -1;
    err->code = code;
    if (format)
        vsnprintf (err->message, sizeof err->message, format, args);
    else
        snprintf (err->message, sizeof err->message, "%s", s_codes [code].message);
    err->detail [0] = 0;
    err->sqlstate [0] = 0;
    return -1;
}

int
as_error_set (as_error_t *err, as_code_t code, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    as_error_setv (err, code, format, args);
    va_end (args);
    return -1;
}

void
as_error_detail (as_error_t *err, const char *format, ...)
{
    if (!err)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (err->detail, sizeof err->detail, format, args);
    va_end (args);
}

void
as_error_test (bool verbose)
{
    (void) verbose;
    AS_CHECK (strcmp (as_code_name (AS_INVALID_ARGUMENT), "invalid_argument") == 0);
    AS_CHECK (as_code_from_name ("not_found") == AS_NOT_FOUND);
    AS_CHECK (as_code_from_name ("no_such_code") == -1);
    AS_CHECK (strcmp (as_code_name ((as_code_t) 999), "unknown") == 0);
    AS_CHECK (as_code_http_status (AS_NOT_FOUND) == 404);
    for (int code = 0; code < AS_CODE_COUNT; code++)
        AS_CHECK (as_code_from_name (as_code_name ((as_code_t) code)) == code);

    as_error_t err;
    as_error_clear (&err);
    AS_CHECK (err.code == AS_OK);
    int rc = as_error_set (&err, AS_NOT_FOUND, "case %d not found", 42);
    AS_CHECK (rc == -1);
    AS_CHECK (err.code == AS_NOT_FOUND);
    AS_CHECK (strcmp (err.message, "case 42 not found") == 0);
    as_error_detail (&err, "hint: %s", "check the id");
    AS_CHECK (strcmp (err.detail, "hint: check the id") == 0);
    //  A message longer than the buffer is cut, not overrun.
    char long_text [600];
    memset (long_text, 'x', sizeof long_text - 1);
    long_text [sizeof long_text - 1] = 0;
    as_error_set (&err, AS_INTERNAL, "%s", long_text);
    AS_CHECK (strlen (err.message) == AS_ERROR_MESSAGE_MAX - 1);
}
