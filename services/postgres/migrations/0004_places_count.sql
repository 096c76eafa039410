-- 0004: each account counts its saved places, so that adding one checks
-- the cap on one row (and locks it: adds of one person take turns)
-- rather than counting the person's places under MVCC at every add.
-- Accounts that kept more than the cap before it existed keep them all;
-- they may add no more until they are under it.

ALTER TABLE users ADD COLUMN places_count integer NOT NULL DEFAULT 0;

UPDATE users SET places_count = mine.n
FROM (SELECT user_id, count(*) AS n FROM places GROUP BY user_id) mine
WHERE mine.user_id = users.id;
