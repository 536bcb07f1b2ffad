#!/usr/bin/env bash
# Nothing lost (issue 8, tests/fault): on a PRIVATE PostgreSQL cluster (the
# shared one of scripts/test runs other tests in parallel), every daemon of
# the suite and the reference set, then a simulated day (fault-day day)
# while a killer loop sends SIGKILL to each daemon in turn (busd included)
# at random moments and restarts it, and PostgreSQL is restarted once
# (immediate stop: crash recovery) in the middle. When the day is over
# the killing stops, every daemon is confirmed up, and fault-day check runs
# the consistency checks of tests/e2e/flow_check.c plus one case per report.
#
#   tests/fault/run-fault.sh [--cases N] [--seed S] [--gap "MIN MAX"] [--spread SECONDS]
#                            [--no-faults]
#
# --no-faults: the same day and checks with nothing killed (the control run:
# a check that fails there is not caused by the faults).
# --cases (default 500), --gap: seconds between kills, random in [MIN, MAX]
# (default "2 4"). --spread: the day's reports are made evenly over at
# least this many seconds (default 60), so that the day outlasts the kill
# rounds and the PostgreSQL restart however fast the suite is. Binaries:
# AFTERSALES_TEST_BIN (scripts/test sets it), else build-asan/bin. AS_FAULT_KEEP=1 keeps the logs.
source "$(dirname "$0")/../../scripts/lib.sh"

CASES=500
SEED=11
GAP_MIN=2
GAP_MAX=4
SPREAD=60
NO_FAULTS=0
while [ $# -gt 0 ]; do
  case $1 in
    --cases) CASES=$2; shift 2;;
    --seed) SEED=$2; shift 2;;
    --gap) read -r GAP_MIN GAP_MAX <<<"$2"; shift 2;;
    --spread) SPREAD=$2; shift 2;;
    --no-faults) NO_FAULTS=1; shift;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    *) as_die "unknown argument $1";;
  esac
done
[[ "$CASES" =~ ^[1-9][0-9]*$ && "$SEED" =~ ^[0-9]+$ && "$GAP_MIN" =~ ^[0-9]+$ && "$GAP_MAX" =~ ^[0-9]+$ && "$SPREAD" =~ ^[0-9]+$ ]] \
  || as_die "bad --cases/--seed/--gap/--spread"
[ "$GAP_MAX" -ge "$GAP_MIN" ] || as_die "--gap: MAX < MIN"

BIN=${AFTERSALES_TEST_BIN:-$AS_ROOT/build-asan/bin}
DAEMONS="busd intaked dispatchd inventoryd billingd surveyd"
for exe in $DAEMONS busctl fault-day dispatchctl inventoryctl billingctl; do
  [ -x "$BIN/$exe" ] || as_die "$BIN/$exe is missing"
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

