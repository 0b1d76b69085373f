-- An import's per-row results, written a batch at a time as the import runs (not kept in
-- the server's memory); its results CSV is streamed from here. `results_csv` stays for the
-- imports made before. The import's progress is kept on its row, so that whichever server
-- answers `GET /v1/imports/running` sees it.
CREATE TABLE import_results (
    import_id  INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line       BIGINT NOT NULL,
    outcome    TEXT NOT NULL,
    user_row   BIGINT,
    user_id    TEXT,
    code       TEXT,
    field      TEXT,
    message    TEXT,
    -- One warning per line of text.
    warnings   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (import_id, line)
) WITHOUT ROWID;
ALTER TABLE imports ADD COLUMN started_by BIGINT;
ALTER TABLE imports ADD COLUMN rows_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN progress_at BIGINT;
ALTER TABLE imports ADD COLUMN finished_at BIGINT;
UPDATE imports SET finished_at = created_at, rows_done = rows_total;
CREATE INDEX imports_running ON imports (site_id, started_by) WHERE finished_at IS NULL;
