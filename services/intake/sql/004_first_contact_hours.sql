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
CREATE FUNCTION open_hours_due(start timestamptz, minutes int, zone text, opens time, closes time)
RETURNS timestamptz LANGUAGE sql STABLE STRICT AS $$
  WITH local AS (SELECT start AT TIME ZONE zone AS at),
  begins AS (SELECT CASE WHEN at::time < opens THEN at::date + opens
                         WHEN at::time >= closes THEN at::date + 1 + opens
                         ELSE at END AS at FROM local),
  budget AS (SELECT at, extract(epoch FROM at::date + closes - at) / 60 AS today,
                    extract(epoch FROM closes - opens) / 60 AS daily FROM begins),
  rest AS (SELECT at, today, daily, minutes - today AS left_over,
                  ceil((minutes - today) / daily)::int - 1 AS whole_days FROM budget)
  SELECT (CASE WHEN minutes <= today THEN at + make_interval(mins => minutes)
               ELSE at::date + 1 + whole_days + opens
                    + make_interval(secs => (left_over - whole_days * daily) * 60) END) AT TIME ZONE zone
  FROM rest
$$;
