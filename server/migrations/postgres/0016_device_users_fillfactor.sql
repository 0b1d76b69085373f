-- The sync worker updates each row of device_users at least twice per send (claimed with a
-- lease, then acknowledged). With its pages full, every update wrote a new entry in each of
-- the table's eight indexes; with room left on the page, the lease (a column no index
-- names) is updated in place (a heap-only update) and the indexes are left alone. Applies
-- to pages written from now on.
ALTER TABLE device_users SET (fillfactor = 70);
