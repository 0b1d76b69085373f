-- SQLite's 0014 widens its name index for search walks; PostgreSQL finds a search's
-- matches with its trigram index. The version exists so that both migration sets carry the
-- same numbers.
SELECT 1;
