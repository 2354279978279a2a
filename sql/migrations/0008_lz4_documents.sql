-- The documents a run writes (its snapshot, rewritten with every event, the mirror rows it loaded, the email, its
-- journal, the proposals' payloads, the ledger and outbox payloads) are compressed by PostgreSQL when a row
-- passes about 2 KB. With the default method (pglz), compressing them was the largest single function of the
-- server's CPU under load (about 6 %, a system-wide `perf` profile of the engine benchmark, issue 13); lz4
-- compresses several times faster, and reading is faster too. Only values written from now on use it.
--
-- lz4 exists only in a server built with it (the Debian and most packaged servers are; the embedded server of
-- `npm start` is not): there, this migration leaves pglz in place (with a NOTICE).
DO $$
BEGIN
  ALTER TABLE runs ALTER COLUMN snapshot SET COMPRESSION lz4,
                   ALTER COLUMN loaded SET COMPRESSION lz4,
                   ALTER COLUMN input SET COMPRESSION lz4;
  ALTER TABLE run_journal ALTER COLUMN event SET COMPRESSION lz4,
                          ALTER COLUMN state_before SET COMPRESSION lz4,
                          ALTER COLUMN state_after SET COMPRESSION lz4,
                          ALTER COLUMN effects SET COMPRESSION lz4;
  ALTER TABLE proposed_actions ALTER COLUMN payload SET COMPRESSION lz4;
  ALTER TABLE workflow_run_log ALTER COLUMN summary_json SET COMPRESSION lz4,
                               ALTER COLUMN errors SET COMPRESSION lz4;
  ALTER TABLE event_ledger ALTER COLUMN payload SET COMPRESSION lz4;
  ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this PostgreSQL has no lz4: run documents stay compressed with pglz';
END
$$;
