-- 0006: a placeholder for branch i12-idem's migration (idempotency keys),
-- so that 0008 follows without a gap on branch i12-replicas. Drop this
-- file when merging: the real 0006 takes its place.
SELECT 1;
