-- 0004: each account counts its saved places (kept by triggers, 0005),
-- so that adding one checks the cap on one row rather than counting the
-- person's places at every add. Accounts that kept more than the cap
-- before it existed keep them all; they may add no more until they are
-- under it.

ALTER TABLE users ADD COLUMN places_count INTEGER NOT NULL DEFAULT 0;

UPDATE users SET places_count = mine.n
FROM (SELECT user_id, count(*) AS n FROM places GROUP BY user_id) AS mine
WHERE mine.user_id = users.id;
