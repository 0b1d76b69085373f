-- What a device was last sent of a person's fingerprints, faces and photo (a SHA-256 of
-- them), with its acknowledged version: when they have not changed since, the next change
-- goes out as UpdateMulti keeping them on the device instead of sending them again.
ALTER TABLE device_users ADD COLUMN held_heavy BLOB;
