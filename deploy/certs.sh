#!/usr/bin/env bash
# Generate the CurveZMQ certificates of the suite (see
# docs/decisions/001-curve-keys.md) with `busctl keygen`. Safe to run again:
# an existing certificate is kept, so a rerun only adds what is missing.
#
#   deploy/certs.sh DIR [EXTRA-CLIENT ...]
#
# Layout written under DIR:
#   server/server.cert, server/server.cert_secret
#                       the one server key pair shared by the suite's servers
#                       (busd and every service daemon); the secret goes to
#                       the daemons only
#   public/server.cert  the servers' public certificate, for every client
#   clients/NAME.cert, clients/NAME.cert_secret
#                       one client certificate per process: each daemon (they
#                       are clients of busd and of each other), each CLI, and
#                       the example outside publisher `sales-system`, plus any
#                       EXTRA-CLIENT named on the command line
#   allowed/NAME.cert   public certificates of the allowed clients: the
#                       directory that zauth enforces (AFTERSALES_CURVE_ALLOWED)
#
# BUSCTL names the busctl binary (default: busctl on PATH, else build/bin/busctl).
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
  [ $# -ge 1 ] && exit 0 || exit 2
fi
dir=$1; shift

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
busctl=${BUSCTL:-}
if [ -z "$busctl" ]; then
  if command -v busctl >/dev/null 2>&1; then busctl=$(command -v busctl)
  elif [ -x "$root/build/bin/busctl" ]; then busctl=$root/build/bin/busctl
  else echo "certs.sh: busctl not found (build the project or set BUSCTL)" >&2; exit 1
  fi
fi

clients="busd intaked dispatchd inventoryd billingd surveyd gatewayd
  busctl intakectl dispatchctl inventoryctl billingctl surveyctl sales-system $*"

umask 077
mkdir -p "$dir/server" "$dir/public" "$dir/clients" "$dir/allowed"

# keygen NAME SUBDIR: make SUBDIR/NAME.cert(_secret) unless both exist.
keygen() {
  local name=$1 sub=$2
  case $name in
    ""|*/*|.*) echo "certs.sh: bad certificate name '$name'" >&2; exit 2;;
  esac
  if [ -f "$dir/$sub/$name.cert" ] && [ -f "$dir/$sub/$name.cert_secret" ]; then
    return 0
  fi
  "$busctl" keygen "$name" "$dir/$sub" >/dev/null
}

keygen server server
cp "$dir/server/server.cert" "$dir/public/server.cert"
for name in $clients; do
  keygen "$name" clients
  cp "$dir/clients/$name.cert" "$dir/allowed/$name.cert"
done
# Public certificates are not secret; the *_secret files stay private (0600).
chmod 755 "$dir/server" "$dir/public" "$dir/clients" "$dir/allowed"
chmod 644 "$dir/public/"*.cert "$dir/allowed/"*.cert "$dir/server/server.cert" "$dir/clients/"*.cert

abs=$(cd "$dir" && pwd)
cat <<EOT
# Certificates in $abs. Every daemon (NAME = busd, intaked, ...):
export AFTERSALES_CURVE=1
export AFTERSALES_CURVE_SERVER_CERT=$abs/server/server.cert
export AFTERSALES_CURVE_SERVER_KEY=$abs/public/server.cert
export AFTERSALES_CURVE_CLIENT_CERT=$abs/clients/NAME.cert
export AFTERSALES_CURVE_ALLOWED=$abs/allowed
# A CLI or an outside publisher needs only these three:
#   AFTERSALES_CURVE=1
#   AFTERSALES_CURVE_SERVER_KEY=$abs/public/server.cert
#   AFTERSALES_CURVE_CLIENT_CERT=$abs/clients/busctl.cert   (or sales-system.cert, ...)
# Revoke a client: delete allowed/NAME.cert and restart the daemons.
EOT
