ALTER TABLE device_users ADD COLUMN held_heavy BYTEA;
