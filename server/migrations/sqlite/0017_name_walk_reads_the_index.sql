-- PostgreSQL's 0017 widens its name index for search walks, as SQLite's 0014 did. The
-- version exists so that both migration sets carry the same numbers.
SELECT 1;
