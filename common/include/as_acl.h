/*  as_acl: who may do what, read from a JSON file
        {"<section>": {WHO: ["name", "prefix.", "*"], ...}}
    WHO is the caller's CURVE public key (Z85, 40 characters) when security
    is on, else the principal the caller names (dev mode on loopback). A
    name is allowed by an exact entry, by a prefix ending in a dot, or by
    "*". busd's ingress uses section "publishers" (event types); a service's
    RPC socket uses section "clients" (methods). Without a file, everything
    is allowed (as_acl_allows on NULL).                                     */
#ifndef AS_ACL_H
#define AS_ACL_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include "as_error.h"

typedef struct _as_acl_t as_acl_t;

//  The section of the file at path. NULL with err when the file cannot be
//  read or is not {section: {WHO: [strings]}}.
as_acl_t *as_acl_load (const char *path, const char *section, as_error_t *err);
void as_acl_destroy (as_acl_t **self_p);
//  May `who` do `name`? True when self is NULL (no ACL configured).
bool as_acl_allows (const as_acl_t *self, const char *who, const char *name);
//  Who sent this frame: its CURVE key when security is on, else the
//  claimed principal, else "anonymous".
void as_acl_caller (zframe_t *frame, const char *claimed, char *out, size_t size);
//  Self-test.
void as_acl_test (bool verbose);

#endif
