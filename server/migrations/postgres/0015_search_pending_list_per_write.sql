-- 0011 bounded the trigram index's pending list at 256 kB on the index itself, which
-- overrides the setting of every writer: a 100,000-row import merged the list some 2,000
-- times, one small merge at a time (3.4 s of its 20). The bound is now the connection's
-- `gin_pending_list_limit` (256 kB, set by the server for each connection), which a bulk
-- write raises for its own transaction and then merges the list once, in bulk, before it
-- commits (`gin_clean_pending_list`): searches still never read a long list.
ALTER INDEX users_search RESET (gin_pending_list_limit);
