-- Migration 0015's trigger, made an AFTER trigger. A BEFORE ROW trigger on UPDATE makes PostgreSQL lock the row it is
-- about to update before it looks at the trigger's column list, whatever columns the UPDATE sets: every decision
-- (UPDATE proposed_actions SET status = …, runtime/decisions.ts) took a second lock on its proposal and wrote a lock
-- record to the WAL for it (52 bytes more WAL an UPDATE, measured on 5,000). An AFTER trigger on UPDATE OF payload is
-- queued only when the payload is among the columns set, and adds no lock and no WAL to a decision (338 bytes an
-- UPDATE against 346 without any trigger). Same rule: an UPDATE that changes a payload without setting its hash clears the
-- kept hash; the clearing UPDATE sets only the hash, so it does not fire the trigger again.
DROP TRIGGER proposed_actions_etag_follows_payload ON proposed_actions;
DROP FUNCTION proposed_actions_etag_follows_payload();

CREATE FUNCTION proposed_actions_etag_follows_payload() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.payload_sha256 IS NOT DISTINCT FROM OLD.payload_sha256 THEN
    UPDATE proposed_actions SET payload_sha256 = NULL WHERE id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER proposed_actions_etag_follows_payload AFTER UPDATE OF payload ON proposed_actions
  FOR EACH ROW WHEN (NEW.payload IS DISTINCT FROM OLD.payload) EXECUTE FUNCTION proposed_actions_etag_follows_payload();
