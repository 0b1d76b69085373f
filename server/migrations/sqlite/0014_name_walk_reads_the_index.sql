-- A common search term (thousands of matches) is answered by walking the name index in
-- the page's order until a page of matches is found. With the visibility columns and the
-- search text in the index, a row that does not match is passed over without reading it
-- from the table (SQLite's deferred seek): the walk costs about half as much (1.55 → 0.86 ms for
-- "person 12" at 100,000 people, 2,275 rows walked). The columns after `id` only ride along.
DROP INDEX users_site_name;
CREATE INDEX users_site_name ON users (site_id, lower(name), id, is_service, deleted_at, search_text);
