-- 0009: the audit log, and operators' duties.
--
-- The audit log is hash-chained (services/audit): each entry carries the
-- hash of the one before. Entries are appended, never changed: triggers
-- refuse UPDATE and DELETE, and refuse an INSERT that does not follow
-- the head (audit_head: the last entry's id and hash, one row), which
-- the same trigger then moves on. Someone who can change the file can
-- drop the triggers; `campus audit verify` finds what they changed.
-- Times are INTEGER microseconds since the Unix epoch, UTC, as hashed.

CREATE TABLE audit_log (
	id        INTEGER PRIMARY KEY,  -- 1, 2, 3 ... from the head, without gaps
	at        INTEGER NOT NULL,
	actor     INTEGER NOT NULL,     -- an account's id, or 0; no foreign key: entries outlive accounts
	subject   TEXT    NOT NULL,
	kind      TEXT    NOT NULL,
	place     TEXT    NOT NULL,
	decision  TEXT    NOT NULL,
	reason    TEXT    NOT NULL,
	detail    TEXT,                 -- compact JSON, as hashed; NULL for none
	prev_hash BLOB    NOT NULL,
	hash      BLOB    NOT NULL
) STRICT;

CREATE INDEX audit_log_subject ON audit_log (subject, id);
CREATE INDEX audit_log_kind ON audit_log (kind, id);

CREATE TABLE audit_head (
	one     INTEGER PRIMARY KEY CHECK (one = 1),
	last_id INTEGER NOT NULL,
	hash    BLOB    NOT NULL
) STRICT;

INSERT INTO audit_head (one, last_id, hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER audit_log_appended BEFORE INSERT ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log: an entry must follow the head (id = last_id + 1, prev_hash = its hash)')
	WHERE NOT EXISTS (SELECT 1 FROM audit_head WHERE one = 1 AND last_id = NEW.id - 1 AND hash = NEW.prev_hash);
	UPDATE audit_head SET last_id = NEW.id, hash = NEW.hash WHERE one = 1;
END;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log: entries are never changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log: entries are never deleted');
END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
	SELECT RAISE(ABORT, 'audit_head: the head is never deleted');
END;

-- What an operator may do (auth.Duties), as granted; admins hold every
-- duty without a row here. users.duties lists an account's duties
-- ("desk,lab"), kept by triggers, so that reading an account, above all
-- at every session lookup, reads its duties with it and no other table.
ALTER TABLE users ADD COLUMN duties TEXT NOT NULL DEFAULT '';

CREATE TABLE duties (
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	duty       TEXT    NOT NULL,
	granted_at INTEGER NOT NULL,
	granted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,  -- NULL: the command line
	PRIMARY KEY (user_id, duty)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER duties_granted AFTER INSERT ON duties
BEGIN
	UPDATE users SET duties = CASE duties WHEN '' THEN NEW.duty ELSE duties || ',' || NEW.duty END
	WHERE id = NEW.user_id;
END;

CREATE TRIGGER duties_revoked AFTER DELETE ON duties
BEGIN
	UPDATE users SET duties = trim(replace(',' || duties || ',', ',' || OLD.duty || ',', ','), ',')
	WHERE id = OLD.user_id;
END;
