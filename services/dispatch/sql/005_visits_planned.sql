-- dispatch: the visits planned in a station's day, by (station, date): what
-- every offer and booking loads (s_bulk_visits). Only planned visits are in
-- it, so it stays the size of the days ahead however long the history.
CREATE INDEX visits_planned ON visits (station_id, plan_date)
    WHERE status IN ('scheduled', 'dispatched', 'confirmed', 'en_route', 'on_site');
