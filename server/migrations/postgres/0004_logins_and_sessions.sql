ALTER TABLE logins ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE logins ADD COLUMN disabled_at BIGINT;

ALTER TABLE sessions ADD COLUMN parent_id BIGINT REFERENCES sessions(id);
CREATE INDEX sessions_parent ON sessions (parent_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX bootstrap_codes_expires ON bootstrap_codes (expires_at);
CREATE INDEX login_failures_at ON login_failures (at);
