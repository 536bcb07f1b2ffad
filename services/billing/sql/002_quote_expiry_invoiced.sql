-- Quotes: a timer marks issued quotes past valid_until 'expired' (with the
-- event quote.expired); an accepted quote becomes 'invoiced' once a repaired
-- completion has invoiced it, so a second completion cannot invoice it again.
-- Each line counts what was invoiced of it: never more than the customer agreed.
ALTER TABLE quotes DROP CONSTRAINT quotes_status_check;
ALTER TABLE quotes ADD CONSTRAINT quotes_status_check
    CHECK (status IN ('issued', 'accepted', 'declined', 'expired', 'superseded', 'invoiced'));
ALTER TABLE quotes ADD COLUMN invoiced_at timestamptz;

ALTER TABLE quote_lines ADD COLUMN invoiced_quantity integer NOT NULL DEFAULT 0;
ALTER TABLE quote_lines ADD CONSTRAINT quote_lines_invoiced_at_most_agreed
    CHECK (invoiced_quantity BETWEEN 0 AND quantity);

-- The sweep looks for issued quotes by date.
CREATE INDEX quotes_issued_until ON quotes (valid_until) WHERE status = 'issued';
