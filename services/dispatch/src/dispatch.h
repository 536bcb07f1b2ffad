/*  dispatch: what the modules of dispatchd share. The daemon's settings as
    one struct, the handlers each module serves, and the few helpers that
    cross modules (visit events, the planner's entry points).              */
#ifndef DISPATCH_H
#define DISPATCH_H

#include "as_msg.h"
#include "as_service.h"
#include "dispatch_shift.h"
#include <stdbool.h>
#include <stdint.h>

//  Settings, read once at start (see dispatchd.c for names and defaults).
typedef struct {
    char zone [64];             //  business time zone, e.g. Asia/Shanghai
    int day_start, day_end;     //  minutes from local midnight: 09:00, 18:00
    int window;                 //  minutes of one appointment window
    int lead;                   //  a window must start this many minutes ahead
    int default_travel;         //  minutes each way when the customer has no location
    double road_factor;         //  road distance / great-circle distance
    double speed;               //  metres per second
    int confirm_minutes;        //  promise: the customer is told within this after dispatch
    int late_margin;            //  visit.late this many minutes before the window ends
    int slot_days;              //  days offered by slots.offer by default
    int horizon_days;           //  windows are offered and booked only this many days ahead
    long iterations;            //  ruin-and-recreate budget of one re-optimisation
    bool ready_on_triage;       //  true: a triaged case is ready without billing's decision
} dispatch_config_t;

dispatch_config_t *dispatch_config (as_service_t *service);


//  --- dispatch_fleet.c: stations, engineers, skills, absences -------------
int dispatch_station_add (as_call_t *call);
int dispatch_station_list (as_call_t *call);
int dispatch_engineer_add (as_call_t *call);
int dispatch_engineer_import (as_call_t *call);
int dispatch_engineer_list (as_call_t *call);
int dispatch_engineer_skills (as_call_t *call);
int dispatch_engineer_absence (as_call_t *call);

//  Index of a product category in the catalogue's list (a skill bit), or -1.
int dispatch_category_index (const char *category);
//  Great-circle distance in metres.
double dispatch_distance (double lat1, double lon1, double lat2, double lon2);

//  --- dispatch_plan.c: day plans, slots, insertion, re-optimisation ------
int dispatch_slots_offer (as_call_t *call);
int dispatch_visit_book (as_call_t *call);
int dispatch_visit_assign (as_call_t *call);
int dispatch_plan_optimize (as_call_t *call);
int dispatch_plan_board (as_call_t *call);

//  Book a visit into the earliest window (from tomorrow on) that can be
//  served; 0 when booked, 1 when nothing fits, -1 on error.
int dispatch_plan_book_earliest (as_service_t *service, as_pg_t *pg, int64_t visit_id,
                                 const char *actor, as_error_t *err);
//  Re-plan the days from today on where an engineer has visits although
//  their rota (work_days) now has them off, as for an absence.
int dispatch_plan_rota (as_service_t *service, as_pg_t *pg, int64_t engineer_id, int *moved,
                        int *unassigned, as_error_t *err);
//  Lock the day plan a visit is in (if any) before taking it out: every
//  change of a day plan holds that day's advisory lock (dispatch_plan.c).
int dispatch_plan_lock_visit_day (as_pg_t *pg, int64_t visit_id, as_error_t *err);
//  Free what the planner keeps between calls (the calling thread's fleet,
//  skills and plan caches): at exit, and as each read worker ends.
void dispatch_plan_cache_free (void);
//  Background re-optimisation of today's and tomorrow's plans.
int dispatch_plan_optimize_all (as_service_t *service, as_pg_t *pg, as_error_t *err);
//  Re-plan the days an engineer's absence touches: their visits in it go
//  to colleagues or back to unscheduled. Sets *moved and *unassigned.
int dispatch_plan_absence (as_service_t *service, as_pg_t *pg, int64_t engineer_id,
                           const char *starts_at, const char *ends_at, int *moved,
                           int *unassigned, as_error_t *err);

//  --- dispatch_visits.c: the life cycle, reports, consumed events ------------
int dispatch_visit_get (as_call_t *call);
int dispatch_visit_list (as_call_t *call);
int dispatch_visit_pin (as_call_t *call);
int dispatch_visit_unassign (as_call_t *call);
int dispatch_visit_cancel (as_call_t *call);
int dispatch_plan_dispatch (as_call_t *call);
int dispatch_visit_confirm (as_call_t *call);
int dispatch_visit_enroute (as_call_t *call);
int dispatch_visit_arrive (as_call_t *call);
int dispatch_visit_diagnose (as_call_t *call);
int dispatch_visit_complete (as_call_t *call);
int dispatch_visit_cannot_complete (as_call_t *call);
int dispatch_visits_at_risk (as_call_t *call);

int dispatch_on_case_reported (as_delivery_t *delivery);
int dispatch_on_case_triaged (as_delivery_t *delivery);
int dispatch_on_case_closed (as_delivery_t *delivery);
int dispatch_on_entitlement (as_delivery_t *delivery);
int dispatch_on_part_shipped (as_delivery_t *delivery);
int dispatch_on_part_backordered (as_delivery_t *delivery);
int dispatch_on_part_reserved (as_delivery_t *delivery);

//  Timer work: visits about to miss their window raise visit.late.
int dispatch_check_late (as_service_t *service, as_pg_t *pg, int *raised, as_error_t *err);

//  Is `from -> to` a move of the visit life cycle?
bool dispatch_transition_allowed (const char *from, const char *to);
//  The same, as an error (AS_FAILED_PRECONDITION) naming the visit.
int dispatch_visit_check_move (int64_t visit_id, const char *from, const char *to, as_error_t *err);
//  Move a visit to a new status (checked against the life cycle, recorded
//  in its history). The row is locked. `expected` (may be NULL) is the
//  status the caller read: a different one means someone moved it meanwhile.
int dispatch_visit_move (as_pg_t *pg, int64_t visit_id, const char *to, const char *actor,
                         const char *note, as_error_t *err);
//  The same when the caller holds the row's lock and read its status.
int dispatch_visit_move_from (as_pg_t *pg, int64_t visit_id, const char *from, const char *to,
                              const char *actor, const char *note, as_error_t *err);
//  Emit visit.scheduled / visit.rescheduled / visit.cancelled for a visit
//  as it now stands (reason: for the last two). With `reply`, the visit's
//  row for dispatch_reply_visit_row comes back there, from the same round
//  trip (caller clears).
int dispatch_emit_scheduled (as_service_t *service, as_pg_t *pg, int64_t visit_id,
                             const char *type, const char *reason, PGresult **reply, as_error_t *err);
//  Pack {visit: {...}} for the visit as it now stands.
int dispatch_reply_visit (as_call_t *call, int64_t visit_id);
//  The same from its row read already (`row` may be NULL: err says why;
//  cleared here).
int dispatch_reply_visit_row (as_call_t *call, int64_t visit_id, PGresult *row);


#endif
