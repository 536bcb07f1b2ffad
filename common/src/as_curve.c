/*  as_curve: CurveZMQ setup shared by every daemon and client.              */
#include "as_curve.h"
#include "as_log.h"
#include <stdlib.h>
#include <string.h>

static zactor_t *s_auth;

bool
as_curve_enabled (void)
{
    const char *value = getenv ("AFTERSALES_CURVE");
    return value && strcmp (value, "1") == 0;
}

static bool
s_applies (const char *endpoint)
{
    return as_curve_enabled () && endpoint && strncmp (endpoint, "tcp://", 6) == 0;
}

static zcert_t *
s_load (const char *variable)
{
    const char *path = getenv (variable);
    if (!path || !*path) {
        as_error ("AFTERSALES_CURVE=1 needs %s", variable);
        return NULL;
    }
    zcert_t *cert = zcert_load (path);
    if (!cert)
        as_error ("cannot load certificate %s=%s", variable, path);
    return cert;
}

int
as_curve_start (void)
{
    if (!as_curve_enabled () || s_auth)
        return 0;
    const char *allowed = getenv ("AFTERSALES_CURVE_ALLOWED");
    if (!allowed || !*allowed) {
        as_error ("AFTERSALES_CURVE=1 needs AFTERSALES_CURVE_ALLOWED (directory of public certs)");
        return -1;
    }
    s_auth = zactor_new (zauth, NULL);
    if (!s_auth)
        return -1;
    zstr_sendx (s_auth, "CURVE", allowed, NULL);
    zsock_wait (s_auth);
    return 0;
}

void
as_curve_stop (void)
{
    zactor_destroy (&s_auth);
}

int
as_curve_server (zsock_t *socket, const char *endpoint)
{
    if (!s_applies (endpoint))
        return 0;
    if (!s_auth && as_curve_start ())
        return -1;
    zcert_t *cert = s_load ("AFTERSALES_CURVE_SERVER_CERT");
    if (!cert)
        return -1;
    zcert_apply (cert, socket);
    zsock_set_curve_server (socket, 1);
    zcert_destroy (&cert);
    return 0;
}

int
as_curve_client (zsock_t *socket, const char *endpoint)
{
    if (!s_applies (endpoint))
        return 0;
    zcert_t *cert = s_load ("AFTERSALES_CURVE_CLIENT_CERT");
    zcert_t *server = s_load ("AFTERSALES_CURVE_SERVER_KEY");
    int rc = -1;
    if (cert && server) {
        zcert_apply (cert, socket);
        zsock_set_curve_serverkey (socket, zcert_public_txt (server));
        rc = 0;
    }
    zcert_destroy (&cert);
    zcert_destroy (&server);
    return rc;
}
