-- Devices and what each holds. The outbox says "this person changed"; the sync worker turns
-- each row into one `device_users` row per device ("device D must hold version V of person
-- P", or "must not hold P") and drains those per device, recording what each device
-- acknowledged. Portable to PostgreSQL (partial indexes exist in both).

-- Which devices hold a person (BioStar 2's "automatic user synchronization"): every device
-- of the site, or only the devices of the person's access groups.
ALTER TABLE sites ADD COLUMN sync_mode TEXT NOT NULL DEFAULT 'all' CHECK (sync_mode IN ('all', 'groups'));

-- The site's devices as its gateway reports them.
CREATE TABLE devices (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites(id),
    device_id       BIGINT NOT NULL,               -- the gateway's deviceID
    model           TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    capability      BLOB,                           -- gsdk CapabilityInfo, encoded; NULL until read
    connected       BOOLEAN NOT NULL DEFAULT FALSE,
    connected_since BIGINT NOT NULL,                -- when `connected` last changed
    seen_at         BIGINT NOT NULL,                -- last listed by the gateway
    failing_since   BIGINT,                         -- the first of the current run of failed sends
    last_error      TEXT,
    verified_at     BIGINT,                         -- the last read-back that found it equal
    drift           TEXT,                           -- what the last read-back that differed found
    drift_at        BIGINT,
    UNIQUE (site_id, device_id)
);

-- What each device must hold of each person, and what it acknowledged. A row exists once a
-- device was meant to hold the person; `pending` says that the device and the directory
-- differ and work is owed (kept by the worker: want and held_version disagree).
CREATE TABLE device_users (
    device_row    INTEGER NOT NULL REFERENCES devices(id),
    user_row      INTEGER NOT NULL REFERENCES users(id),
    want          BOOLEAN NOT NULL,                 -- the device must hold the person
    want_version  BIGINT NOT NULL,                  -- the person's version when decided
    want_changed_at BIGINT NOT NULL,                -- when `want` last changed
    held_version  BIGINT,                           -- acknowledged by the device; NULL = not held,
                                                    -- 0 = maybe held (an enroll's answer was lost)
    acked_at      BIGINT,
    pending       BOOLEAN NOT NULL,
    lease_until   BIGINT,                           -- claimed by a sender until then
    error         TEXT,                             -- why the device cannot hold the person
    full          BOOLEAN NOT NULL DEFAULT FALSE,   -- the error is the device's capacity
    PRIMARY KEY (device_row, user_row)
);
CREATE INDEX device_users_pending ON device_users (device_row, want, user_row) WHERE pending;
CREATE INDEX device_users_person ON device_users (user_row);
CREATE INDEX device_users_full ON device_users (device_row, user_row) WHERE full;
CREATE INDEX device_users_held ON device_users (device_row) WHERE held_version IS NOT NULL;
CREATE INDEX device_users_refused ON device_users (device_row) WHERE error IS NOT NULL;
-- Revocations not yet confirmed: people a device holds but must not.
CREATE INDEX device_users_revoking ON device_users (want_changed_at, user_row)
    WHERE NOT want AND held_version IS NOT NULL;

-- Access groups as site objects: the ID the devices know, a name, the devices it covers.
-- People belong to groups by ID (user_access_groups), as the devices record them.
CREATE TABLE access_groups (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    group_id    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (site_id, group_id),
    UNIQUE (site_id, name)
);
CREATE TABLE access_group_devices (
    group_row   INTEGER NOT NULL REFERENCES access_groups(id) ON DELETE CASCADE,
    device_row  INTEGER NOT NULL REFERENCES devices(id),
    PRIMARY KEY (group_row, device_row)
);
CREATE INDEX access_group_devices_device ON access_group_devices (device_row, group_row);
