CREATE INDEX users_site_department ON users (site_id, lower(department), id);
