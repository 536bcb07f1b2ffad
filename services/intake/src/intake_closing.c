/*  intake_closing: a case ends when its work is done.

    Dispatch's visit events tell intake what became of each visit of a case
    (table case_visits). Dispatch keeps one open visit per case and its
    events come in its own order, so:
    - visit.scheduled / visit.rescheduled: the visit is planned (live);
    - visit.diagnosed: on site (live). A diagnosis that needs parts or the
      workshop ends that visit without visit.completed: a follow-up visit
      takes over, and intake hears of it by its visit.scheduled;
    - news of a visit ends every older live visit of the case (superseded);
    - visit.completed: the visit ended repaired, or not_repaired (the
      engineer could not do the work: dispatch books nothing after it);
    - visit.cancelled: the visit will not take place; the case stays open
      (cancelling the case is intake's, or an operator's, decision).
    A visit that ends repaired or not_repaired with no other visit of the
    case live closes the case with that outcome (case.closed). A case that
    is already cancelled or closed stays so: the visit's end is only noted.
    An operator closes a case that ended outside the suite (case.close).  */
#include "intake_cases.h"
#include "as_log.h"
#include "as_msg.h"
#include "as_test.h"
#include <assert.h>
#include <stdio.h>
#include <string.h>

//  The case's status, and the transaction's now(): the instant a close
//  stamps as closed_at, known before the close is sent.
static const as_stmt_t s_lock = { "intake_closing_lock",
    "SELECT status, rfc3339(now()) FROM cases WHERE id = $1 FOR UPDATE" };
//  A state only moves forward: a repeated or late event returns no row,
//  and so does a visit of an unknown case (the caller says not_found).
//  The case's earlier visits not yet diagnosed are superseded by the same
//  statement (other rows than the one written, so one statement can).
static const as_stmt_t s_visit_state = { "intake_visit_state",
    "WITH superseded AS ("
    "  UPDATE case_visits SET state = 'superseded', updated_at = now()"
    "  WHERE case_id = $2 AND visit_id < $1::bigint AND visit_state_rank(state) < 2)"
    " INSERT INTO case_visits (visit_id, case_id, follow_up_of, state)"
    " SELECT $1::bigint, id, $3::bigint, $4 FROM cases WHERE id = $2"
    " ON CONFLICT (visit_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now(),"
    "  follow_up_of = coalesce(case_visits.follow_up_of, EXCLUDED.follow_up_of)"
    " WHERE visit_state_rank(case_visits.state) < visit_state_rank(EXCLUDED.state)"
    " RETURNING visit_id" };
static const as_stmt_t s_live_visit = { "intake_live_visit",
    "SELECT visit_id FROM case_visits WHERE case_id = $1 AND visit_id <> $2 AND visit_state_rank(state) < 2"
    " ORDER BY visit_id LIMIT 1" };
static const as_stmt_t s_close_row = { "intake_close_case",
    "UPDATE cases SET status = 'closed', closed_at = now(), close_outcome = $2, close_reason = $3,"
    " closed_by_visit = $4, updated_at = now() WHERE id = $1" };

typedef struct {
    int64_t case_id;
    int64_t visit_id;           //  the visit that ended the case, or 0 (operator)
    const char *outcome;        //  repaired | not_repaired | operator
    const char *reason;         //  what was done, why not, or the operator's reason
    const char *actor;
} s_closing_t;

//  A case locked, as s_lock read it.
typedef struct {
    char status [32];
    char now [40];              //  the transaction's now(), RFC 3339
} s_locked_t;

//  What the end of a visit does to its case.
typedef enum { S_KEEP_OPEN, S_CLOSE, S_NOTE_ONLY } s_decision_t;

static s_decision_t
s_decide (const char *status, bool other_visit_live)
{
    if (!strcmp (status, "cancelled") || !strcmp (status, "closed"))
        return S_NOTE_ONLY;             //  ended already: never reopened, never closed twice
    if (other_visit_live)
        return S_KEEP_OPEN;
    //  reported or triaged: dispatch has no visit before triage, so this
    //  is not expected; noted, and left to an operator.
    return intake_transition_allowed (status, "closed") ? S_CLOSE : S_NOTE_ONLY;
}

//  Lock the case and, in the same round trip, run `steps` (statements
//  that need the lock; their results are the caller's to PQclear, also on
//  failure). not_found when the case is unknown.
static int
s_lock_case (as_pg_t *pg, int64_t case_id, as_pg_step_t *steps, int count, s_locked_t *locked,
             as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pg_step_t all [4] = { { &s_lock, NULL, &params, NULL } };
    assert (count < 4);
    for (int index = 0; index < count; index++)
        all [1 + index] = steps [index];
    int rc = as_pg_pipeline (pg, all, 1 + count, err);
    for (int index = 0; index < count; index++)
        steps [index].result = all [1 + index].result;
    PGresult *lock = all [0].result;
    if (rc == 0 && PQntuples (lock) != 1)
        rc = as_error_set (err, AS_NOT_FOUND, "case %lld not found", (long long) case_id);
    if (rc == 0) {
        snprintf (locked->status, sizeof locked->status, "%s", as_pg_get_str (lock, 0, 0));
        snprintf (locked->now, sizeof locked->now, "%s", as_pg_get_str (lock, 0, 1));
    }
    PQclear (lock);
    return rc;
}