TMP=$(mktemp -d /tmp/aftersales-fault.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$TMP/log"
PG_PORT=$(as_free_port)
declare -A PID
KILLER=""
DAY=""

cleanup() {
  local status=$? d
  trap - EXIT INT TERM
  set +e
  [ -n "$KILLER" ] && kill "$KILLER" 2>/dev/null && wait "$KILLER" 2>/dev/null
  [ -n "$DAY" ] && kill -KILL "$DAY" 2>/dev/null && wait "$DAY" 2>/dev/null
  for d in "${!PID[@]}"; do kill -TERM "${PID[$d]}" 2>/dev/null; done
  for d in "${!PID[@]}"; do
    for _ in $(seq 1 50); do kill -0 "${PID[$d]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PID[$d]}" 2>/dev/null
  done
  as_pg_stop "$TMP/pg"
  if [ "${AS_FAULT_KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then
    echo "fault: logs kept in $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_say "private PostgreSQL on port $PG_PORT ($TMP)"
AS_PG_FSYNC=off as_pg_init "$TMP/pg" "$PG_PORT" "$TMP/run" "$TMP/log/postgresql.log"
ADMIN="host=$TMP/run port=$PG_PORT user=$(as_pg_owner)"
as_db_setup "$ADMIN" aftersales
unset AFTERSALES_CONFIG AFTERSALES_INTAKE_ENDPOINT AFTERSALES_DISPATCH_ENDPOINT AFTERSALES_INVENTORY_ENDPOINT \
      AFTERSALES_BILLING_ENDPOINT AFTERSALES_SURVEY_ENDPOINT AFTERSALES_BUS_PUB_ENDPOINT \
      AFTERSALES_BUS_SUB_ENDPOINT AFTERSALES_BUS_INGRESS_ENDPOINT AFTERSALES_HOST AFTERSALES_CURVE
export AFTERSALES_PG="host=$TMP/run port=$PG_PORT dbname=aftersales"
export AFTERSALES_CHECK_PG="$ADMIN dbname=aftersales"
export AFTERSALES_PORT_BASE=$(as_free_port_base)

# The settings of e2e.day: no optimiser or lateness timers, surveys sent at once.
start_daemon() {
  local d=$1 env=()
  case $d in
    dispatchd) env=(DISPATCH_OPTIMIZE_MS=0 DISPATCH_LATE_CHECK_MS=0);;
    surveyd) env=(SURVEY_SEND_DAYS_AFTER=0 SURVEY_TICK_MS=500);;
  esac
  env "${env[@]}" "$BIN/$d" >>"$TMP/log/$d.log" 2>&1 &
  PID[$d]=$!
}
service_of() { local n=${1%d}; [ "$1" = busd ] && n=bus; echo "$n"; }
await_health() {
  local d=$1
  for _ in $(seq 1 150); do
    "$BIN/busctl" call "$(service_of "$d")" health --timeout 500 >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

for d in $DAEMONS; do
  [ "$d" = busd ] && continue
  "$BIN/$d" --migrate-only 2>>"$TMP/log/$d.log" || as_die "$d migrations failed ($TMP/log/$d.log)"
done
for d in $DAEMONS; do start_daemon "$d"; done
for d in $DAEMONS; do await_health "$d" || as_die "$d did not answer health"; done
"$AS_ROOT/deploy/reference/load" "$BIN" >/dev/null 2>"$TMP/log/reference.log" \
  || { cat "$TMP/log/reference.log" >&2; as_die "reference set not loaded"; }

TAG=f$(printf '%x' $(( (RANDOM << 15 | RANDOM) ^ $$ )))
as_say "day of $CASES cases over at least $SPREAD s (seed $SEED, run $TAG), a SIGKILL every ${GAP_MIN}-${GAP_MAX} s, PostgreSQL restarted once"
"$BIN/fault-day" day "$TAG" "$CASES" "$SEED" "$SPREAD" >"$TMP/log/day.out" 2>"$TMP/log/day.err" &
DAY=$!

# The killer, in this shell (errexit is on: every `wait` for a killed
# process is guarded, its status is 137) (it owns PID[]); the day runs beside it.
# Counters go to files so the summary can read them whatever happened.
kills=0 restarts=0 pg_restarts=0 crashes=0
order=($DAEMONS)
turn=$((RANDOM % ${#order[@]}))
pg_done=0
started=$(date +%s)
[ $NO_FAULTS -eq 1 ] && as_say "control run: nothing is killed"
while [ $NO_FAULTS -eq 0 ] && kill -0 "$DAY" 2>/dev/null; do
  sleep $((GAP_MIN + RANDOM % (GAP_MAX - GAP_MIN + 1))).$((RANDOM % 10))
  kill -0 "$DAY" 2>/dev/null || break
  # A daemon that died by itself is a failure to report, and is restarted.
  for d in $DAEMONS; do
    if ! kill -0 "${PID[$d]}" 2>/dev/null; then
      st=0; wait "${PID[$d]}" 2>/dev/null || st=$?
      echo "fault: $d (pid ${PID[$d]}) died by itself, status $st" >&2
      crashes=$((crashes + 1)); start_daemon "$d"; restarts=$((restarts + 1))
    fi
  done
  if [ $pg_done -eq 0 ] && [ $(( $(date +%s) - started )) -ge 20 ] && [ $kills -ge 3 ]; then
    as_say "PostgreSQL: immediate stop, start again"
    as_as_pg_user "$(as_pg_bin)/pg_ctl" -D "$TMP/pg" -m immediate -w stop >/dev/null
    sleep 1
    as_pg_init "$TMP/pg" "$PG_PORT" "$TMP/run" "$TMP/log/postgresql.log"
    pg_done=1; pg_restarts=1
    continue
  fi
  d=${order[$turn]}
  turn=$(( (turn + 1) % ${#order[@]} ))
  kill -KILL "${PID[$d]}" 2>/dev/null && kills=$((kills + 1))
  wait "${PID[$d]}" 2>/dev/null || true
  echo "fault: $(date +%T) killed $d (pid ${PID[$d]})" >>"$TMP/log/kills.log"
  # Down for a moment (sometimes a few seconds), then back.
  sleep 0.$((RANDOM % 10))
  if [ $((RANDOM % 4)) -eq 0 ]; then sleep 2; fi
  start_daemon "$d"; restarts=$((restarts + 1))
done
day_status=0
wait "$DAY" || day_status=$?
DAY=""
cat "$TMP/log/day.out"
[ $day_status -eq 0 ] || { tail -20 "$TMP/log/day.err" >&2; echo "fault: the day did not end (status $day_status)" >&2; }

# Every daemon up (a last kill may still be restarting) before the checks.
for d in $DAEMONS; do
  if ! kill -0 "${PID[$d]}" 2>/dev/null; then
    echo "fault: $d died by itself" >&2; crashes=$((crashes + 1)); start_daemon "$d"; restarts=$((restarts + 1))
  fi
  await_health "$d" || as_die "$d did not answer health after the day"
done
check_status=0
"$BIN/fault-day" check "$TAG" "$CASES" || check_status=$?

echo
echo "fault: $kills kills (SIGKILL), $restarts daemon restarts, $pg_restarts PostgreSQL restart(s), $crashes daemon(s) died by themselves, $(( $(date +%s) - started )) s"
for d in $DAEMONS; do printf '  %-11s killed %s times\n' "$d" "$(grep -c " killed $d " "$TMP/log/kills.log" 2>/dev/null || true)"; done
ok=1
[ $day_status -eq 0 ] || ok=0
[ $check_status -eq 0 ] || ok=0
[ $crashes -eq 0 ] || ok=0
[ $NO_FAULTS -eq 1 ] || [ $pg_restarts -eq 1 ] || { echo "fault: the day ended before PostgreSQL was restarted: make it longer" >&2; ok=0; }
for d in $DAEMONS; do
  [ $NO_FAULTS -eq 1 ] && break
  grep -q " killed $d " "$TMP/log/kills.log" 2>/dev/null || { echo "fault: $d was never killed: make the day longer" >&2; ok=0; }
done
[ $ok -eq 1 ] || as_die "fault test FAILED"
echo "fault test: OK"
