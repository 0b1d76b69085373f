-- PostgreSQL's 0016 leaves room on device_users' pages for updates in place; SQLite has no
-- such setting. The version exists so that both migration sets carry the same numbers.
SELECT 1;
