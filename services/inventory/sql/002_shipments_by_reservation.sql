-- inventory: a reservation's shipments. Every reservation read (the reply
-- of reservation.create among them) looks up its latest shipment, and a
-- release cancels the pending ones; without this index each scanned all
-- shipments.
CREATE INDEX shipments_reservation ON shipments (reservation_id, id);
