/*  as_log: one JSON object per line on stderr.
    {"ts":"2026-11-22T10:00:00.123Z","level":"info","service":"intake",
     "trace":"<trace id>","msg":"..."}
    Never log personal data (names, phones, addresses): log ids.            */
#ifndef AS_LOG_H
#define AS_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { AS_LOG_DEBUG, AS_LOG_INFO, AS_LOG_WARN, AS_LOG_ERROR } as_log_level_t;

//  Set the service name and the lowest level written ("debug".."error").
//  Returns -1 for an unknown level name.
int as_log_init (const char *service, const char *level);
//  The trace id written on following lines ("" or NULL to clear); the RPC
//  server sets it per request from the W3C traceparent.
void as_log_set_trace (const char *traceparent);
void as_log (as_log_level_t level, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

#define as_debug(...) as_log (AS_LOG_DEBUG, __VA_ARGS__)
#define as_info(...)  as_log (AS_LOG_INFO, __VA_ARGS__)
#define as_warn(...)  as_log (AS_LOG_WARN, __VA_ARGS__)
#define as_error(...) as_log (AS_LOG_ERROR, __VA_ARGS__)

//  Append text to buf as a JSON string body (escaped, no quotes); used by
//  the logger and by CLIs. Returns the number of bytes written.
size_t as_json_escape (char *buf, size_t bufsize, const char *text);

void as_log_test (bool verbose);

#endif
