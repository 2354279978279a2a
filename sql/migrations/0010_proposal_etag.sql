-- A proposal's ETag kept with it (issue 13). The ETag is the SHA-256 of the payload as the API reads it back
-- (persistence/proposals.ts, payloadEtag); a decision records it as what was shown. A decision that comes
-- without one (an APPROVE sent to the engine directly rather than through the API's If-Match) read the whole
-- payload back to hash it, a round trip of its own in every such approval. Staging now computes it from the
-- payload in the form jsonb gives back (storedEtag), so the decision and its row are one statement. The product
-- never changes a payload once staged. Rows staged before this migration keep NULL: their decisions hash the
-- payload read back, as before.
ALTER TABLE proposed_actions ADD COLUMN payload_sha256 text;
