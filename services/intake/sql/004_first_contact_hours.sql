-- intake 004: the first-contact promise counts business hours. DOMAIN.md:
-- first contact within 1 hour "(business hours)", the hotline and online
-- intake answering Mon-Sun 09:00-18:00 (INTAKE_OPENS, INTAKE_CLOSES in
-- INTAKE_TIME_ZONE). A report at 22:00 is due at 10:00 the next morning,
-- not at 23:00.
--
-- open_hours_due(start, minutes, zone, opens, closes): the instant when
-- `minutes` of open time have passed since `start`, the hours open every
-- day from `opens` to `closes` local time in `zone`. A start before the
-- opening counts from the opening, one at or after the closing from the
-- next day's opening; time left over at the closing goes on at the next
-- opening, as many days as it takes.
-- PL/pgSQL, not SQL: a SQL function with a WITH clause is not inlined and
-- is planned again at every call (about 1 ms a report in bench flow); a
-- PL/pgSQL function keeps its plans for the session.
CREATE FUNCTION open_hours_due(start timestamptz, minutes int, zone text, opens time, closes time)
RETURNS timestamptz LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    at timestamp := start AT TIME ZONE zone;
    daily numeric := extract(epoch FROM closes - opens) / 60;
    today numeric;
    whole_days int;
BEGIN
    IF at::time < opens THEN
        at := at::date + opens;
    ELSIF at::time >= closes THEN
        at := at::date + 1 + opens;
    END IF;
    today := extract(epoch FROM at::date + closes - at) / 60;
    IF minutes <= today THEN
        RETURN (at + make_interval(mins => minutes)) AT TIME ZONE zone;
    END IF;
    whole_days := ceil((minutes - today) / daily)::int - 1;
    RETURN (at::date + 1 + whole_days + opens
            + make_interval(secs => ((minutes - today) - whole_days * daily) * 60)) AT TIME ZONE zone;
END
$$;
