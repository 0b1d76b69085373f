-- The people listing filters by department (case-insensitive, exact) and pages in name
-- order within it.
CREATE INDEX users_site_department ON users (site_id, lower(department), id);
