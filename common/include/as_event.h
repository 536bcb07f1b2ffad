/*  as_event: the event envelope (CloudEvents 1.0 attribute names) as one
    msgpack map. See proto/ENVELOPE.md for the canonical key order and types.
    specversion "1.0", id (UUID text), source, type, time (RFC 3339 UTC,
    millisecond precision "2026-11-22T10:00:00.123Z"), subject,
    datacontenttype "application/msgpack", sequence (uint, 0 = not yet in a
    log), traceparent (W3C, may be empty -> omitted), data (map).            */
#ifndef AS_EVENT_H
#define AS_EVENT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include "as_error.h"
#include "as_msg.h"

typedef struct {
    char id [37];
    char *source;               //  owned strings
    char *type;
    char time [32];
    char *subject;
    uint64_t sequence;
    char *traceparent;          //  NULL when absent
    uint8_t *data;              //  packed msgpack map, owned
    size_t data_size;
} as_event_t;

//  New event with a fresh UUIDv4 id and the current time; data is copied.
as_event_t *as_event_new (const char *source, const char *type, const char *subject,
                          const void *data, size_t data_size, const char *traceparent);
void as_event_destroy (as_event_t **self_p);
//  Pack the envelope in canonical order into sbuf.
void as_event_encode (const as_event_t *self, msgpack_sbuffer *sbuf);
//  Decode + validate envelope attributes (required, types, lengths, UUID and
//  time syntax, specversion). If check_data is true, data must also pass the
//  catalogue schema for its type (unknown type -> invalid_argument).
as_event_t *as_event_decode (const void *bytes, size_t size, bool check_data, as_error_t *err);
//  Decoded data map (re-decoded from self->data); caller destroys.
as_msg_t *as_event_data (const as_event_t *self, as_error_t *err);

//  Helpers used across the suite.
void as_uuid_v4 (char out [37]);
bool as_uuid_valid (const char *text);
//  Current UTC time as RFC 3339 with milliseconds.
void as_time_now_rfc3339 (char out [32]);
//  RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)", with
//  calendar checks. The envelope's time additionally must end in 'Z'.
bool as_time_rfc3339_valid (const char *text);
//  Calendar date "YYYY-MM-DD" (catalogue type "date").
bool as_date_valid (const char *text);
//  W3C trace context traceparent: "00-<32 hex>-<16 hex>-<2 hex>", lowercase,
//  trace id and parent id not all zeros.
bool as_traceparent_valid (const char *text);

void as_event_test (bool verbose);

#endif
