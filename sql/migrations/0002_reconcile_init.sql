-- Brings a database made by an earlier text of 0001_init.sql to the schema the current 0001 creates.
--
-- 0001 was edited after it had been applied (commits f5f799c, 2e5743f and 37f68bf), so a database made by
-- an earlier release holds an older schema under version 1. persistence/migrate.ts accepts the checksums of
-- those earlier texts (SUPERSEDED_CHECKSUMS) and this migration makes up the difference. On a database made
-- by the current 0001 there is nothing to make up: that is the one reason the statements below tolerate an
-- object that is already there (or already gone). Migrations are append-only from here on: a change to the
-- schema is a new numbered file, never an edit.

-- Before 2e5743f, runs carried a redundant idempotency_key (NOT NULL UNIQUE; today's inserts would fail on
-- it). Dropping the column drops its unique constraint with it.
ALTER TABLE runs DROP COLUMN IF EXISTS idempotency_key;

-- Before f5f799c, a decision could not be 'expired' (an approval window that closes records one). Every
-- text of 0001 named this constraint the same, so it is replaced, not tolerated.
ALTER TABLE approval_decisions DROP CONSTRAINT approval_decisions_decision_check;
ALTER TABLE approval_decisions ADD CONSTRAINT approval_decisions_decision_check
  CHECK (decision IN ('approved','rejected','expired'));

-- Before 37f68bf, no indexes served sender-domain lookups (steps/extract.ts uses exactly these expressions).
CREATE INDEX IF NOT EXISTS customers_email_domain ON customers (split_part(lower(email), '@', 2));
CREATE INDEX IF NOT EXISTS contacts_email_domain ON contacts (split_part(lower(email), '@', 2));
