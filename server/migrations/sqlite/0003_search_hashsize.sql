-- The search index buffers new terms in memory up to this size before it writes a
-- segment. The default (1 MiB) wrote several small segments per 25,000-row import batch
-- and spent much of an import merging them again.
INSERT INTO users_search (users_search, rank) VALUES ('hashsize', 16777216);
