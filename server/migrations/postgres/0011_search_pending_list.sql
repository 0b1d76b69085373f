-- New rows wait in the trigram index's pending list until it holds gin_pending_list_limit
-- (4 MB by default, some 5,000 people) and every search reads that list whole: after an
-- import, 4 ms of each search until autovacuum merged it. At 256 kB a search reads at most
-- a few hundred pending rows; a 20,000-row insert costs 0.6 s instead of 0.45 s (fastupdate
-- off: 2.8 s).
ALTER INDEX users_search SET (gin_pending_list_limit = 256);
