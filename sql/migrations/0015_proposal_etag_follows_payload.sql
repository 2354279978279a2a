-- A proposal's kept ETag (payload_sha256, migration 0010) is now what the API shows wherever it lists proposals,
-- instead of hashing every payload it reads (persistence/proposals.ts, withEtag). The product never rewrites a
-- staged payload, but a payload changed by anyone else (an operator's UPDATE, another tool) must not keep the hash
-- of what it was: the approver would be shown the new payload under the old ETag, and an approval would record a
-- hash of something other than what was carried out. An UPDATE that changes the payload without giving its hash
-- clears the kept one; the proposal is then hashed from its payload as read, as one staged before 0010 is.
CREATE FUNCTION proposed_actions_etag_follows_payload() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.payload IS DISTINCT FROM OLD.payload AND NEW.payload_sha256 IS NOT DISTINCT FROM OLD.payload_sha256 THEN
    NEW.payload_sha256 := NULL;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER proposed_actions_etag_follows_payload BEFORE UPDATE OF payload ON proposed_actions
  FOR EACH ROW EXECUTE FUNCTION proposed_actions_etag_follows_payload();
