-- dispatch: a case's visits by case, whatever their status. The case's
-- state on every consumed case event (has it a visit yet?) and an offer or
-- booking by case_id read visits by case; visits_one_open covers only live
-- visits, which PostgreSQL cannot prove those reads are limited to, so
-- each read scanned the whole table (bench flow: about four scans of
-- every visit per case).
CREATE INDEX visits_case ON visits (case_id, id);
