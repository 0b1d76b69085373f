-- The people directory: every field of a person, their credentials, and the outbox the
-- sync worker drains. Portable to PostgreSQL (partial indexes exist in both).

-- Allocated user IDs come from a per-site counter, never from scanning users.
ALTER TABLE sites ADD COLUMN next_user_id BIGINT NOT NULL DEFAULT 1;

ALTER TABLE users ADD COLUMN first_name TEXT;
ALTER TABLE users ADD COLUMN last_name TEXT;
ALTER TABLE users ADD COLUMN email TEXT;            -- trimmed and lower-cased
ALTER TABLE users ADD COLUMN username TEXT;         -- lower-cased
ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN department TEXT;
ALTER TABLE users ADD COLUMN title TEXT;
ALTER TABLE users ADD COLUMN notes TEXT;
ALTER TABLE users ADD COLUMN system_id TEXT;
ALTER TABLE users ADD COLUMN start_time BIGINT NOT NULL DEFAULT 0;    -- Unix seconds, 0 = no limit
ALTER TABLE users ADD COLUMN end_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN security_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN auth_modes TEXT;       -- JSON of the private auth modes
ALTER TABLE users ADD COLUMN job_codes TEXT NOT NULL DEFAULT '[]';           -- JSON
ALTER TABLE users ADD COLUMN computer_usernames TEXT NOT NULL DEFAULT '[]';  -- JSON
ALTER TABLE users ADD COLUMN photo BLOB;
ALTER TABLE users ADD COLUMN pin_hash BLOB;         -- the gateway's 32-byte hash, never the PIN
ALTER TABLE users ADD COLUMN import_tag TEXT;
-- A deleted person stays as a tombstone until every device confirmed the removal.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
-- Lower-cased name, username and email, for substring search.
ALTER TABLE users ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE users SET search_text = lower(name);

-- Substring search at 100,000 people: a trigram index over search_text (SQLite FTS5; on
-- PostgreSQL the same role falls to a pg_trgm index on users.search_text). New people are
-- added by the code that inserts them, many rows per statement (an insert trigger costs
-- seconds per 100,000); changes and deletions are kept in step by triggers.
CREATE VIRTUAL TABLE users_search USING fts5(search_text, content='users', content_rowid='id', tokenize='trigram');
INSERT INTO users_search(users_search) VALUES ('rebuild');
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search(users_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF search_text ON users BEGIN
    INSERT INTO users_search(users_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO users_search(rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE UNIQUE INDEX users_email ON users (site_id, email) WHERE email IS NOT NULL AND deleted_at IS NULL;
CREATE UNIQUE INDEX users_username ON users (site_id, username) WHERE username IS NOT NULL AND deleted_at IS NULL;
CREATE UNIQUE INDEX users_system_id ON users (site_id, system_id) WHERE system_id IS NOT NULL AND deleted_at IS NULL;
CREATE UNIQUE INDEX users_pin ON users (site_id, pin_hash) WHERE pin_hash IS NOT NULL AND deleted_at IS NULL;
-- Only admins are looked up by rank: index them alone, not every person of the site.
-- (SQLite uses a partial index only when a query repeats its condition: rank <> 'REGULAR'.)
DROP INDEX users_site_rank;
CREATE INDEX users_site_admins ON users (site_id, rank) WHERE rank <> 'REGULAR';
CREATE INDEX users_site_name ON users (site_id, lower(name), id);
CREATE INDEX users_site_updated ON users (site_id, updated_at, id);
CREATE INDEX users_site_status ON users (site_id, status, id);

CREATE TABLE user_access_groups (
    user_row  INTEGER NOT NULL REFERENCES users(id),
    group_id  BIGINT NOT NULL,
    PRIMARY KEY (user_row, group_id)
);
CREATE INDEX user_access_groups_group ON user_access_groups (group_id, user_row);

-- Cards as the devices hold them. A card number is unique in its site unless it was added
-- with allow_duplicates; a deleted person's cards stay (blocked) until the devices confirm.
CREATE TABLE cards (
    id             INTEGER PRIMARY KEY,
    site_id        INTEGER NOT NULL REFERENCES sites(id),
    user_row       INTEGER NOT NULL REFERENCES users(id),
    position       INTEGER NOT NULL,
    number         TEXT NOT NULL,                  -- as normalised, leading zeros kept
    card_key       BLOB NOT NULL,                  -- the card data, for uniqueness
    card_type      INTEGER NOT NULL,
    label          TEXT,
    allow_duplicate BOOLEAN NOT NULL DEFAULT FALSE,
    mobile_invitation INTEGER,                     -- set on the card of a mobile credential
    UNIQUE (user_row, position)
);
CREATE UNIQUE INDEX cards_unique_number ON cards (site_id, card_key) WHERE NOT allow_duplicate;
CREATE INDEX cards_number ON cards (site_id, card_key);

-- Fingerprints and faces as encoded gsdk FingerData / FaceData messages.
CREATE TABLE biometrics (
    user_row  INTEGER NOT NULL REFERENCES users(id),
    kind      TEXT NOT NULL CHECK (kind IN ('finger', 'face')),
    position  INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (user_row, kind, position)
);

CREATE TABLE mobile_invitations (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    user_row     INTEGER NOT NULL REFERENCES users(id),
    code_hash    BLOB NOT NULL UNIQUE,
    email        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('INVITED', 'ACTIVE', 'REVOKED')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    redeemed_at  BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX mobile_invitations_user ON mobile_invitations (user_row);

-- Work for the sync worker, written in the transaction of the change that causes it:
-- "make the devices agree with this person" (upsert while ACTIVE, else remove).
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    user_row    INTEGER NOT NULL REFERENCES users(id),
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('upsert', 'remove')),
    created_at  BIGINT NOT NULL
);
CREATE INDEX outbox_site ON outbox (site_id, id);

-- CSV imports: one row per run, its per-row results kept for download.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    tag         TEXT NOT NULL,
    mode        TEXT NOT NULL,
    key_column  TEXT NOT NULL,
    dry_run     BOOLEAN NOT NULL,
    file_sha256 BLOB NOT NULL,
    actor       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    rows_total  BIGINT NOT NULL DEFAULT 0,
    rows_ok     BIGINT NOT NULL DEFAULT 0,
    results_csv TEXT
);
CREATE INDEX imports_site ON imports (site_id, id);
