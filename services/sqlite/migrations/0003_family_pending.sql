-- 0003: at most one pending family application per phone. Where a phone
-- has several pending (made before this rule), the first stays pending
-- and the later ones are rejected, decided now.

UPDATE family_applications
SET status = 'rejected', decided = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE status = 'pending'
  AND id NOT IN (SELECT min(id) FROM family_applications WHERE status = 'pending' GROUP BY phone);

CREATE UNIQUE INDEX family_applications_pending_phone ON family_applications (phone) WHERE status = 'pending';
