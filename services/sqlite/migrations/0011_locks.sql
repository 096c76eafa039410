-- 0011: smart locks (services/access, locks.go and fingerprints.go).
--
-- A lock is a reader of kind lock; who may manage it are the people with a
-- current grant of its reader or of the unit it locks. Each such holder
-- may keep one PIN there (an argon2id PHC string, as passwords are kept);
-- lock_state counts the wrong PINs in a row at a lock and keeps its
-- lock-out, shared by every replica. Fingerprints are enrolled at the
-- lock and never leave it: lock_fingerprints keeps only their ids, owners
-- and states, and a deleted one waits in lock_commands until the lock
-- fetches the command and confirms it (then both rows go). Times are
-- INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE lock_pins (
	reader  TEXT    NOT NULL,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	hash    TEXT    NOT NULL,   -- argon2id, PHC string format
	created INTEGER NOT NULL,
	changed INTEGER NOT NULL,
	PRIMARY KEY (reader, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE lock_state (
	reader       TEXT    PRIMARY KEY,
	failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),  -- wrong PINs in a row
	locked_until INTEGER                                            -- NULL: never locked out
) STRICT, WITHOUT ROWID;

CREATE TABLE lock_fingerprints (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a lock knows its fingerprints by it
	reader  TEXT    NOT NULL,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	status  TEXT    NOT NULL CHECK (status IN ('pending', 'enrolled', 'failed', 'deleting')),
	created INTEGER NOT NULL,
	decided INTEGER            -- when the lock reported (or the enrolment timed out)
) STRICT;

CREATE INDEX lock_fingerprints_reader ON lock_fingerprints (reader, status);
CREATE INDEX lock_fingerprints_holder ON lock_fingerprints (reader, user_id, id);

CREATE TABLE lock_commands (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	reader      TEXT    NOT NULL,
	kind        TEXT    NOT NULL CHECK (kind IN ('delete_fingerprint')),
	fingerprint INTEGER NOT NULL,   -- the lock's id of it (lock_fingerprints.id)
	created     INTEGER NOT NULL
) STRICT;

CREATE INDEX lock_commands_reader ON lock_commands (reader, id);
