-- 0024: reserved for the tours branch, which brings its own 0024. This placeholder
-- only keeps the numbering without gaps on the live branch: drop it when
-- that branch lands.
SELECT 1;
