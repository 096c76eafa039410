-- 0023: reserved for the visits branch (services/visitor), which is
-- merged before tours; this placeholder keeps the numbers without gaps
-- on the tours branch alone. Delete it when merging visits' 0023.
SELECT 1;
