-- One email is one run: the API now stores a UUID-shaped email_uuid in lower case (server/schemas.ts,
-- canonicalEmailUuid). Runs written before that keep the case they were sent with; lower-case them so a
-- redelivery in any case finds its run. Where the bug already made two runs of one email, the run that
-- already has the lower-case key (else the earliest) becomes the canonical one; the others stay as they are.
UPDATE runs r
SET email_uuid = lower(r.email_uuid)
FROM (
  SELECT DISTINCT ON (workflow_type, lower(email_uuid)) id
  FROM runs
  WHERE email_uuid ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  ORDER BY workflow_type, lower(email_uuid), id
) first
WHERE r.id = first.id
  AND r.email_uuid <> lower(r.email_uuid)
  AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.workflow_type = r.workflow_type AND o.email_uuid = lower(r.email_uuid));
