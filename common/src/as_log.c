/*  as_log: JSON lines on stderr.                                             */
#include "as_log.h"
#include "as_test.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static char s_service [32] = "aftersales";
static as_log_level_t s_level = AS_LOG_INFO;
static __thread char s_trace [33];   //  per thread: a service's read workers log their own
static const char *s_level_names [] = { "debug", "info", "warn", "error" };

int
as_log_init (const char *service, const char *level)
{
    if (service)
        snprintf (s_service, sizeof s_service, "%s", service);
    if (!level)
        return 0;
    for (int index = 0; index < 4; index++)
        if (strcmp (level, s_level_names [index]) == 0) {
            s_level = (as_log_level_t) index;
            return 0;
        }
    return -1;
}

void
as_log_set_trace (const char *traceparent)
{
    //  W3C traceparent: 00-<32 hex trace id>-<16 hex span>-<2 hex flags>
    s_trace [0] = 0;
    if (traceparent && strlen (traceparent) >= 35 && traceparent [2] == '-')
        snprintf (s_trace, sizeof s_trace, "%.32s", traceparent + 3);
}

size_t
as_json_escape (char *buf, size_t bufsize, const char *text)
{
    size_t used = 0;
    if (bufsize == 0)
        return 0;
    for (const unsigned char *cursor = (const unsigned char *) text;
         *cursor && used + 7 < bufsize; cursor++) {
        if (*cursor == '"' || *cursor == '\\') {
            buf [used++] = '\\';
            buf [used++] = (char) *cursor;
        }
        else
        if (*cursor == '\n') {
            buf [used++] = '\\';
            buf [used++] = 'n';
        }
        else
        if (*cursor < 0x20)
            used += (size_t) snprintf (buf + used, bufsize - used, "\\u%04x", *cursor);
        else
            buf [used++] = (char) *cursor;
    }
    buf [used] = 0;
    return used;
}

void
as_log (as_log_level_t level, const char *format, ...)
{
    if (level < s_level)
        return;
    char message [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    char escaped [2048];
    as_json_escape (escaped, sizeof escaped, message);

    struct timeval now;
    gettimeofday (&now, NULL);
    struct tm utc;
    gmtime_r (&now.tv_sec, &utc);
    char stamp [32];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    //  One fprintf per line so concurrent writers do not interleave lines.
    fprintf (stderr, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"service\":\"%s\"%s%s%s,\"msg\":\"%s\"}\n",
             stamp, (int) (now.tv_usec / 1000), s_level_names [level], s_service,
             s_trace [0] ? ",\"trace\":\"" : "", s_trace, s_trace [0] ? "\"" : "",
             escaped);
}

void
as_log_test (bool verbose)
{
    (void) verbose;
    char buf [64];
    as_json_escape (buf, sizeof buf, "a\"b\\c\nd\x01");
    AS_CHECK (strcmp (buf, "a\\\"b\\\\c\\nd\\u0001") == 0);
    //  Output is cut, never overrun, for small buffers.
    char small [8];
    as_json_escape (small, sizeof small, "0123456789");
    AS_CHECK (strlen (small) < sizeof small);
    AS_CHECK (as_log_init ("selftest", "warn") == 0);
    AS_CHECK (as_log_init (NULL, "loud") == -1);
    as_log_set_trace ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    AS_CHECK (strcmp (s_trace, "0af7651916cd43dd8448eb211c80319c") == 0);
    as_log_set_trace (NULL);
    AS_CHECK (s_trace [0] == 0);
    as_log_init (NULL, "info");
}
