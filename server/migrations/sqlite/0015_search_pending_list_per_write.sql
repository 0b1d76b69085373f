-- PostgreSQL's 0015 moves its trigram index's pending-list bound from the index to each
-- write; SQLite's FTS5 index has none. The version exists so that both migration sets carry
-- the same numbers.
SELECT 1;