//  The step that reads another live visit of the case than `visit_id`
//  (params: case id, visit id), and what it found (a visit id or 0).
static as_pg_step_t
s_live_visit_step (const as_pg_params_t *params)
{
    return (as_pg_step_t) { &s_live_visit, NULL, params, NULL };
}

static int64_t
s_live_visit_found (const PGresult *live)
{
    return PQntuples (live) ? as_pg_get_int (live, 0, 0) : 0;
}

//  The note keeps the first 500 bytes of the engineer's words, which may
//  end inside a UTF-8 character (Chinese text is three bytes a character);
//  PostgreSQL would refuse the whole note: drop that partial character.
static void
s_utf8_trim (char *text)
{
    size_t length = strlen (text), start = length;
    while (start > 0 && ((unsigned char) text [start - 1] & 0xC0) == 0x80)
        start--;                        //  continuation bytes
    if (start == 0)
        return;
    unsigned char lead = (unsigned char) text [start - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (length - (start - 1) < need)
        text [start - 1] = 0;
}

//  Close a locked case: the row, its history, case.closed. Nothing in
//  them can break a constraint (the outcome is ours, a reason is at most
//  2000 characters), so they ride on the next round trip; closed_at is the
//  transaction's now(), read with the lock.
static int
s_close (as_service_t *service, as_pg_t *pg, const s_closing_t *closing, const s_locked_t *locked,
         as_error_t *err)
{
    const char *reason = closing->reason && *closing->reason ? closing->reason : NULL;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, closing->case_id);
    as_pgp_str (&params, closing->outcome);
    as_pgp_str (&params, reason);
    if (closing->visit_id)
        as_pgp_int (&params, closing->visit_id);
    else
        as_pgp_null (&params);
    if (as_pg_defer (pg, &s_close_row, &params, err))
        return -1;
    char note [600];
    if (closing->visit_id)
        snprintf (note, sizeof note, "visit %lld %s%s%.500s", (long long) closing->visit_id,
                  strcmp (closing->outcome, "repaired") ? "not repaired" : "repaired", reason ? ": " : "",
                  reason ? reason : "");
    else
        snprintf (note, sizeof note, "%.500s", reason ? reason : "");
    s_utf8_trim (note);
    if (intake_history (pg, closing->case_id, locked->status, "closed", closing->actor, note, err))
        return -1;

    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3 + (reason != NULL) + (closing->visit_id != 0));
    as_pack_kv_int (&pk, "case_id", closing->case_id);
    as_pack_kv_str (&pk, "outcome", closing->outcome);
    as_pack_kv_str (&pk, "closed_at", locked->now);
    if (reason)
        as_pack_kv_str (&pk, "reason", reason);
    if (closing->visit_id)
        as_pack_kv_int (&pk, "visit_id", closing->visit_id);
    char subject [32];
    snprintf (subject, sizeof subject, "case/%lld", (long long) closing->case_id);
    int rc = as_service_emit (service, "case.closed", subject, data.data, data.size, err);
    msgpack_sbuffer_destroy (&data);
    if (rc == 0)
        as_service_count (service, "cases_closed", 1);
    return rc;
}

//  --- Dispatch's visit events ---------------------------------------------------------------

//  Record a visit's new state under the lock of its case, in one round
//  trip: the lock, the end of older live visits, the visit's state and,
//  for a completion (`other_live` not NULL), another live visit of the
//  case than this one. Returns 1 when the state moved, 0 when the event
//  told nothing new (told twice, or late), -1 on error (not_found:
//  unknown case).
static int
s_record_visit (as_delivery_t *delivery, const char *state, s_locked_t *locked, int64_t *other_live)
{
    int64_t visit_id = 0, case_id = 0, follow_up_of = 0;
    as_obj_int (delivery->data, "visit_id", &visit_id);
    as_obj_int (delivery->data, "case_id", &case_id);
    bool follow_up = as_obj_int (delivery->data, "follow_up_of", &follow_up_of);
    as_pg_params_t visit, record;
    as_pgp_reset (&visit);
    as_pgp_int (&visit, case_id);
    as_pgp_int (&visit, visit_id);
    as_pgp_reset (&record);
    as_pgp_int (&record, visit_id);
    as_pgp_int (&record, case_id);
    if (follow_up)
        as_pgp_int (&record, follow_up_of);
    else
        as_pgp_null (&record);
    as_pgp_str (&record, state);
    as_pg_step_t steps [] = { { &s_visit_state, NULL, &record, NULL }, s_live_visit_step (&visit) };
    int rc = s_lock_case (delivery->pg, case_id, steps, other_live ? 2 : 1, locked, delivery->err);
    if (rc == 0) {
        rc = PQntuples (steps [0].result) > 0;
        if (other_live)
            *other_live = s_live_visit_found (steps [1].result);
    }
    for (int index = 0; index < 2; index++)
        PQclear (steps [index].result);
    return rc;
}

