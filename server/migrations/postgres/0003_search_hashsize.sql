-- SQLite's 0003 tunes its FTS5 table; PostgreSQL's trigram index needs nothing. The
-- version exists so that both migration sets carry the same numbers.
SELECT 1;
