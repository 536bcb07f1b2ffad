/*  as_error: the one table of error codes of the suite.

    Codes follow the canonical gRPC names; the gateway maps them to HTTP.
    An as_error_t carries a code, a one-line message, an optional detail and,
    where the error came from PostgreSQL, its SQLSTATE.                        */
#ifndef AS_ERROR_H
#define AS_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

//  X(ENUM, "name", http_status, "default message")
#define AS_ERROR_LIST(X)                                                       \
    X (OK,                  "ok",                  200, "success")            \
    X (INVALID_ARGUMENT,    "invalid_argument",    400, "invalid argument")   \
    X (NOT_FOUND,           "not_found",           404, "not found")          \
    X (ALREADY_EXISTS,      "already_exists",      409, "already exists")     \
    X (FAILED_PRECONDITION, "failed_precondition", 409, "failed precondition")\
    X (ABORTED,             "aborted",             409, "aborted, retry")     \
    X (PERMISSION_DENIED,   "permission_denied",   403, "permission denied")  \
    X (UNAUTHENTICATED,     "unauthenticated",     401, "unauthenticated")    \
    X (RESOURCE_EXHAUSTED,  "resource_exhausted",  429, "resource exhausted") \
    X (UNIMPLEMENTED,       "unimplemented",       501, "unknown method")     \
    X (UNAVAILABLE,         "unavailable",         503, "unavailable")        \
    X (DEADLINE_EXCEEDED,   "deadline_exceeded",   504, "deadline exceeded")  \
    X (INTERNAL,            "internal",            500, "internal error")

typedef enum {
#define AS_X_ENUM(e, name, http, msg) AS_##e,
    AS_ERROR_LIST (AS_X_ENUM)
#undef AS_X_ENUM
    AS_CODE_COUNT
} as_code_t;

#define AS_ERROR_MESSAGE_MAX 256

typedef struct {
    as_code_t code;
    char message [AS_ERROR_MESSAGE_MAX];
    char detail [AS_ERROR_MESSAGE_MAX];
    char sqlstate [6];                  //  "" when not from the database
} as_error_t;

//  Name of a code ("invalid_argument"); "unknown" for out-of-range values.
const char *as_code_name (as_code_t code);
//  Code for a name; returns -1 if the name is not in the table.
int as_code_from_name (const char *name);
//  HTTP status the gateway answers for a code.
int as_code_http_status (as_code_t code);

//  Reset to AS_OK with empty texts.
void as_error_clear (as_error_t *err);
//  Set code and printf-style message; always returns -1 so callers can
//  write `return as_error_set (err, AS_INVALID_ARGUMENT, "...")`.
//  err may be NULL.
int as_error_set (as_error_t *err, as_code_t code, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));
int as_error_setv (as_error_t *err, as_code_t code, const char *format, va_list args);
//  Set the detail text.
void as_error_detail (as_error_t *err, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

void as_error_test (bool verbose);

#endif
