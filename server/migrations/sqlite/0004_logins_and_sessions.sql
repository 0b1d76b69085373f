-- Logins for every administrator and self-service person, not only the first SUPER.
-- A password set by someone else must be replaced by its owner at the next sign-in; a
-- login can be disabled without deleting the person.
ALTER TABLE logins ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE logins ADD COLUMN disabled_at BIGINT;

-- A bearer token minted from another session (POST /v1/login/{account_id}) ends with it.
ALTER TABLE sessions ADD COLUMN parent_id INTEGER REFERENCES sessions(id);
CREATE INDEX sessions_parent ON sessions (parent_id);
-- Ended sessions are purged by their end.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX bootstrap_codes_expires ON bootstrap_codes (expires_at);
CREATE INDEX login_failures_at ON login_failures (at);
