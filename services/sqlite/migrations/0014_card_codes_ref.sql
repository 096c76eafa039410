-- 0014: a used code remembers the attempt it was used for (access.Check.Ref,
-- a till's charge reference; '' for none), so that the same charge
-- retried after its answer was lost (a crash, a server error) is that
-- attempt again, answered as first decided, and not a copy of the code.
ALTER TABLE card_codes ADD COLUMN ref TEXT NOT NULL DEFAULT '';