static int
s_visit_event (as_delivery_t *delivery, const char *state)
{
    s_locked_t locked;
    return s_record_visit (delivery, state, &locked, NULL) < 0 ? -1 : 0;
}

int
intake_on_visit_planned (as_delivery_t *delivery)
{
    return s_visit_event (delivery, "planned");
}

int
intake_on_visit_diagnosed (as_delivery_t *delivery)
{
    return s_visit_event (delivery, "diagnosed");
}

int
intake_on_visit_cancelled (as_delivery_t *delivery)
{
    return s_visit_event (delivery, "cancelled");
}

//  The visit ended on site, repaired or not: the case closes unless
//  another of its visits is live or the case ended already.
int
intake_on_visit_completed (as_delivery_t *delivery)
{
    char outcome [16] = "", work [AS_TEXT_SIZE (2000)] = "";
    if (as_obj_text (delivery->data, NULL, "outcome", outcome, sizeof outcome, delivery->err) < 0
    ||  as_obj_text (delivery->data, NULL, "work_done", work, sizeof work, delivery->err) < 0)
        return -1;
    bool repaired = !strcmp (outcome, "repaired");
    s_locked_t locked;
    int64_t other = 0;
    int moved = s_record_visit (delivery, repaired ? "repaired" : "not_repaired", &locked, &other);
    if (moved <= 0)
        return moved;
    s_closing_t closing = { 0, 0, repaired ? "repaired" : "not_repaired", work, delivery->publisher };
    as_obj_int (delivery->data, "case_id", &closing.case_id);
    as_obj_int (delivery->data, "visit_id", &closing.visit_id);
    s_decision_t decision = s_decide (locked.status, other > 0);
    if (decision == S_CLOSE)
        return s_close (delivery->service, delivery->pg, &closing, &locked, delivery->err);
    if (decision == S_KEEP_OPEN)
        return 0;
    char note [160];
    snprintf (note, sizeof note, "visit %lld ended %s while the case was %s: the case stays %s",
              (long long) closing.visit_id, closing.outcome, locked.status, locked.status);
    as_info ("case %lld: %s", (long long) closing.case_id, note);
    return intake_history (delivery->pg, closing.case_id, locked.status, locked.status, delivery->publisher,
                           note, delivery->err);
}

//  --- The operator's close ------------------------------------------------------------------

//  A case that ended outside the suite (the customer went elsewhere, the
//  product was replaced). Refused while dispatch has a visit of the case
//  planned or under way: cancelling the case cancels its visits.
int
intake_case_close (as_call_t *call)
{
    s_closing_t closing = { 0, 0, "operator", NULL, call->actor };
    char reason [AS_TEXT_SIZE (500)] = "", actor [AS_TEXT_SIZE (100)] = "";
    as_obj_int (call->params, "case_id", &closing.case_id);
    if (as_obj_text (call->params, NULL, "actor", actor, sizeof actor, call->err) < 0
    ||  as_obj_text (call->params, NULL, "reason", reason, sizeof reason, call->err) < 0)
        return -1;
    if (*actor)
        closing.actor = actor;
    closing.reason = reason;
    as_pg_params_t visit;
    as_pgp_reset (&visit);
    as_pgp_int (&visit, closing.case_id);
    as_pgp_int (&visit, 0);
    as_pg_step_t live = s_live_visit_step (&visit);
    s_locked_t locked;
    int rc = s_lock_case (call->pg, closing.case_id, &live, 1, &locked, call->err);
    int64_t other = rc == 0 ? s_live_visit_found (live.result) : 0;
    PQclear (live.result);
    if (rc)
        return -1;
    if (!intake_transition_allowed (locked.status, "closed"))
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "case %lld is %s: it cannot be closed",
                             (long long) closing.case_id, locked.status);
    if (other > 0)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "case %lld has visit %lld planned or under way: "
                             "cancel the case (its visits are cancelled) or let the visit end",
                             (long long) closing.case_id, (long long) other);
    if (s_close (call->service, call->pg, &closing, &locked, call->err))
        return -1;
    return intake_reply_case (call, closing.case_id);
}

void
intake_closing_test (bool verbose)
{
    (void) verbose;
    AS_CHECK (s_decide ("awaiting_visit", false) == S_CLOSE);
    AS_CHECK (s_decide ("escalated", false) == S_CLOSE);
    AS_CHECK (s_decide ("awaiting_visit", true) == S_KEEP_OPEN);
    AS_CHECK (s_decide ("cancelled", false) == S_NOTE_ONLY);
    AS_CHECK (s_decide ("cancelled", true) == S_NOTE_ONLY);
    AS_CHECK (s_decide ("closed", false) == S_NOTE_ONLY);
    AS_CHECK (s_decide ("triaged", false) == S_NOTE_ONLY);
}
