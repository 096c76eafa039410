-- 0023: reserved for the visits branch, which brings its own 0023. This placeholder
-- only keeps the numbering without gaps on the live branch: drop it when
-- that branch lands.
SELECT 1;
