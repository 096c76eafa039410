-- 0011: smart locks (services/access, locks.go and fingerprints.go).
--
-- A lock is a reader of kind lock; who may manage it are the people with a
-- current grant of its reader or of the unit it locks. Each such holder
-- may keep one PIN there (an argon2id PHC string, as passwords are kept);
-- lock_state counts the wrong PINs in a row at a lock and keeps its
-- lock-out, shared by every replica. Fingerprints are enrolled at the
-- lock and never leave it: lock_fingerprints keeps only their ids, owners
-- and states, and a deleted one waits in lock_commands until the lock
-- fetches the command and confirms it (then both rows go).

CREATE TABLE lock_pins (
	reader  text        COLLATE "C" NOT NULL,
	user_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	hash    text        NOT NULL,   -- argon2id, PHC string format
	created timestamptz NOT NULL,
	changed timestamptz NOT NULL,
	PRIMARY KEY (reader, user_id)
);

CREATE TABLE lock_state (
	reader       text        COLLATE "C" PRIMARY KEY,
	failures     integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),  -- wrong PINs in a row
	locked_until timestamptz                                            -- NULL: never locked out
);

CREATE TABLE lock_fingerprints (
	id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- never reused: a lock knows its fingerprints by it
	reader  text        COLLATE "C" NOT NULL,
	user_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	status  text        NOT NULL CHECK (status IN ('pending', 'enrolled', 'failed', 'deleting')),
	created timestamptz NOT NULL,
	decided timestamptz            -- when the lock reported (or the enrolment timed out)
);

CREATE INDEX lock_fingerprints_reader ON lock_fingerprints (reader, status);
CREATE INDEX lock_fingerprints_holder ON lock_fingerprints (reader, user_id, id);

CREATE TABLE lock_commands (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	reader      text        COLLATE "C" NOT NULL,
	kind        text        NOT NULL CHECK (kind IN ('delete_fingerprint')),
	fingerprint bigint      NOT NULL,   -- the lock's id of it (lock_fingerprints.id)
	created     timestamptz NOT NULL
);

CREATE INDEX lock_commands_reader ON lock_commands (reader, id);
