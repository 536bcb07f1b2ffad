-- dispatch: engineers' weekly rota. The ISO weekdays (1 = Monday .. 7 =
-- Sunday, local dates) an engineer works; the planner gives them no route
-- on other days. Everyone worked every day before, so that is the default.
ALTER TABLE engineers ADD COLUMN work_days text NOT NULL DEFAULT '1234567'
    CHECK (work_days ~ '^[1-7]{1,7}$');
