-- 0006: reserved for the idempotency keys (branch i12-idem). This
-- placeholder only keeps the numbers without gaps on the audit branch
-- (i12-audit), whose migration is 0007; drop it when merging, in favour
-- of the idempotency branch's 0006.
SELECT 1;
