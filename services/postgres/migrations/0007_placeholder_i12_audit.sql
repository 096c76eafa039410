-- 0007: a placeholder for branch i12-audit's migration (audit log and
-- duties), so that 0008 follows without a gap on branch i12-replicas.
-- Drop this file when merging: the real 0007 takes its place.
SELECT 1;
