-- A device's oldest pending change (its sync state, `GET /v1/devices`) is the first entry
-- of this index, not a read of every pending row (100,000 of them while an import syncs).
CREATE INDEX device_users_oldest_pending ON device_users (device_row, want_changed_at) WHERE pending;
