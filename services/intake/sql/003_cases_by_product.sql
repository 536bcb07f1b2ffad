-- intake 003: a product's cases in id order (case.list by serial: the
-- product is found by its unique serial, then its cases by this index).
CREATE INDEX cases_product ON cases (product_id, id);
