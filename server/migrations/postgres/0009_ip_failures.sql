-- Failed sign-ins and bootstrap codes per client address (an IPv6 client's /64), for
-- throttling. Kept in the database, not in one server's memory, so that every server on a
-- shared database counts them together.
CREATE TABLE ip_failures (
    id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip  TEXT NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX ip_failures_ip ON ip_failures (ip, at);
CREATE INDEX ip_failures_at ON ip_failures (at);
