-- Sites, sign-in, sessions, API tokens and the audit trail.
-- Times are Unix seconds (BIGINT); the schema is kept portable to PostgreSQL apart from
-- the audit triggers.

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    time_zone   TEXT NOT NULL DEFAULT 'UTC',
    created_at  BIGINT NOT NULL
);

-- A sign-in identity; it acts on a site through one of its users (one per site).
CREATE TABLE logins (
    id                   INTEGER PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,   -- lower-case
    password_hash        TEXT NOT NULL,          -- Argon2id PHC string
    password_changed_at  BIGINT NOT NULL,
    created_at           BIGINT NOT NULL
);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    login_id    INTEGER REFERENCES logins(id),
    user_id     TEXT NOT NULL,                     -- the device user ID
    name        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'PENDING'
                CHECK (status IN ('PENDING', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED')),
    tag         TEXT NOT NULL DEFAULT 'USER' CHECK (tag IN ('USER', 'GUEST')),
    rank        TEXT NOT NULL DEFAULT 'REGULAR' CHECK (rank IN ('REGULAR', 'ADMIN', 'SUPER')),
    is_service  BOOLEAN NOT NULL DEFAULT FALSE,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (site_id, user_id),
    UNIQUE (site_id, login_id)
);
CREATE INDEX users_site_rank ON users (site_id, rank);

-- Browser sessions and bearer tokens from /v1/login. Only the SHA-256 of the secret is kept.
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),
    login_id      INTEGER NOT NULL REFERENCES logins(id),
    user_row      INTEGER REFERENCES users(id),    -- the site account in use; NULL until chosen
    source_ip     TEXT,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,                 -- absolute end
    revoked_at    BIGINT
);
CREATE INDEX sessions_login ON sessions (login_id);
CREATE INDEX sessions_user ON sessions (user_row);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    user_row      INTEGER NOT NULL REFERENCES users(id),   -- the service account
    name          TEXT NOT NULL,
    scopes        TEXT NOT NULL,                           -- space-separated
    token_hash    BLOB NOT NULL UNIQUE,
    created_by    INTEGER REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX api_tokens_site ON api_tokens (site_id);

CREATE TABLE bootstrap_codes (
    id          INTEGER PRIMARY KEY,
    code_hash   BLOB NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

-- Failed sign-ins per account (lower-case username), for throttling.
CREATE TABLE login_failures (
    username  TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    site_id     INTEGER REFERENCES sites(id),
    actor       TEXT NOT NULL,
    source_ip   TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_site_at ON audit (site_id, at);

CREATE TRIGGER audit_rows_are_final_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END;
CREATE TRIGGER audit_rows_are_final_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END;
