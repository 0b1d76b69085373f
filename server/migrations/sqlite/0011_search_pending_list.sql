-- PostgreSQL's 0011 bounds its trigram index's pending list; SQLite's FTS5 index has none.
-- The version exists so that both migration sets carry the same numbers.
SELECT 1;
