/*  as_curve: CurveZMQ on every TCP socket when AFTERSALES_CURVE=1.

    Files (zcert format, made by `busctl keygen NAME DIR`):
      AFTERSALES_CURVE_SERVER_CERT  the servers' certificate with its secret
      AFTERSALES_CURVE_SERVER_KEY   the servers' public certificate (clients)
      AFTERSALES_CURVE_CLIENT_CERT  this client's certificate with its secret
      AFTERSALES_CURVE_ALLOWED      directory of allowed client public certs
    The zauth actor is started (as_curve_start) before any bind: without a
    ZAP handler libzmq would accept any client. See
    docs/decisions/001-curve-keys.md for why one server key serves the suite.*/
#ifndef AS_CURVE_H
#define AS_CURVE_H

#include <czmq.h>
#include <stdbool.h>

bool as_curve_enabled (void);
//  Start zauth with the allowed-keys directory. No-op when disabled.
int as_curve_start (void);
void as_curve_stop (void);
//  Make a socket a CURVE server / client. No-op (0) when disabled or the
//  endpoint is not TCP. -1 when a certificate file cannot be loaded.
int as_curve_server (zsock_t *socket, const char *endpoint);
int as_curve_client (zsock_t *socket, const char *endpoint);

#endif
